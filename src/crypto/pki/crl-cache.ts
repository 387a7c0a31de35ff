import { readFile } from 'node:fs/promises';
import type { CertificateFacts } from './certificate-facts.js';
import { fetchBounded, type FetchLimits } from './fetch-bounded.js';
import { crlIssuerProblem, parseCrl, type ParsedCrl } from './parse-crl.js';
import { createSingleFlight } from './single-flight.js';

export interface CrlCacheOptions {
  /** Configured CRLs: file paths or http(s) URLs (LIENTHONG_CRL_SOURCES). */
  sources: readonly string[];
  /** A CRL is loaded again after this long even when its nextUpdate is later, ms. */
  refreshMs: number;
  /** After a failed load (or a CRL already past its nextUpdate), the source is tried again after this long, ms. */
  retryMs: number;
  limits: FetchLimits;
  now: () => Date;
  /** Reads one source; default: http(s) URLs with `fetchBounded`, anything else from disk. */
  load?: (source: string) => Promise<Buffer>;
}

/** The CRL chosen for one CA, and why other sources could not be used. */
export interface CrlLookup {
  found?: { crl: ParsedCrl; source: string; stale: boolean };
  problems: string[];
}

export interface CrlCache {
  /** The freshest CRL of `ca` among the configured sources and `urls` (the certificate's distribution points). */
  find(ca: CertificateFacts, urls: readonly string[]): Promise<CrlLookup>;
}

interface CrlEntry {
  crl?: ParsedCrl;
  /** When to load again, epoch ms. */
  dueAt: number;
  failure?: string;
  /** CA SHA-256 → why this CRL cannot speak for that CA (undefined: it can). */
  verdicts: Map<string, string | undefined>;
}

/** Distribution-point URLs remembered besides the configured sources. */
const MAX_DISCOVERED = 256;
/** Clock skew tolerated on a CRL's thisUpdate, ms. */
const SKEW_MS = 5 * 60_000;
const isUrl = (source: string): boolean => /^https?:\/\//i.test(source);

/**
 * CRLs in memory, each loaded on first need and again at its nextUpdate or after `refreshMs`,
 * whichever comes first; one load per source at a time however many verifications wait for it. A
 * source that cannot be loaded keeps its previous CRL (then stale past its nextUpdate) and is retried
 * after `retryMs`, so a dead URL costs one timeout per `retryMs`, not one per request.
 */
export function createCrlCache(opts: CrlCacheOptions): CrlCache {
  const load = opts.load ?? ((source: string) => (isUrl(source) ? fetchBounded({ url: source }, opts.limits) : readFile(source)));
  const entries = new Map<string, CrlEntry>();
  const flights = createSingleFlight<CrlEntry>();
  const configured = new Set(opts.sources);

  const remember = (source: string, entry: CrlEntry): void => {
    entries.delete(source);
    entries.set(source, entry);
    if (entries.size <= configured.size + MAX_DISCOVERED) return;
    const oldest = [...entries.keys()].find((key) => !configured.has(key));
    if (oldest !== undefined) entries.delete(oldest);
  };

  const refresh = (source: string, previous: CrlEntry | undefined): Promise<CrlEntry> =>
    flights.run(source, async () => {
      const now = opts.now().getTime();
      let entry: CrlEntry;
      try {
        const crl = await parseCrl(await load(source));
        const due = Math.min(crl.nextUpdate?.getTime() ?? Infinity, now + opts.refreshMs);
        entry = { crl, dueAt: due > now ? due : now + opts.retryMs, verdicts: new Map() };
      } catch (err) {
        const failure = `CRL ${source}: ${(err as Error).message}`;
        entry = { ...(previous?.crl ? { crl: previous.crl } : {}), dueAt: now + opts.retryMs, failure, verdicts: previous?.verdicts ?? new Map() };
      }
      remember(source, entry);
      return entry;
    });

  const ensure = (source: string): Promise<CrlEntry> => {
    const entry = entries.get(source);
    return entry && opts.now().getTime() < entry.dueAt ? Promise.resolve(entry) : refresh(source, entry);
  };

  const verdict = (entry: CrlEntry, crl: ParsedCrl, ca: CertificateFacts): string | undefined => {
    if (!entry.verdicts.has(ca.sha256)) entry.verdicts.set(ca.sha256, crlIssuerProblem(crl, ca));
    return entry.verdicts.get(ca.sha256);
  };

  return {
    async find(ca, urls) {
      const sources = [...new Set([...opts.sources, ...urls])];
      const loaded = await Promise.all(sources.map(async (source) => ({ source, entry: await ensure(source) })));
      const now = opts.now().getTime();
      const problems: string[] = [];
      const usable: { crl: ParsedCrl; source: string; stale: boolean }[] = [];
      for (const { source, entry } of loaded) {
        if (entry.failure && (!entry.crl || entry.crl.issuerDer.equals(ca.subjectDer))) problems.push(entry.failure);
        if (!entry.crl) continue;
        const problem = verdict(entry, entry.crl, ca);
        // A configured CRL of another CA is simply not this CA's; a distribution point should be.
        if (problem && (entry.crl.issuerDer.equals(ca.subjectDer) || !configured.has(source))) problems.push(`CRL ${source}: ${problem}`);
        if (problem) continue;
        if (entry.crl.thisUpdate.getTime() > now + SKEW_MS) {
          problems.push(`CRL ${source}: thisUpdate ${entry.crl.thisUpdate.toISOString()} is in the future`);
          continue;
        }
        const stale = entry.crl.nextUpdate !== undefined && entry.crl.nextUpdate.getTime() < now;
        if (stale) problems.push(`CRL ${source}: past its nextUpdate ${entry.crl.nextUpdate!.toISOString()}`);
        usable.push({ crl: entry.crl, source, stale });
      }
      // Fresh before stale, then the most recent.
      usable.sort((a, b) => Number(a.stale) - Number(b.stale) || b.crl.thisUpdate.getTime() - a.crl.thisUpdate.getTime());
      return { ...(usable[0] ? { found: usable[0] } : {}), problems };
    },
  };
}
