// Routes in the order they are matched (GET /v1/admin/routes), an editor for administrators
// (PUT/POST with If-Match: the version read; a refused change shows its problems, a concurrent one
// asks to reload), disable/enable, each route's history, and a dry run of where a message would go.
import { html, useState } from '../lib/html.js';
import { useI18n } from '../lib/i18n.js';
import { useAsync } from '../lib/use-async.js';
import { can } from '../lib/roles.js';
import { ConfigHistory } from '../components/config-history.js';
import { ErrorBox, Field, Loading, Notice, PageTitle } from '../components/ui.js';

const POLICIES = ['off', 'report', 'require'];

function matchSummary(t, match) {
  const parts = Object.entries(match ?? {}).map(([k, v]) => `${t(`route.match.${k}`)} = ${k === 'kind' ? t(`kind.${v}`) : v}`);
  return parts.length ? parts.join(' · ') : t('route.matchAll');
}

/** The route as the API takes it, from the form: empty fields are left out (they match anything). */
function routeFromForm(form, disabled) {
  const value = (name) => String(form.get(name) ?? '').trim();
  const match = Object.fromEntries(['sender', 'recipient', 'kind', 'documentType'].map((k) => [k, value(k)]).filter(([, v]) => v));
  return {
    id: value('id'), match, endpoint: value('endpoint'),
    ...(value('signaturePolicy') ? { signaturePolicy: value('signaturePolicy') } : {}),
    ...(disabled ? { disabled: true } : {}),
  };
}

function RouteForm({ route, endpoints, position, onSave, onCancel, busy }) {
  const { t } = useI18n();
  const isNew = !route;
  const m = route?.match ?? {};
  return html`<form class="editor" data-testid="route-form" onSubmit=${(e) => { e.preventDefault(); const f = new FormData(e.currentTarget); onSave(routeFromForm(f, route?.disabled), Number(f.get('position'))); }}>
    <h3>${isNew ? t('route.new') : t('route.editing', { id: route.id })}</h3>
    <div class="filters">
      <${Field} id="r-id" label=${t('route.id')} hint=${t('route.idHint')}><input id="r-id" name="id" required pattern="[a-z0-9][a-z0-9_\\-]{0,63}" defaultValue=${route?.id ?? ''} readonly=${!isNew} aria-describedby="r-id-hint" /></${Field}>
      <${Field} id="r-sender" label=${t('route.match.sender')}><input id="r-sender" name="sender" defaultValue=${m.sender ?? ''} placeholder=${t('common.any')} /></${Field}>
      <${Field} id="r-recipient" label=${t('route.match.recipient')}><input id="r-recipient" name="recipient" defaultValue=${m.recipient ?? ''} placeholder=${t('common.any')} /></${Field}>
      <${Field} id="r-kind" label=${t('route.match.kind')}>
        <select id="r-kind" name="kind"><option value="">${t('common.any')}</option>${['document', 'status'].map((k) => html`<option value=${k} selected=${m.kind === k}>${t(`kind.${k}`)}</option>`)}</select>
      </${Field}>
      <${Field} id="r-doctype" label=${t('route.match.documentType')}><input id="r-doctype" name="documentType" defaultValue=${m.documentType ?? ''} placeholder=${t('common.any')} /></${Field}>
      <${Field} id="r-endpoint" label=${t('common.endpoint')}>
        <select id="r-endpoint" name="endpoint" required>
          <option value="">${t('route.chooseEndpoint')}</option>
          ${endpoints.map((e) => html`<option value=${e.id} selected=${route?.endpoint === e.id}>${e.id} (${e.adapter})${e.disabled ? ` — ${t('common.disabled')}` : ''}</option>`)}
        </select>
      </${Field}>
      <${Field} id="r-policy" label=${t('route.signaturePolicy')}>
        <select id="r-policy" name="signaturePolicy"><option value="">${t('route.policyDefault')}</option>${POLICIES.map((p) => html`<option value=${p} selected=${route?.signaturePolicy === p}>${t(`route.policy.${p}`)}</option>`)}</select>
      </${Field}>
      <${Field} id="r-position" label=${t('route.position')} hint=${t('route.positionHint')}><input id="r-position" name="position" type="number" min="0" defaultValue=${position} aria-describedby="r-position-hint" /></${Field}>
    </div>
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${t('common.save')}</button>
      <button type="button" onClick=${onCancel}>${t('common.cancel')}</button>
    </div>
  </form>`;
}

function DryRun({ api }) {
  const { t } = useI18n();
  const [result, setResult] = useState(undefined);
  const [error, setError] = useState(undefined);
  const run = async (event) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    setError(undefined);
    try {
      setResult(await api.post('/v1/admin/routing/dry-run', {
        sender: String(f.get('sender')).trim(), recipients: String(f.get('recipients')).split(/[\s,]+/).filter(Boolean), kind: String(f.get('kind')),
      }));
    } catch (err) {
      setResult(undefined);
      setError(err);
    }
  };
  return html`<section aria-labelledby="dry-run">
    <h2 id="dry-run">${t('route.dryRun')}</h2>
    <form class="filters" onSubmit=${run}>
      <${Field} id="d-sender" label=${t('common.sender')}><input id="d-sender" name="sender" required placeholder="000.00.00.G22" /></${Field}>
      <${Field} id="d-recipients" label=${t('route.recipients')}><input id="d-recipients" name="recipients" required placeholder="000.00.00.H41, 000.00.00.H14" /></${Field}>
      <${Field} id="d-kind" label=${t('common.kind')}><select id="d-kind" name="kind"><option value="document">${t('kind.document')}</option><option value="status">${t('kind.status')}</option></select></${Field}>
      <div class="actions"><button type="submit">${t('route.dryRunSubmit')}</button></div>
    </form>
    <${ErrorBox} error=${error} />
    ${result ? html`<ul data-testid="dry-run-result">${result.recipients.map((r) => html`<li><code>${r.recipient}</code> → ${r.outcome === 'endpoint'
      ? html`<strong>${r.endpoint.id}</strong> (${r.endpoint.adapter})${r.routeId ? ` · ${t('route.viaRoute', { id: r.routeId })}` : ''}`
      : r.outcome === 'inbox' ? t('common.inbox') : html`<span class="error-text">${t('route.refused')}: ${r.reason}</span>`}</li>`)}</ul>` : null}
  </section>`;
}

export function RoutesPage({ api, session }) {
  const { t } = useI18n();
  const mayEdit = can(session.role, 'editConfig');
  const data = useAsync(async () => {
    const [routes, endpoints] = await Promise.all([api.get('/v1/admin/routes'), api.get('/v1/admin/endpoints')]);
    return { routes, endpoints: endpoints.items };
  }, []);
  const [editing, setEditing] = useState(undefined); // { route?: item, position } ; route undefined = new
  const [historyOf, setHistoryOf] = useState(undefined);
  const [error, setError] = useState(undefined);
  const [notice, setNotice] = useState(undefined);
  const [busy, setBusy] = useState(false);

  const change = async (work, done) => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const result = await work(data.data.routes.version);
      setNotice(result.changes.length ? t('config.saved', { version: result.version, n: result.changes.length }) : t('config.unchanged'));
      done?.();
      data.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const ifMatch = (version) => ({ 'if-match': `"${version}"` });
  const save = (route, position) => change((version) => (editing.route
    ? api.request('PUT', `/v1/admin/routes/${encodeURIComponent(editing.route.id)}`, { body: route, query: { position }, headers: ifMatch(version) })
    : api.request('POST', '/v1/admin/routes', { body: route, query: { position }, headers: ifMatch(version) })), () => setEditing(undefined));
  const toggle = (route) => change((version) => api.post(`/v1/admin/routes/${encodeURIComponent(route.id)}/${route.disabled ? 'enable' : 'disable'}`, undefined, ifMatch(version)));

  if (!data.data) return html`<section><${PageTitle}>${t('route.title')}</${PageTitle}>${data.error ? html`<${ErrorBox} error=${data.error} />` : html`<${Loading} />`}</section>`;
  const { routes, endpoints } = data.data;
  return html`<section>
    <${PageTitle}>${t('route.title')}</${PageTitle}>
    <p class="muted">${t('route.intro', { version: routes.version })}</p>
    ${mayEdit ? null : html`<p class="muted">${t('config.readOnly')}</p>`}
    <${Notice}>${notice}</${Notice}>
    <${ErrorBox} error=${error} />
    ${error?.status === 409 ? html`<p><button type="button" onClick=${() => { setError(undefined); data.reload(); }}>${t('config.reload')}</button></p>` : null}
    <div class="table-wrap"><table class="data" data-testid="routes">
      <thead><tr><th scope="col">#</th><th scope="col">${t('route.id')}</th><th scope="col">${t('route.match')}</th><th scope="col">${t('common.endpoint')}</th><th scope="col">${t('route.signaturePolicy')}</th><th scope="col">${t('common.status')}</th><th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th></tr></thead>
      <tbody>${routes.items.map((r, i) => html`<tr data-route=${r.id} class=${r.disabled ? 'disabled' : ''}>
        <td>${i}</td><td><code>${r.id}</code></td><td>${matchSummary(t, r.match)}</td><td><code>${r.endpoint}</code></td>
        <td>${r.signaturePolicy ? t(`route.policy.${r.signaturePolicy}`) : html`<span class="muted">${t('route.policyDefault')}</span>`}</td>
        <td>${r.disabled ? t('common.disabled') : t('common.enabled')}</td>
        <td class="row-actions">
          ${mayEdit ? html`<button type="button" onClick=${() => setEditing({ route: r, position: i })} aria-label=${t('route.editAria', { id: r.id })}>${t('common.edit')}</button>
            <button type="button" disabled=${busy} onClick=${() => toggle(r)}>${r.disabled ? t('common.enable') : t('common.disable')}</button>` : null}
          <button type="button" aria-pressed=${historyOf === r.id} onClick=${() => setHistoryOf(historyOf === r.id ? undefined : r.id)}>${t('config.history')}</button>
        </td>
      </tr>`)}</tbody>
    </table></div>
    ${mayEdit && !editing ? html`<p><button type="button" onClick=${() => setEditing({ route: undefined, position: routes.items.length })}>${t('route.add')}</button></p>` : null}
    ${editing ? html`<${RouteForm} key=${editing.route?.id ?? 'new'} route=${editing.route} position=${editing.position} endpoints=${endpoints} busy=${busy} onSave=${save} onCancel=${() => setEditing(undefined)} />` : null}
    ${historyOf ? html`<${ConfigHistory} api=${api} entity="route" id=${historyOf} version=${routes.version} />` : null}
    <${DryRun} api=${api} />
  </section>`;
}
