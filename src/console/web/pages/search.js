// Message search. Auditors and administrators search the whole delivery log (GET /v1/audit/deliveries);
// operators, whom the audit trail checks, search the deliveries waiting or failed (GET /v1/admin/deliveries).
// Filters the operators' API lacks (kind, document number, notation, message id) are applied to each
// page here, and "more" keeps paging until the end.
import { html, useState } from '../lib/html.js';
import { useI18n } from '../lib/i18n.js';
import { can } from '../lib/roles.js';
import { go } from '../lib/router.js';
import { localToRfc3339 } from '../lib/format.js';
import { DeliveryTable } from '../components/delivery-table.js';
import { ErrorBox, Field, Loading, PageTitle } from '../components/ui.js';

const STATES = ['queued', 'sending', 'retrying', 'delivered', 'failed'];
const OPS_STATES = ['queued', 'sending', 'retrying', 'failed'];
const KINDS = ['document', 'status', 'dossier'];
const ADAPTERS = ['http-endpoint', 'vdxp', 'dvcqg', 'civil-registry', 'judicial-records'];

/** The request for one page, and the check each row must also pass. */
function plan(role, f) {
  const from = localToRfc3339(f.from);
  const to = localToRfc3339(f.to);
  const keep = (d) => (!f.sender || d.sender === f.sender) && (!f.recipient || d.recipient === f.recipient) && (!f.kind || d.messageKind === f.kind)
    && (!f.number || d.documentNumber === f.number) && (!f.notation || d.documentNotation === f.notation) && (!f.messageId || d.messageId === f.messageId);
  if (can(role, 'searchLog')) {
    return {
      path: '/v1/audit/deliveries',
      query: {
        messageId: f.messageId, number: f.number, notation: f.notation, dossier: f.dossier, sender: f.sender, recipient: f.recipient,
        messageKind: f.kind, state: f.state, adapter: f.adapter, from, to, limit: 50,
      },
      keep,
    };
  }
  return {
    path: '/v1/admin/deliveries',
    query: { state: f.state ? [f.state] : OPS_STATES, sender: f.sender, recipient: f.recipient, from, to, limit: 100 },
    keep,
  };
}

export function SearchPage({ api, session }) {
  const { t } = useI18n();
  const log = can(session.role, 'searchLog');
  const [result, setResult] = useState(undefined); // { rows, next, plan }
  const [error, setError] = useState(undefined);
  const [busy, setBusy] = useState(false);

  const fetchPage = async (p, cursor, rows) => {
    setBusy(true);
    setError(undefined);
    try {
      const page = await api.get(p.path, { ...p.query, cursor });
      setResult({ rows: [...rows, ...page.items.filter(p.keep)], next: page.nextCursor, plan: p });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const submit = (event) => {
    event.preventDefault();
    const f = Object.fromEntries([...new FormData(event.currentTarget)].map(([k, v]) => [k, String(v).trim()]));
    // An operator who knows the message goes straight to it: the page shows every delivery it may see.
    if (!log && f.messageId) return go('messages', f.messageId);
    if (!log && f.state === 'delivered') return setError({ code: 'CONSOLE_OPS_STATES', message: t('search.opsStates') });
    return fetchPage(plan(session.role, f), undefined, []);
  };

  return html`<section>
    <${PageTitle}>${t('search.title')}</${PageTitle}>
    <p class="muted">${log ? t('search.introLog') : t('search.introOps')}</p>
    <form class="filters" onSubmit=${submit} role="search" aria-label=${t('search.title')}>
      <${Field} id="s-message" label=${t('search.messageId')}><input id="s-message" name="messageId" pattern="[0-9a-fA-F\\-]{36}" placeholder="00000000-0000-…" /></${Field}>
      <${Field} id="s-number" label=${t('search.number')}><input id="s-number" name="number" placeholder="7816" /></${Field}>
      <${Field} id="s-notation" label=${t('search.notation')}><input id="s-notation" name="notation" placeholder="VPCP-TTĐT" /></${Field}>
      ${log ? html`<${Field} id="s-dossier" label=${t('search.dossier')}><input id="s-dossier" name="dossier" /></${Field}>` : null}
      <${Field} id="s-sender" label=${t('common.sender')}><input id="s-sender" name="sender" placeholder="000.00.00.G22" /></${Field}>
      <${Field} id="s-recipient" label=${t('common.recipient')}><input id="s-recipient" name="recipient" placeholder="000.00.00.H41" /></${Field}>
      <${Field} id="s-kind" label=${t('common.kind')}>
        <select id="s-kind" name="kind"><option value="">${t('common.any')}</option>${KINDS.map((k) => html`<option value=${k}>${t(`kind.${k}`)}</option>`)}</select>
      </${Field}>
      <${Field} id="s-state" label=${t('common.state')}>
        <select id="s-state" name="state"><option value="">${t('common.any')}</option>${(log ? STATES : OPS_STATES).map((s) => html`<option value=${s}>${t(`state.${s}`)}</option>`)}</select>
      </${Field}>
      ${log ? html`<${Field} id="s-adapter" label=${t('common.adapter')}>
        <select id="s-adapter" name="adapter"><option value="">${t('common.any')}</option>${ADAPTERS.map((a) => html`<option value=${a}>${a}</option>`)}</select>
      </${Field}>` : null}
      <${Field} id="s-from" label=${t('search.from')} hint=${t('common.vnTime')}><input id="s-from" name="from" type="datetime-local" aria-describedby="s-from-hint" /></${Field}>
      <${Field} id="s-to" label=${t('search.to')} hint=${t('common.vnTime')}><input id="s-to" name="to" type="datetime-local" aria-describedby="s-to-hint" /></${Field}>
      <div class="actions"><button type="submit" class="primary" disabled=${busy}>${t('search.submit')}</button></div>
    </form>
    <${ErrorBox} error=${error} />
    ${busy && !result ? html`<${Loading} />` : null}
    ${result ? html`<section aria-labelledby="s-results">
      <h2 id="s-results">${t('search.results', { n: result.rows.length })}${result.next ? '+' : ''}</h2>
      ${result.rows.length === 0 ? html`<p class="muted">${t('search.none')}</p>` : html`<${DeliveryTable} rows=${result.rows} testid="search-results" />`}
      ${result.next ? html`<button type="button" disabled=${busy} onClick=${() => fetchPage(result.plan, result.next, result.rows)}>${t('common.more')}</button>` : null}
    </section>` : null}
  </section>`;
}
