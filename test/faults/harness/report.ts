/**
 * Prints a scenario's figures as one JSON line (`FAULTS {...}`) so that a run's output can be read by
 * eye and collected for the README's reliability section.
 */
export function report(scenario: string, figures: Record<string, unknown>): void {
  const compact = JSON.stringify({ scenario, ...figures }, (key, value: unknown) =>
    (key === 'missing' || key === 'unexpected') && Array.isArray(value) ? value.length : value);
  console.log(`FAULTS ${compact}`);
}
