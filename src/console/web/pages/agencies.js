// The agencies the hub configures (GET /v1/admin/agencies) and the directories synchronised from
// external systems, searchable (GET /v1/directory/agencies).
import { html, useState } from '../lib/html.js';
import { useI18n } from '../lib/i18n.js';
import { useAsync } from '../lib/use-async.js';
import { formatDateTime } from '../lib/format.js';
import { ErrorBox, Loading, PageTitle } from '../components/ui.js';

export function AgenciesPage({ api }) {
  const { t, lang } = useI18n();
  const configured = useAsync(() => api.get('/v1/admin/agencies'), []);
  const [q, setQ] = useState('');
  const [pages, setPages] = useState({ items: [], next: undefined, q: undefined });
  const [error, setError] = useState(undefined);
  const [busy, setBusy] = useState(false);

  const load = async (query, cursor, items) => {
    setBusy(true);
    setError(undefined);
    try {
      const page = await api.get('/v1/directory/agencies', { q: query || undefined, limit: 50, cursor });
      setPages({ items: [...items, ...page.items], next: page.nextCursor, q: query });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const search = (event) => {
    event.preventDefault();
    load(q.trim(), undefined, []);
  };

  return html`<section>
    <${PageTitle}>${t('agencies.title')}</${PageTitle}>
    <section aria-labelledby="ag-configured">
      <h2 id="ag-configured">${t('agencies.configured')}</h2>
      <${ErrorBox} error=${configured.error} />
      ${configured.data ? html`<div class="table-wrap"><table class="data" data-testid="configured-agencies">
        <thead><tr><th scope="col">${t('agencies.code')}</th><th scope="col">${t('agencies.codeQd20')}</th><th scope="col">${t('agencies.name')}</th><th scope="col">${t('common.endpoint')}</th><th scope="col">${t('common.status')}</th></tr></thead>
        <tbody>${configured.data.items.map((a) => html`<tr><td><code>${a.code}</code></td><td>${a.codeQd20 ? html`<code>${a.codeQd20}</code>` : '—'}</td><td>${a.name}</td>
          <td>${a.endpoint ?? html`<span class="muted">${t('common.inbox')}</span>`}</td><td>${a.disabled ? t('common.disabled') : t('common.enabled')}</td></tr>`)}</tbody>
      </table></div>` : html`<${Loading} />`}
    </section>
    <section aria-labelledby="ag-directory">
      <h2 id="ag-directory">${t('agencies.directory')}</h2>
      <p class="muted">${t('agencies.directoryIntro')}</p>
      <form class="toolbar" role="search" onSubmit=${search}>
        <label for="ag-q">${t('agencies.search')}</label>
        <input id="ag-q" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} placeholder="sở tư pháp, H41, 000.00.00.H41" />
        <button type="submit" class="primary" disabled=${busy}>${t('search.submit')}</button>
      </form>
      <${ErrorBox} error=${error} />
      ${pages.q !== undefined ? html`
        ${pages.items.length === 0 ? html`<p class="muted">${t('search.none')}</p>` : html`<div class="table-wrap"><table class="data" data-testid="directory">
          <thead><tr><th scope="col">${t('agencies.name')}</th><th scope="col">${t('agencies.code')}</th><th scope="col">${t('agencies.codeQd20')}</th><th scope="col">${t('agencies.source')}</th><th scope="col">${t('agencies.synced')}</th></tr></thead>
          <tbody>${pages.items.map((a) => html`<tr><td>${a.name}</td><td>${a.code102 ? html`<code>${a.code102}</code>` : '—'}</td><td>${a.codeQd20 ? html`<code>${a.codeQd20}</code>` : '—'}</td><td>${a.source}</td><td>${formatDateTime(lang, a.syncedAt)}</td></tr>`)}</tbody>
        </table></div>`}
        ${pages.next ? html`<button type="button" disabled=${busy} onClick=${() => load(pages.q, pages.next, pages.items)}>${t('common.more')}</button>` : null}` : null}
    </section>
  </section>`;
}
