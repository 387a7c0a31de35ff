import { login } from '../lib/api.js';
import { html, useState } from '../lib/html.js';
import { useI18n } from '../lib/i18n.js';
import { LanguageSwitch } from '../components/layout.js';
import { ErrorBox, PageTitle } from '../components/ui.js';

/** Username and password → the session cookie (HttpOnly) and the CSRF token the app keeps in memory. */
export function LoginPage({ onLogin }) {
  const { t } = useI18n();
  const [error, setError] = useState(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      onLogin(await login(String(form.get('username')), String(form.get('password'))));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return html`<main id="main" class="login">
    <div class="login-card">
      <div class="login-lang"><${LanguageSwitch} /></div>
      <p class="brand"><span class="logo" aria-hidden="true">⇄</span> ${t('app.title')}</p>
      <${PageTitle}>${t('login.title')}</${PageTitle}>
      <form onSubmit=${submit} aria-describedby="login-help">
        <div class="field">
          <label for="username">${t('login.username')}</label>
          <input id="username" name="username" autocomplete="username" required maxlength="64" />
        </div>
        <div class="field">
          <label for="password">${t('login.password')}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <button type="submit" class="primary" disabled=${busy}>${busy ? t('login.busy') : t('login.submit')}</button>
      </form>
      <p id="login-help" class="muted small">${t('login.help')}</p>
      <${ErrorBox} error=${error} />
    </div>
  </main>`;
}
