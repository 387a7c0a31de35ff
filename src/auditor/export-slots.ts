/**
 * How many audit exports one process streams at once. An export reads the whole filtered trail page
 * by page for as long as its client takes; without a bound, a script (or an impatient auditor
 * clicking again) could keep the database busy with many of them. `take()` gives a release function,
 * or `undefined` when every slot is in use; releasing twice frees one slot.
 */
export interface ExportSlots {
  take(): (() => void) | undefined;
  readonly inUse: number;
  readonly max: number;
}

export function createExportSlots(max: number, onChange: (inUse: number) => void = () => {}): ExportSlots {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`export slots: ${max} is not a positive integer`);
  let inUse = 0;
  return {
    take() {
      if (inUse >= max) return undefined;
      inUse += 1;
      onChange(inUse);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inUse -= 1;
        onChange(inUse);
      };
    },
    get inUse() { return inUse; },
    max,
  };
}
