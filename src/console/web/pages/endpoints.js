// Endpoints (GET /v1/admin/endpoints): each adapter has settings of its own, so an administrator
// edits an endpoint as JSON; the hub checks it against the adapter's schema and answers every
// problem with its JSON pointer. Secret settings are masked ("********") and keep their stored
// value when sent back masked.
import { html, useState } from '../lib/html.js';
import { useI18n } from '../lib/i18n.js';
import { useAsync } from '../lib/use-async.js';
import { can } from '../lib/roles.js';
import { ConfigHistory } from '../components/config-history.js';
import { ErrorBox, Loading, Notice, PageTitle } from '../components/ui.js';

function settingsSummary(e) {
  const s = e.settings ?? {};
  return s.url ?? s.baseUrl ?? s.endpoint ?? '';
}

export function EndpointsPage({ api, session }) {
  const { t } = useI18n();
  const mayEdit = can(session.role, 'editConfig');
  const data = useAsync(() => api.get('/v1/admin/endpoints'), []);
  const [editing, setEditing] = useState(undefined); // { id?: string, text }
  const [historyOf, setHistoryOf] = useState(undefined);
  const [error, setError] = useState(undefined);
  const [notice, setNotice] = useState(undefined);
  const [busy, setBusy] = useState(false);

  const save = async (event) => {
    event.preventDefault();
    setError(undefined);
    setNotice(undefined);
    let item;
    try {
      item = JSON.parse(editing.text);
    } catch (err) {
      setError({ code: 'CONSOLE_JSON', message: String(err.message) });
      return;
    }
    setBusy(true);
    try {
      const headers = { 'if-match': `"${data.data.version}"` };
      const result = editing.id
        ? await api.put(`/v1/admin/endpoints/${encodeURIComponent(editing.id)}`, item, headers)
        : await api.post('/v1/admin/endpoints', item, headers);
      setNotice(result.changes.length ? t('config.saved', { version: result.version, n: result.changes.length }) : t('config.unchanged'));
      setEditing(undefined);
      data.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!data.data) return html`<section><${PageTitle}>${t('endpoint.title')}</${PageTitle}>${data.error ? html`<${ErrorBox} error=${data.error} />` : html`<${Loading} />`}</section>`;
  return html`<section>
    <${PageTitle}>${t('endpoint.title')}</${PageTitle}>
    <p class="muted">${t('endpoint.intro', { version: data.data.version })}</p>
    ${mayEdit ? null : html`<p class="muted">${t('config.readOnly')}</p>`}
    <${Notice}>${notice}</${Notice}>
    <div class="table-wrap"><table class="data" data-testid="endpoints">
      <thead><tr><th scope="col">${t('route.id')}</th><th scope="col">${t('common.adapter')}</th><th scope="col">${t('endpoint.address')}</th><th scope="col">${t('common.status')}</th><th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th></tr></thead>
      <tbody>${data.data.items.map((e) => html`<tr data-endpoint=${e.id} class=${e.disabled ? 'disabled' : ''}>
        <td><code>${e.id}</code></td><td>${e.adapter}</td><td class="small"><code>${settingsSummary(e)}</code></td><td>${e.disabled ? t('common.disabled') : t('common.enabled')}</td>
        <td class="row-actions">
          ${mayEdit ? html`<button type="button" onClick=${() => setEditing({ id: e.id, text: JSON.stringify(e, null, 2) })} aria-label=${t('route.editAria', { id: e.id })}>${t('common.edit')}</button>` : null}
          <button type="button" aria-pressed=${historyOf === e.id} onClick=${() => setHistoryOf(historyOf === e.id ? undefined : e.id)}>${t('config.history')}</button>
        </td>
      </tr>`)}</tbody>
    </table></div>
    ${mayEdit && !editing ? html`<p><button type="button" onClick=${() => setEditing({ text: JSON.stringify({ id: '', adapter: 'http-endpoint', settings: { url: 'https://' } }, null, 2) })}>${t('endpoint.add')}</button></p>` : null}
    ${editing ? html`<form class="editor" onSubmit=${save}>
      <h3>${editing.id ? t('route.editing', { id: editing.id }) : t('endpoint.new')}</h3>
      <div class="field">
        <label for="ep-json">${t('endpoint.json')}</label>
        <textarea id="ep-json" rows="16" spellcheck="false" value=${editing.text} onInput=${(e) => setEditing({ ...editing, text: e.currentTarget.value })} aria-describedby="ep-json-hint"></textarea>
        <small id="ep-json-hint" class="muted">${t('endpoint.jsonHint')}</small>
      </div>
      <div class="actions"><button type="submit" class="primary" disabled=${busy}>${t('common.save')}</button> <button type="button" onClick=${() => { setEditing(undefined); setError(undefined); }}>${t('common.cancel')}</button></div>
    </form>` : null}
    <${ErrorBox} error=${error} />
    ${historyOf ? html`<${ConfigHistory} api=${api} entity="endpoint" id=${historyOf} version=${data.data.version} />` : null}
  </section>`;
}
