// The console's entry point: who is logged in, which language, which page.
import { createApi, currentSession } from './lib/api.js';
import { html, render, useEffect, useLayoutEffect, useMemo, useState } from './lib/html.js';
import { I18n, initialLang, rememberLang, translator } from './lib/i18n.js';
import { useRoute } from './lib/router.js';
import { Layout } from './components/layout.js';
import { ErrorBox, Loading } from './components/ui.js';
import { LoginPage } from './pages/login.js';
import { DashboardPage } from './pages/dashboard.js';
import { SearchPage } from './pages/search.js';
import { MessagePage } from './pages/message.js';
import { FailedPage } from './pages/failed.js';
import { AgenciesPage } from './pages/agencies.js';
import { RoutesPage } from './pages/routes.js';
import { EndpointsPage } from './pages/endpoints.js';
import { AuditPage } from './pages/audit.js';
import { can } from './lib/roles.js';

const PAGES = {
  dashboard: DashboardPage,
  search: SearchPage,
  messages: MessagePage,
  failed: FailedPage,
  agencies: AgenciesPage,
  routes: RoutesPage,
  endpoints: EndpointsPage,
  audit: AuditPage,
};

function App() {
  const [lang, setLangState] = useState(initialLang);
  const [session, setSession] = useState(undefined); // undefined: asking; null: logged out
  const [bootError, setBootError] = useState(undefined);
  const route = useRoute();

  const i18n = useMemo(() => ({
    lang,
    t: translator(lang),
    setLang: (next) => { rememberLang(next); setLangState(next); },
  }), [lang]);
  // In the same commit as the text: a screen reader (or a test) never sees English under lang="vi".
  useLayoutEffect(() => {
    document.documentElement.lang = lang;
    document.title = i18n.t('app.documentTitle');
  }, [lang]);

  useEffect(() => {
    currentSession().then((s) => setSession(s ?? null), setBootError);
  }, []);

  const api = useMemo(() => createApi({ csrf: () => session?.csrfToken, onUnauthenticated: () => setSession(null) }), [session]);

  // Logged out when the hub says the session ended (204) or was already gone (401: the api's
  // onUnauthenticated shows the login page). Any other answer leaves the session alive on the hub,
  // so the console stays in it and says the logout failed.
  const [logoutError, setLogoutError] = useState(undefined);
  const logout = async () => {
    setLogoutError(undefined);
    try {
      await api.del('/v1/session');
      setSession(null);
    } catch (err) {
      if (err.status !== 401) setLogoutError(err);
    }
  };

  let body;
  if (bootError) body = html`<main id="main"><${ErrorBox} error=${bootError} /></main>`;
  else if (session === undefined) body = html`<main id="main"><${Loading} /></main>`;
  else if (session === null) body = html`<${LoginPage} onLogin=${setSession} />`;
  else {
    const [page = 'dashboard', ...args] = route;
    const Page = PAGES[page] && !(page === 'audit' && !can(session.role, 'readAudit')) ? PAGES[page] : DashboardPage;
    body = html`<${Layout} session=${session} page=${page} onLogout=${logout} logoutError=${logoutError}>
      <${Page} key=${route.join('/')} api=${api} session=${session} args=${args} />
    </${Layout}>`;
  }
  return html`<${I18n.Provider} value=${i18n}>${body}</${I18n.Provider}>`;
}

// The page's "loading" line goes: Preact renders into an empty container.
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
