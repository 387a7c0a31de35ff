// Volumes, delivered share, latency, failures by endpoint and per-agency figures (GET /v1/stats/*).
import { html, useState } from '../lib/html.js';
import { useI18n } from '../lib/i18n.js';
import { useAsync } from '../lib/use-async.js';
import { formatMs, formatNumber, formatPercent } from '../lib/format.js';
import { Bars, VolumeChart } from '../components/volume-chart.js';
import { ErrorBox, Loading, PageTitle } from '../components/ui.js';

/** The ranges offered: span and bucket. */
const RANGES = {
  '24h': { hours: 24, bucket: 'hour' },
  '7d': { hours: 7 * 24, bucket: 'hour' },
  '30d': { hours: 30 * 24, bucket: 'day' },
};

function Card({ label, value, hint, testid }) {
  return html`<div class="card" data-testid=${testid}><div class="card-label">${label}</div><div class="card-value">${value}</div>${hint ? html`<div class="card-hint muted small">${hint}</div>` : null}</div>`;
}

export function DashboardPage({ api }) {
  const { t, lang } = useI18n();
  const [range, setRange] = useState('24h');
  const stats = useAsync(async () => {
    const { hours, bucket } = RANGES[range];
    const to = new Date();
    const from = new Date(to.getTime() - hours * 3_600_000).toISOString();
    const [overview, agencies] = await Promise.all([
      api.get('/v1/stats/overview', { from, to: to.toISOString(), bucket }),
      api.get('/v1/stats/agencies', { from, to: to.toISOString() }),
    ]);
    return { overview, agencies };
  }, [range]);

  const o = stats.data?.overview;
  const agencies = stats.data?.agencies.agencies ?? [];
  const active = agencies.filter((a) => a.documentsSent + a.documentsAddressed + a.dossiersFiled > 0);
  return html`<section>
    <${PageTitle}>${t('dash.title')}</${PageTitle}>
    <div class="toolbar">
      <label for="dash-range">${t('dash.range')}</label>
      <select id="dash-range" value=${range} onChange=${(e) => setRange(e.currentTarget.value)}>
        ${Object.keys(RANGES).map((key) => html`<option value=${key}>${t(`dash.range.${key}`)}</option>`)}
      </select>
      <button type="button" onClick=${stats.reload}>${t('common.refresh')}</button>
    </div>
    <${ErrorBox} error=${stats.error} />
    ${stats.loading && !o ? html`<${Loading} />` : null}
    ${o ? html`
      <div class="cards">
        <${Card} testid="card-messages" label=${t('dash.messages')} value=${formatNumber(lang, o.totals.messages)} hint=${t('dash.deliveriesHint', { n: formatNumber(lang, o.totals.deliveries) })} />
        <${Card} testid="card-share" label=${t('dash.deliveredShare')} value=${formatPercent(lang, o.totals.deliveredShare)} hint=${t('dash.shareHint', { delivered: formatNumber(lang, o.totals.delivered), pending: formatNumber(lang, o.totals.pending) })} />
        <${Card} testid="card-failed" label=${t('dash.failed')} value=${formatNumber(lang, o.totals.failed)} />
        <${Card} testid="card-latency" label=${t('dash.latency')} value=${formatMs(lang, o.latency.p50Ms)}
          hint=${t('dash.latencyHint', { p90: formatMs(lang, o.latency.p90Ms), p99: formatMs(lang, o.latency.p99Ms), n: formatNumber(lang, o.latency.count) })} />
      </div>
      <section aria-labelledby="dash-volume">
        <h2 id="dash-volume">${t(o.bucket === 'hour' ? 'dash.volumePerHour' : 'dash.volumePerDay')}</h2>
        <${VolumeChart} series=${o.series} bucket=${o.bucket} />
      </section>
      <div class="two-columns">
        <section aria-labelledby="dash-failures">
          <h2 id="dash-failures">${t('dash.failuresByEndpoint')}</h2>
          ${o.failuresByEndpoint.length === 0 ? html`<p class="muted">${t('dash.noFailures')}</p>` : html`
            <${Bars} tone="bad" label=${t('dash.failuresByEndpoint')} rows=${o.failuresByEndpoint.map((f) => ({ label: f.endpoint, value: f.failed + f.retrying, text: t('dash.failedRetrying', { failed: f.failed, retrying: f.retrying }) }))} />`}
        </section>
        <section aria-labelledby="dash-latency">
          <h2 id="dash-latency">${t('dash.latencyTitle')}</h2>
          <dl class="facts">
            <dt>p50</dt><dd>${formatMs(lang, o.latency.p50Ms)}</dd>
            <dt>p90</dt><dd>${formatMs(lang, o.latency.p90Ms)}</dd>
            <dt>p99</dt><dd>${formatMs(lang, o.latency.p99Ms)}</dd>
            <dt>max</dt><dd>${formatMs(lang, o.latency.maxMs)}</dd>
          </dl>
          <p class="muted small">${t('dash.latencyNote')}</p>
        </section>
      </div>
      <section aria-labelledby="dash-agencies">
        <h2 id="dash-agencies">${t('dash.agencies')}</h2>
        ${active.length > 0 ? html`<${Bars} label=${t('dash.documentsSent')} rows=${active.slice(0, 8).map((a) => ({ label: a.name ?? a.code, value: a.documentsSent + a.documentsReceived, text: t('dash.sentReceived', { sent: a.documentsSent, received: a.documentsReceived }) }))} />` : null}
        <div class="table-wrap">
          <table class="data" data-testid="agency-stats">
            <caption class="muted small">${t('dash.agenciesCaption')}</caption>
            <thead><tr>
              <th scope="col">${t('common.agency')}</th><th scope="col" class="num">${t('dash.documentsSent')}</th><th scope="col" class="num">${t('dash.documentsReceived')}</th>
              <th scope="col" class="num">${t('dash.dossiersFiled')}</th><th scope="col" class="num">${t('dash.dossiersOnTime')}</th><th scope="col" class="num">${t('dash.dossiersLate')}</th><th scope="col" class="num">${t('dash.dossiersOpen')}</th>
            </tr></thead>
            <tbody>${agencies.map((a) => html`<tr>
              <th scope="row"><span>${a.name ?? '—'}</span><br /><code class="small">${a.code}</code></th>
              <td class="num">${formatNumber(lang, a.documentsSent)}</td>
              <td class="num">${formatNumber(lang, a.documentsReceived)} / ${formatNumber(lang, a.documentsAddressed)}</td>
              <td class="num">${formatNumber(lang, a.dossiersFiled)}</td>
              <td class="num">${formatNumber(lang, a.dossiersOnTime)}${a.dossiersHandled > 0 ? html` <span class="muted small">(${formatPercent(lang, a.dossiersOnTime / a.dossiersHandled)})</span>` : null}</td>
              <td class="num">${formatNumber(lang, a.dossiersLate)}</td>
              <td class="num">${formatNumber(lang, a.dossiersOpen)}</td>
            </tr>`)}</tbody>
          </table>
        </div>
      </section>` : null}
  </section>`;
}
