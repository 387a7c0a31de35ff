// One message: what it carries, each recipient's delivery with its attempts, the audit timeline,
// the signed receipts, the evidence bundle, and a resend for a failed or retrying delivery.
import { html, useState } from '../lib/html.js';
import { useI18n } from '../lib/i18n.js';
import { useAsync } from '../lib/use-async.js';
import { can } from '../lib/roles.js';
import { formatDateTime } from '../lib/format.js';
import { ErrorBox, Loading, Notice, PageTitle, StateBadge } from '../components/ui.js';

/** The protected header of a compact JWS: the key id and algorithm a receipt was signed with. */
function jwsHeader(jws) {
  try {
    const part = jws.split('.')[0].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part));
  } catch {
    return {};
  }
}

function title(t, m) {
  if (m.kind === 'document' && m.document) return `${t('kind.document')} ${m.document.number ?? ''}${m.document.notation ? `/${m.document.notation}` : ''}`;
  if (m.kind === 'status' && m.status) return `${t('kind.status')} ${m.status.code ?? ''}`;
  if (m.kind === 'dossier' && m.dossier) return `${t('kind.dossier')} ${m.dossier.number ?? ''}`;
  return t(`kind.${m.kind}`);
}

export function MessagePage({ api, session, args }) {
  const { t, lang } = useI18n();
  const id = args[0];
  const [notice, setNotice] = useState(undefined);
  const [actionError, setActionError] = useState(undefined);
  const view = useAsync(async () => {
    const [message, receipts] = await Promise.all([api.get(`/v1/messages/${encodeURIComponent(id)}`), api.get(`/v1/messages/${encodeURIComponent(id)}/receipts`)]);
    return { ...message, receipts: receipts.receipts };
  }, [id]);

  const resend = async (delivery) => {
    setActionError(undefined);
    setNotice(undefined);
    try {
      const result = await api.post('/v1/admin/deliveries/resend', { ids: [delivery.id] });
      setNotice(t('failed.resendResult', result));
      view.reload();
    } catch (err) {
      setActionError(err);
    }
  };

  if (view.error) return html`<section><${PageTitle}>${t('message.title')}</${PageTitle}><${ErrorBox} error=${view.error} /></section>`;
  if (!view.data) return html`<section><${PageTitle}>${t('message.title')}</${PageTitle}><${Loading} /></section>`;
  const { deliveries, timeline, receipts, ...m } = view.data;
  const recipientOf = new Map(deliveries.map((d) => [d.id, d.recipient]));
  const mayResend = can(session.role, 'resend');
  return html`<section>
    <${PageTitle}>${title(t, m)}</${PageTitle}>
    <div class="toolbar">
      <a class="button" href=${`/v1/messages/${encodeURIComponent(m.id)}/evidence`} download=${`evidence-${m.id}.zip`} data-testid="evidence">${t('message.evidence')}</a>
      <button type="button" onClick=${view.reload}>${t('common.refresh')}</button>
    </div>
    <${Notice}>${notice}</${Notice}>
    <${ErrorBox} error=${actionError} />
    <dl class="facts wide" data-testid="message-facts">
      <dt>${t('message.id')}</dt><dd><code>${m.id}</code></dd>
      <dt>${t('common.kind')}</dt><dd>${t(`kind.${m.kind}`)}</dd>
      <dt>${t('common.sender')}</dt><dd><code>${m.sender}</code></dd>
      <dt>${t('message.recipients')}</dt><dd>${m.recipients.map((r) => html`<code>${r}</code> `)}</dd>
      <dt>${t('common.accepted')}</dt><dd>${formatDateTime(lang, m.createdAt)}</dd>
      ${m.document ? html`
        <dt>${t('message.subject')}</dt><dd>${m.document.subject ?? '—'}</dd>
        <dt>${t('message.documentType')}</dt><dd>${m.document.documentType?.name ?? '—'}</dd>
        <dt>${t('message.signer')}</dt><dd>${m.document.signer ? `${m.document.signer.fullName}${m.document.signer.position ? `, ${m.document.signer.position}` : ''}` : '—'}</dd>` : null}
      <dt>${t('message.attachments')}</dt><dd>${m.attachments?.length ? m.attachments.map((a) => html`<span class="chip">${a.name} (${a.size} B)</span> `) : '—'}</dd>
      <dt>SHA-256</dt><dd><code class="small">${m.contentSha256}</code></dd>
    </dl>

    <h2>${t('message.deliveries')}</h2>
    <div class="table-wrap"><table class="data" data-testid="message-deliveries">
      <thead><tr><th scope="col">${t('common.recipient')}</th><th scope="col">${t('common.endpoint')}</th><th scope="col">${t('common.state')}</th><th scope="col">${t('message.businessStatus')}</th>
        <th scope="col" class="num">${t('common.attempts')}</th><th scope="col">${t('message.nextAttempt')}</th><th scope="col">${t('message.deliveredAt')}</th><th scope="col">${t('common.lastError')}</th>
        ${mayResend ? html`<th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th>` : null}</tr></thead>
      <tbody>${deliveries.map((d) => html`<tr data-delivery=${d.id}>
        <td><code>${d.recipient}</code></td>
        <td>${d.endpoint ?? html`<span class="muted">${t('common.inbox')}</span>`}</td>
        <td><${StateBadge} state=${d.state} /></td>
        <td>${d.businessStatus ?? '—'}</td>
        <td class="num">${d.attempts}</td>
        <td>${formatDateTime(lang, d.nextAttemptAt)}</td>
        <td>${formatDateTime(lang, d.deliveredAt)}</td>
        <td class="small error-text">${d.lastError ?? ''}</td>
        ${mayResend ? html`<td>${d.mode === 'push' && (d.state === 'failed' || d.state === 'retrying')
          ? html`<button type="button" onClick=${() => resend(d)} aria-label=${t('failed.resendOne', { recipient: d.recipient })}>${t('failed.resend')}</button>` : null}</td>` : null}
      </tr>`)}</tbody>
    </table></div>
    ${deliveries.filter((d) => d.attemptLog.length > 0).map((d) => html`<details class="attempts">
      <summary>${t('message.attemptLog', { recipient: d.recipient, n: d.attemptLog.length })}</summary>
      <table class="data compact">
        <thead><tr><th scope="col">${t('message.cycle')}</th><th scope="col">#</th><th scope="col">${t('message.started')}</th><th scope="col">${t('message.outcome')}</th><th scope="col">HTTP</th><th scope="col">${t('message.detail')}</th></tr></thead>
        <tbody>${d.attemptLog.map((a) => html`<tr><td>${a.generation}</td><td>${a.attempt}</td><td>${formatDateTime(lang, a.startedAt)}</td><td>${t(`outcome.${a.outcome}`)}</td><td>${a.httpStatus ?? '—'}</td><td class="small">${a.detail ?? ''}</td></tr>`)}</tbody>
      </table>
    </details>`)}

    <h2>${t('message.timeline')}</h2>
    <ol class="timeline" data-testid="timeline">${timeline.map((e) => html`<li>
      <time datetime=${e.at}>${formatDateTime(lang, e.at)}</time> <strong>${e.kind}</strong>
      <span class="muted small"> · ${e.actor}${e.deliveryId ? ` · ${recipientOf.get(e.deliveryId) ?? ''}` : ''}</span>
    </li>`)}</ol>

    <h2>${t('message.receipts')}</h2>
    <div class="table-wrap"><table class="data" data-testid="receipts">
      <thead><tr><th scope="col">${t('message.receiptEvent')}</th><th scope="col">${t('common.recipient')}</th><th scope="col">${t('message.statusCode')}</th><th scope="col">${t('message.issued')}</th><th scope="col">${t('message.signedWith')}</th></tr></thead>
      <tbody>${receipts.map((r) => { const h = jwsHeader(r.jws); return html`<tr>
        <td>${t(`receipt.${r.event}`)}</td><td>${r.recipient ? html`<code>${r.recipient}</code>` : '—'}</td><td>${r.statusCode ?? '—'}</td>
        <td>${formatDateTime(lang, r.createdAt)}</td><td class="small"><code>${h.alg ?? '?'}</code> ${h.kid ? html`<code>${h.kid.slice(0, 12)}…</code>` : null}</td>
      </tr>`; })}</tbody>
    </table></div>
  </section>`;
}
