// Small building blocks every page uses: titles that take focus, error boxes, state badges, fields.
import { html, useEffect, useRef } from '../lib/html.js';
import { useI18n } from '../lib/i18n.js';

/** The page's heading; it takes focus when the page opens, so keyboard and screen-reader users land on it. */
export function PageTitle({ children }) {
  const ref = useRef();
  useEffect(() => ref.current?.focus(), []);
  return html`<h1 tabindex="-1" ref=${ref}>${children}</h1>`;
}

/** Lines that explain a refusal: a refused configuration's problems, or a request's schema errors. */
function problemsOf(details) {
  if (!details) return [];
  if (Array.isArray(details.problems)) return details.problems;
  if (Array.isArray(details)) return details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message ?? JSON.stringify(d)));
  if (Array.isArray(details.ids)) return details.ids;
  return [];
}

export function ErrorBox({ error }) {
  const { t } = useI18n();
  if (!error) return null;
  const known = t(`error.${error.code}`);
  const problems = problemsOf(error.details);
  return html`<div class="error" role="alert">
    <p><strong>${known !== `error.${error.code}` ? known : t('error.generic')}</strong> ${error.message && problems.length === 0 ? html`<span class="muted">${error.message}</span>` : null}</p>
    ${problems.length > 0 ? html`<ul class="problems">${problems.map((p) => html`<li>${p}</li>`)}</ul>` : null}
    ${error.code ? html`<p class="muted small">${error.code}${error.errorId ? ` · ${error.errorId}` : ''}</p>` : null}
  </div>`;
}

export function Loading() {
  const { t } = useI18n();
  return html`<p role="status" class="muted">${t('common.loading')}</p>`;
}

/** A delivery state as a word (never colour alone). */
export function StateBadge({ state }) {
  const { t } = useI18n();
  return html`<span class=${`badge state-${state}`}>${t(`state.${state}`)}</span>`;
}

export function Field({ id, label, hint, children }) {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${children}
    ${hint ? html`<small id=${`${id}-hint`} class="muted">${hint}</small>` : null}
  </div>`;
}

/** A live region for what an action did ("3 deliveries queued again"). */
export function Notice({ children }) {
  if (!children) return null;
  return html`<p class="notice" role="status">${children}</p>`;
}

/** Shortened id for tables; the whole id is in the title and the link. */
export const shortId = (id) => (id ? `${id.slice(0, 8)}…` : '—');
