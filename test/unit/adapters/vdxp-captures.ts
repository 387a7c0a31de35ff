import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One request the real SDK sent (test/fixtures/vdxp/README.md). */
export interface CapturedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  rawHeaders: string[];
  bodyLength: number;
  bodySha256: string;
  bodyBase64: string;
}

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/vdxp/${name}`, import.meta.url));

/** The six captured requests, in the order the SDK sent them. */
export const capturedRequests: readonly CapturedRequest[] = readFileSync(fixture('sdk-requests.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as CapturedRequest);

/** The captured request to `/<operation>`. */
export function captured(operation: string): CapturedRequest {
  const request = capturedRequests.find((r) => r.url === `/${operation}`);
  if (!request) throw new Error(`no captured ${operation}`);
  return request;
}

/** The vendor sample the SDK sent in the captures. */
export const edocPacket: Buffer = readFileSync(fixture('edoc.edxml'));
export const statusPacket: Buffer = readFileSync(fixture('status.edxml'));

/** The settings and inputs of the capture run. */
export const CAPTURE = {
  systemId: 'vxp.test.01',
  secret: 'test-secret-not-real',
  from: '000.00.00.G22',
  to: '000.00.00.H41',
  /** `22112026T022102+0584` read at +07:00 (the clock the SDK had when it built its header map). */
  clock: new Date('2026-11-21T19:21:02.584Z'),
} as const;
