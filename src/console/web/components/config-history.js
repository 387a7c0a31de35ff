// Who changed a configuration item, when, and what (GET /v1/admin/config/history).
import { html } from '../lib/html.js';
import { useI18n } from '../lib/i18n.js';
import { useAsync } from '../lib/use-async.js';
import { formatDateTime } from '../lib/format.js';
import { ErrorBox, Loading } from './ui.js';

const show = (value) => (value === undefined ? '∅' : JSON.stringify(value));

export function ConfigHistory({ api, entity, id, version }) {
  const { t, lang } = useI18n();
  const history = useAsync(() => api.get('/v1/admin/config/history', { entity, id, limit: 20 }), [entity, id, version]);
  return html`<section class="history" aria-labelledby=${`history-${id}`}>
    <h3 id=${`history-${id}`}>${t('config.historyOf', { id })}</h3>
    <${ErrorBox} error=${history.error} />
    ${history.data ? (history.data.items.length === 0 ? html`<p class="muted">${t('config.noHistory')}</p>` : html`<table class="data compact" data-testid="history">
      <thead><tr><th scope="col">${t('config.version')}</th><th scope="col">${t('config.when')}</th><th scope="col">${t('config.who')}</th><th scope="col">${t('config.action')}</th><th scope="col">${t('config.changes')}</th></tr></thead>
      <tbody>${history.data.items.map((h) => html`<tr><td>${h.version}</td><td>${formatDateTime(lang, h.at)}</td><td><code class="small">${h.actor}</code></td><td>${t(`config.action.${h.action}`)}</td>
        <td><ul class="changes">${(h.changes ?? []).map((c) => html`<li><code>${c.path}</code>: ${show(c.before)} → ${show(c.after)}</li>`)}</ul></td></tr>`)}</tbody>
    </table>`) : html`<${Loading} />`}
  </section>`;
}
