import { readFile, writeFile } from 'node:fs/promises';

/** An agency of an authored configuration (schemas/hub-config.json `agencies[]`). */
export interface AuthoredAgency {
  code: string;
  name: string;
  endpoint?: string;
}

/** The parts of an authored hub configuration the demo reads and extends; the rest is passed through. */
export interface AuthoredConfig {
  hub?: { organId?: string };
  agencies: AuthoredAgency[];
  endpoints: Record<string, unknown>[];
  dossiers?: unknown;
  [section: string]: unknown;
}

/** What one simulated system adds to the demo's configuration (secrets as `${…}` placeholders). */
export interface ConfigAddition {
  agencies?: readonly AuthoredAgency[];
  endpoints?: readonly Record<string, unknown>[];
  /** The `dossiers` section; the base configuration must not have one. */
  dossiers?: Record<string, unknown>;
}

/** Reads the configuration the demo starts from (`config/default.json`, or `LIENTHONG_CONFIG`). */
export async function readAuthoredConfig(path: string): Promise<AuthoredConfig> {
  return JSON.parse(await readFile(path, 'utf8')) as AuthoredConfig;
}

/**
 * The demo's configuration: `base` plus each addition's agencies (an agency the base already lists
 * keeps the base's entry), endpoints and `dossiers` section. An endpoint id or a `dossiers` section
 * that is already there is an error, never silently replaced. The hub then reads it through its one
 * pipeline (placeholders substituted, validated, frozen).
 */
export function assembleDemoConfig(base: AuthoredConfig, additions: readonly ConfigAddition[]): AuthoredConfig {
  const agencies = [...base.agencies];
  const endpoints = [...base.endpoints];
  let dossiers = base.dossiers;
  for (const addition of additions) {
    for (const agency of addition.agencies ?? []) {
      if (!agencies.some((a) => a.code === agency.code)) agencies.push(agency);
    }
    for (const endpoint of addition.endpoints ?? []) {
      if (endpoints.some((e) => e.id === endpoint.id)) throw new Error(`the base configuration already has an endpoint "${String(endpoint.id)}"`);
      endpoints.push(endpoint);
    }
    if (addition.dossiers) {
      if (dossiers !== undefined) throw new Error('the base configuration already has a dossiers section');
      dossiers = addition.dossiers;
    }
  }
  return {
    ...base,
    $schema: undefined, // the base file's editor hint is relative to config/
    agencies,
    endpoints,
    ...(dossiers !== undefined ? { dossiers } : {}),
  };
}

/** Writes {@link assembleDemoConfig}'s result to `configPath` (`<data>/demo/hub-config.json`). */
export async function writeDemoConfig(configPath: string, base: AuthoredConfig, additions: readonly ConfigAddition[]): Promise<void> {
  await writeFile(configPath, `${JSON.stringify(assembleDemoConfig(base, additions), null, 2)}\n`);
}
