// Deliveries that need an operator (GET /v1/admin/deliveries): resend one, the selected ones, or all
// matching the filter (POST /v1/admin/deliveries/resend); endpoints' queue depth and circuit breakers,
// with pause and resume (POST /v1/admin/endpoints/:id/pause|resume). Auditors see, and act on nothing.
import { html, useState } from '../lib/html.js';
import { useI18n } from '../lib/i18n.js';
import { useAsync } from '../lib/use-async.js';
import { can } from '../lib/roles.js';
import { formatDateTime } from '../lib/format.js';
import { DeliveryTable } from '../components/delivery-table.js';
import { ErrorBox, Field, Loading, Notice, PageTitle } from '../components/ui.js';

const PAGE = 100;

function useSelection() {
  const [selected, setSelected] = useState(() => new Set());
  return {
    selected,
    clear: () => setSelected(new Set()),
    toggle: (id) => setSelected((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; }),
    toggleAll: (ids) => setSelected((s) => (ids.every((id) => s.has(id)) ? new Set([...s].filter((id) => !ids.includes(id))) : new Set([...s, ...ids]))),
  };
}

function EndpointPanel({ api, mayPause }) {
  const { t, lang } = useI18n();
  const [error, setError] = useState(undefined);
  const [notice, setNotice] = useState(undefined);
  const [reasons, setReasons] = useState({});
  const state = useAsync(async () => {
    const [queue, circuits] = await Promise.all([api.get('/v1/admin/queue'), api.get('/v1/admin/circuits').catch(() => ({ endpoints: [] }))]);
    const circuitOf = new Map(circuits.endpoints.map((c) => [c.endpoint, c]));
    return { rows: queue.endpoints.map((e) => ({ ...e, circuit: circuitOf.get(e.endpoint) })), queue: queue.queue };
  }, []);

  const act = async (endpoint, action) => {
    setError(undefined);
    setNotice(undefined);
    try {
      if (action === 'pause') await api.post(`/v1/admin/endpoints/${encodeURIComponent(endpoint)}/pause`, { reason: reasons[endpoint] || t('failed.pauseDefaultReason') });
      else await api.post(`/v1/admin/endpoints/${encodeURIComponent(endpoint)}/resume`, undefined);
      setNotice(t(action === 'pause' ? 'failed.pausedNotice' : 'failed.resumedNotice', { endpoint }));
      state.reload();
    } catch (err) {
      setError(err);
    }
  };

  return html`<section aria-labelledby="ep-title">
    <h2 id="ep-title">${t('failed.endpoints')}</h2>
    <${Notice}>${notice}</${Notice}>
    <${ErrorBox} error=${error || state.error} />
    ${state.data ? html`<div class="table-wrap"><table class="data" data-testid="endpoint-panel">
      <thead><tr><th scope="col">${t('common.endpoint')}</th><th scope="col">${t('common.adapter')}</th><th scope="col" class="num">${t('state.queued')}</th><th scope="col" class="num">${t('state.sending')}</th>
        <th scope="col" class="num">${t('state.retrying')}</th><th scope="col">${t('failed.circuit')}</th><th scope="col">${t('failed.pause')}</th>
        ${mayPause ? html`<th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th>` : null}</tr></thead>
      <tbody>${state.data.rows.map((e) => html`<tr data-endpoint=${e.endpoint}>
        <td><code>${e.endpoint}</code></td><td>${e.adapter ?? '—'}</td><td class="num">${e.queued}</td><td class="num">${e.inFlight}</td><td class="num">${e.retrying}</td>
        <td>${e.circuit ? html`<span class=${`badge circuit-${e.circuit.state}`}>${t(`circuit.${e.circuit.state}`)}</span>` : '—'}</td>
        <td>${e.pause ? html`<span class="badge paused">${t('failed.paused')}</span> <span class="small muted">${formatDateTime(lang, e.pause.pausedAt)} · ${e.pause.pausedBy} · ${e.pause.reason}</span>` : html`<span class="muted">${t('failed.running')}</span>`}</td>
        ${mayPause ? html`<td class="row-actions">${e.pause
          ? html`<button type="button" onClick=${() => act(e.endpoint, 'resume')}>${t('failed.resume')}</button>`
          : html`<label class="visually-hidden" for=${`reason-${e.endpoint}`}>${t('failed.reasonFor', { endpoint: e.endpoint })}</label>
              <input id=${`reason-${e.endpoint}`} class="reason" placeholder=${t('failed.reason')} value=${reasons[e.endpoint] ?? ''} onInput=${(ev) => setReasons({ ...reasons, [e.endpoint]: ev.currentTarget.value })} />
              <button type="button" onClick=${() => act(e.endpoint, 'pause')}>${t('failed.pauseAction')}</button>`}</td>` : null}
      </tr>`)}</tbody>
    </table></div>` : html`<${Loading} />`}
  </section>`;
}

export function FailedPage({ api, session }) {
  const { t } = useI18n();
  const mayResend = can(session.role, 'resend');
  const [filter, setFilter] = useState({ state: ['failed'] });
  const [notice, setNotice] = useState(undefined);
  const [actionError, setActionError] = useState(undefined);
  const [confirmAll, setConfirmAll] = useState(false);
  const selection = useSelection();
  const list = useAsync(() => api.get('/v1/admin/deliveries', { ...filter, limit: PAGE }), [JSON.stringify(filter)]);

  const applyFilter = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const state = form.getAll('state').map(String);
    setFilter({ state: state.length ? state : ['failed'], endpoint: String(form.get('endpoint') || '') || undefined, recipient: String(form.get('recipient') || '') || undefined, sender: String(form.get('sender') || '') || undefined });
    selection.clear();
  };

  const resend = async (body) => {
    setActionError(undefined);
    setNotice(undefined);
    try {
      const result = await api.post('/v1/admin/deliveries/resend', body);
      setNotice(t(result.more ? 'failed.resendResultMore' : 'failed.resendResult', result));
      selection.clear();
      setConfirmAll(false);
      list.reload();
    } catch (err) {
      setActionError(err);
    }
  };
  const resendAll = () => {
    const f = { state: filter.state.filter((s) => s === 'failed' || s === 'retrying'), endpoint: filter.endpoint, recipient: filter.recipient, sender: filter.sender };
    return resend({ filter: Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && (!Array.isArray(v) || v.length))) });
  };

  const rows = list.data?.items ?? [];
  return html`<section>
    <${PageTitle}>${t('failed.title')}</${PageTitle}>
    ${mayResend ? null : html`<p class="muted">${t('failed.readOnly')}</p>`}
    <form class="filters" onSubmit=${applyFilter} aria-label=${t('failed.filter')}>
      <fieldset class="field">
        <legend>${t('common.state')}</legend>
        ${['failed', 'retrying'].map((s) => html`<label class="inline"><input type="checkbox" name="state" value=${s} checked=${filter.state.includes(s)} /> ${t(`state.${s}`)}</label>`)}
      </fieldset>
      <${Field} id="f-endpoint" label=${t('common.endpoint')}><input id="f-endpoint" name="endpoint" value=${filter.endpoint ?? ''} /></${Field}>
      <${Field} id="f-sender" label=${t('common.sender')}><input id="f-sender" name="sender" value=${filter.sender ?? ''} /></${Field}>
      <${Field} id="f-recipient" label=${t('common.recipient')}><input id="f-recipient" name="recipient" value=${filter.recipient ?? ''} /></${Field}>
      <div class="actions"><button type="submit">${t('common.apply')}</button></div>
    </form>
    <${Notice}>${notice}</${Notice}>
    <${ErrorBox} error=${actionError || list.error} />
    ${mayResend ? html`<div class="toolbar">
      <button type="button" class="primary" disabled=${selection.selected.size === 0} onClick=${() => resend({ ids: [...selection.selected] })}>${t('failed.resendSelected', { n: selection.selected.size })}</button>
      ${confirmAll
        ? html`<span role="group" aria-label=${t('failed.confirmAll')}><button type="button" class="danger" onClick=${resendAll}>${t('failed.confirmAll')}</button> <button type="button" onClick=${() => setConfirmAll(false)}>${t('common.cancel')}</button></span>`
        : html`<button type="button" disabled=${rows.length === 0} onClick=${() => setConfirmAll(true)}>${t('failed.resendAll')}</button>`}
    </div>` : null}
    ${list.loading && !list.data ? html`<${Loading} />` : null}
    ${list.data ? (rows.length === 0 ? html`<p class="muted" data-testid="no-failed">${t('failed.none')}</p>` : html`
      <${DeliveryTable} rows=${rows} testid="failed-deliveries" selection=${mayResend ? selection : undefined}
        actions=${mayResend ? (d) => html`<button type="button" onClick=${() => resend({ ids: [d.id] })} aria-label=${t('failed.resendOne', { recipient: d.recipient })}>${t('failed.resend')}</button>` : undefined} />
      ${list.data.nextCursor ? html`<p class="muted small">${t('failed.firstPage', { n: PAGE })}</p>` : null}`) : null}
    <${EndpointPanel} api=${api} mayPause=${can(session.role, 'pause')} />
  </section>`;
}
