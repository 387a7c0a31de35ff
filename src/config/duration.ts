const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration as written in config (`schemas/duration.json`): milliseconds or `<n><unit>`. */
export type Duration = number | string;

/** Milliseconds of a duration already validated against `schemas/duration.json`. */
export function durationMs(value: Duration): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  if (!match) throw new Error(`Not a duration: ${value}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
