// The frame around every page: skip link, title, navigation by role, language switch, who is logged in, logout.
import { html } from '../lib/html.js';
import { useI18n } from '../lib/i18n.js';
import { can } from '../lib/roles.js';

const NAV = [
  { page: 'dashboard', key: 'nav.dashboard' },
  { page: 'search', key: 'nav.search' },
  { page: 'failed', key: 'nav.failed' },
  { page: 'agencies', key: 'nav.agencies' },
  { page: 'routes', key: 'nav.routes' },
  { page: 'endpoints', key: 'nav.endpoints' },
  { page: 'audit', key: 'nav.audit', needs: 'readAudit' },
];

export function LanguageSwitch() {
  const { lang, t, setLang } = useI18n();
  const other = lang === 'vi' ? 'en' : 'vi';
  return html`<button type="button" class="lang" lang=${other} aria-label=${t('lang.switchLabel')} data-testid="lang-switch"
    onClick=${() => setLang(other)}>${other === 'en' ? 'English' : 'Tiếng Việt'}</button>`;
}

/** `logoutError`: a logout the hub refused — the session is still open, and the page says so. */
export function Layout({ session, page, onLogout, logoutError, children }) {
  const { t } = useI18n();
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>${t('nav.skip')}</a>
    <header class="top">
      <div class="brand"><span class="logo" aria-hidden="true">⇄</span> ${t('app.title')}</div>
      <nav aria-label=${t('nav.label')}>
        <ul>
          ${NAV.filter((item) => !item.needs || can(session.role, item.needs)).map((item) => html`
            <li><a href=${`#/${item.page}`} aria-current=${page === item.page ? 'page' : undefined}>${t(item.key)}</a></li>`)}
        </ul>
      </nav>
      <div class="who">
        <span class="user" data-testid="who">${session.username} · ${t(`role.${session.role}`)}</span>
        <${LanguageSwitch} />
        <button type="button" onClick=${onLogout}>${t('nav.logout')}</button>
      </div>
    </header>
    ${logoutError ? html`<div class="error" role="alert" data-testid="logout-failed">
      <p><strong>${t('nav.logoutFailed')}</strong> <span class="muted">${logoutError.message}</span></p>
      <p class="muted small">${logoutError.code}${logoutError.errorId ? ` · ${logoutError.errorId}` : ''}</p>
    </div>` : null}
    <main id="main" tabindex="-1">${children}</main>`;
}
