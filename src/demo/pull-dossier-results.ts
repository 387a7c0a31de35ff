import { createHash } from 'node:crypto';
import type { DossierOperation, DossierSystem } from '../domain/dossier.js';
import type { Hub } from '../hub.js';
import type { DemoApi } from './demo-api.js';
import type { DemoDossier } from './demo-dossier-requests.js';
import { waitFor } from './wait-for.js';

/** A result message as `GET /v1/inbox/:id` returns it. */
interface InboxResult {
  id: string;
  sender: string;
  dossier: Extract<DossierOperation, { op: 'result' }>;
  attachments: { name: string; contentType: string; size: number; sha256: string; content: string }[];
}

/** What the one-stop officer reads in each system's result data (the certificate itself is the attachment). */
const DESCRIBE_RESULT: Record<DossierSystem, (data: Record<string, unknown>) => string> = {
  'civil-registry': (d) => `giấy khai sinh ${String(d.nksHoTen)}, số ${String(d.soDangKy)}, quyển ${String(d.quyenSo)}, ngày ${String(d.ngayDangKy)}, số định danh ${String(d.soDinhDanh)}`,
  'judicial-records': (d) => `Phiếu LLTP số ${String(d.soPhieuLLTP)} (${String(d.tenTinhTrangAnTich)}), ngày cấp ${String(d.ngayCapPhieu)}, ký ${String(d.nguoiKy)}`,
};

/**
 * Thanh Hóa has no endpoint in config/default.json, so the hub leaves each dossier's result in its
 * inbox: lists it (`GET /v1/inbox`, kind `dossier`), fetches each result with its documents, checks
 * them against their announced SHA-256, acknowledges, and prints what arrived. Returns the number of
 * documents taken.
 */
export async function pullDossierResults(opts: {
  hub: Hub;
  oneStop: DemoApi;
  dossiers: readonly (DemoDossier & { id: string; number: string })[];
  print(line?: string): void;
}): Promise<number> {
  const { oneStop, print } = opts;
  // 1. list: every dossier's result waits in the inbox
  const results = await waitFor('the results in Thanh Hóa\'s inbox', async () => {
    const { items } = (await oneStop('GET', '/v1/inbox')) as { items: { id: string; kind: string }[] };
    const fetched = await Promise.all(items.filter((i) => i.kind === 'dossier').map(async (i) => (await oneStop('GET', `/v1/inbox/${i.id}`)) as unknown as InboxResult));
    const byDossier = new Map(fetched.filter((m) => m.dossier.op === 'result').map((m) => [m.dossier.dossierId, m]));
    return opts.dossiers.every((d) => byDossier.has(d.id)) ? byDossier : undefined;
  });
  print(`   the results go to Thanh Hóa's inbox (it has no endpoint in config/default.json): GET /v1/inbox lists ${results.size} of kind dossier, each fetched, checked, acknowledged`);

  // 2. per dossier: what the system decided, the certificate, the acknowledgement
  let documents = 0;
  for (const one of opts.dossiers) {
    const message = results.get(one.id)!;
    const files = message.attachments.map((a) => {
      const bytes = Buffer.from(a.content, 'base64');
      if (createHash('sha256').update(bytes).digest('hex') !== a.sha256) throw new Error(`${a.name} does not match its announced SHA-256`);
      const kind = bytes.subarray(0, 5).toString('latin1') === '%PDF-' ? 'PDF' : a.contentType;
      return `${a.name} (${kind}, ${bytes.length} bytes, SHA-256 as announced)`;
    });
    await oneStop('POST', `/v1/inbox/${message.id}/ack`);
    documents += files.length;
    const sender = opts.hub.config.agencies.get(message.sender)?.name ?? message.sender;
    print(`     ${one.tag} from ${sender} (state ${message.dossier.status}): ${DESCRIBE_RESULT[one.system](message.dossier.data)}`);
    print(`         ${files.join(', ') || 'no document'}`);
  }
  return documents;
}
