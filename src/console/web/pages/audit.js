// The audit trail (GET /v1/audit/events) with the chain's verification (GET /v1/audit/verify):
// for auditors and administrators.
import { html, useState } from '../lib/html.js';
import { useI18n } from '../lib/i18n.js';
import { useAsync } from '../lib/use-async.js';
import { href } from '../lib/router.js';
import { formatDateTime, formatNumber, localToRfc3339 } from '../lib/format.js';
import { ErrorBox, Field, Loading, PageTitle, shortId } from '../components/ui.js';

function Verification({ api }) {
  const { t, lang } = useI18n();
  const report = useAsync(() => api.get('/v1/audit/verify'), []);
  const r = report.data;
  return html`<section aria-labelledby="verify-title" class="verify">
    <h2 id="verify-title">${t('audit.verify')}</h2>
    <${ErrorBox} error=${report.error} />
    ${report.loading ? html`<${Loading} />` : null}
    ${r ? html`<div class=${`verdict ${r.ok ? 'ok' : 'bad'}`} role="status" data-testid="verify-result">
      <strong>${r.ok ? `✓ ${t('audit.intact')}` : `✗ ${t('audit.broken')}`}</strong>
      <dl class="facts">
        <dt>${t('audit.eventsVerified')}</dt><dd>${formatNumber(lang, r.eventsVerified)}</dd>
        <dt>${t('audit.checkpoints')}</dt><dd>${formatNumber(lang, r.checkpointsVerified)}${r.lastCheckpoint ? ` · ${t('audit.lastCheckpoint', { seq: r.lastCheckpoint.seq ?? '', at: formatDateTime(lang, r.lastCheckpoint.at) })}` : ''}</dd>
        <dt>${t('audit.afterCheckpoint')}</dt><dd>${formatNumber(lang, r.eventsAfterLastCheckpoint)}</dd>
        <dt>${t('audit.unsealed')}</dt><dd>${formatNumber(lang, r.unsealed)}</dd>
        ${r.problem ? html`<dt>${t('audit.problem')}</dt><dd class="error-text">${r.problem.kind} · seq ${r.problem.seq}: ${r.problem.detail}</dd>` : null}
      </dl>
    </div>` : null}
    <button type="button" onClick=${report.reload} disabled=${report.loading}>${t('audit.verifyAgain')}</button>
  </section>`;
}

export function AuditPage({ api }) {
  const { t, lang } = useI18n();
  const [query, setQuery] = useState({ limit: 50 });
  const [extra, setExtra] = useState({ items: [], next: undefined });
  const first = useAsync(async () => {
    const page = await api.get('/v1/audit/events', query);
    setExtra({ items: [], next: page.nextCursor });
    return page;
  }, [JSON.stringify(query)]);
  const [moreError, setMoreError] = useState(undefined);

  const submit = (event) => {
    event.preventDefault();
    const f = Object.fromEntries([...new FormData(event.currentTarget)].map(([k, v]) => [k, String(v).trim() || undefined]));
    setQuery({ kind: f.kind, messageId: f.messageId, agency: f.agency, from: localToRfc3339(f.from), to: localToRfc3339(f.to), limit: 50 });
  };
  const more = async () => {
    try {
      const page = await api.get('/v1/audit/events', { ...query, cursor: extra.next });
      setExtra({ items: [...extra.items, ...page.items], next: page.nextCursor });
    } catch (err) {
      setMoreError(err);
    }
  };

  const items = [...(first.data?.items ?? []), ...extra.items];
  return html`<section>
    <${PageTitle}>${t('audit.title')}</${PageTitle}>
    <${Verification} api=${api} />
    <h2>${t('audit.events')}</h2>
    <form class="filters" onSubmit=${submit} role="search" aria-label=${t('audit.events')}>
      <${Field} id="a-kind" label=${t('audit.kind')}><input id="a-kind" name="kind" placeholder="delivery.failed" /></${Field}>
      <${Field} id="a-message" label=${t('search.messageId')}><input id="a-message" name="messageId" pattern="[0-9a-fA-F\\-]{36}" /></${Field}>
      <${Field} id="a-agency" label=${t('common.agency')}><input id="a-agency" name="agency" placeholder="000.00.00.H41" /></${Field}>
      <${Field} id="a-from" label=${t('search.from')} hint=${t('common.vnTime')}><input id="a-from" name="from" type="datetime-local" /></${Field}>
      <${Field} id="a-to" label=${t('search.to')} hint=${t('common.vnTime')}><input id="a-to" name="to" type="datetime-local" /></${Field}>
      <div class="actions"><button type="submit" class="primary">${t('search.submit')}</button></div>
    </form>
    <${ErrorBox} error=${first.error || moreError} />
    ${first.loading && !first.data ? html`<${Loading} />` : null}
    ${first.data ? html`<div class="table-wrap"><table class="data" data-testid="audit-events">
      <thead><tr><th scope="col">seq</th><th scope="col">${t('config.when')}</th><th scope="col">${t('audit.kind')}</th><th scope="col">${t('audit.actor')}</th><th scope="col">${t('audit.message')}</th><th scope="col">${t('audit.data')}</th><th scope="col">${t('audit.hash')}</th></tr></thead>
      <tbody>${items.map((e) => html`<tr>
        <td>${e.seq ?? html`<span class="muted">${t('audit.unsealedShort')}</span>`}</td><td>${formatDateTime(lang, e.at)}</td><td><code>${e.kind}</code></td><td><code class="small">${e.actor}</code></td>
        <td>${e.messageId ? html`<a href=${href('messages', e.messageId)} title=${e.messageId}>${shortId(e.messageId)}</a>` : '—'}</td>
        <td class="small json">${JSON.stringify(e.data)}</td><td class="small"><code>${e.hash ? `${e.hash.slice(0, 12)}…` : '—'}</code></td>
      </tr>`)}</tbody>
    </table></div>
    ${extra.next ? html`<button type="button" onClick=${more}>${t('common.more')}</button>` : null}` : null}
  </section>`;
}
