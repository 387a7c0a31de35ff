// Deliveries as a table: one row per message × recipient, each linking to its message.
import { html } from '../lib/html.js';
import { useI18n } from '../lib/i18n.js';
import { formatDateTime } from '../lib/format.js';
import { href } from '../lib/router.js';
import { StateBadge, shortId } from './ui.js';

export const documentLabel = (d) => (d.documentNumber ? `${d.documentNumber}${d.documentNotation ? `/${d.documentNotation}` : ''}` : d.dossierNumber ?? '—');

/**
 * `selection` (optional): `{ selected: Set, toggle(id), toggleAll(ids) }` adds a checkbox column;
 * `actions(d)` (optional) renders the last column.
 */
export function DeliveryTable({ rows, selection, actions, testid }) {
  const { t, lang } = useI18n();
  const ids = rows.map((d) => d.id);
  const all = selection && ids.length > 0 && ids.every((id) => selection.selected.has(id));
  return html`<div class="table-wrap"><table class="data" data-testid=${testid}>
    <thead><tr>
      ${selection ? html`<th scope="col"><input type="checkbox" aria-label=${t('failed.selectAll')} checked=${all} onChange=${() => selection.toggleAll(ids)} /></th>` : null}
      <th scope="col">${t('common.accepted')}</th><th scope="col">${t('common.kind')}</th><th scope="col">${t('common.document')}</th>
      <th scope="col">${t('common.sender')} → ${t('common.recipient')}</th><th scope="col">${t('common.endpoint')}</th>
      <th scope="col">${t('common.state')}</th><th scope="col" class="num">${t('common.attempts')}</th><th scope="col">${t('common.lastError')}</th>
      ${actions ? html`<th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th>` : null}
    </tr></thead>
    <tbody>${rows.map((d) => html`<tr data-delivery=${d.id}>
      ${selection ? html`<td><input type="checkbox" aria-label=${t('failed.select', { id: shortId(d.id), recipient: d.recipient })} checked=${selection.selected.has(d.id)} onChange=${() => selection.toggle(d.id)} /></td>` : null}
      <td><a href=${href('messages', d.messageId)} title=${d.messageId}>${formatDateTime(lang, d.createdAt)}</a></td>
      <td>${t(`kind.${d.messageKind}`)}</td>
      <td><span class="doc">${documentLabel(d)}</span>${d.subject ? html`<br /><span class="muted small">${d.subject}</span>` : null}</td>
      <td><code>${d.sender}</code> → <code>${d.recipient}</code></td>
      <td>${d.endpoint ?? html`<span class="muted">${t('common.inbox')}</span>`}${d.endpointPaused ? html` <span class="badge paused">${t('failed.paused')}</span>` : null}</td>
      <td><${StateBadge} state=${d.state} /></td>
      <td class="num">${d.attempts}</td>
      <td class="small error-text">${d.lastError ?? ''}</td>
      ${actions ? html`<td>${actions(d)}</td>` : null}
    </tr>`)}</tbody>
  </table></div>`;
}
