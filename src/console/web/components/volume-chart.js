// The volume time series as a uPlot chart (canvas), with the same figures as a table for screen
// readers and keyboard users (the chart itself is an image with a summary).
import uPlot from '../../vendor/uplot.mjs';
import { html, useEffect, useRef } from '../lib/html.js';
import { useI18n } from '../lib/i18n.js';
import { TIME_ZONE, axisLabel, formatDateTime, formatNumber } from '../lib/format.js';

const HEIGHT = 260;

export function VolumeChart({ series, bucket }) {
  const { t, lang } = useI18n();
  const box = useRef();

  useEffect(() => {
    const el = box.current;
    const data = [
      series.map((b) => Date.parse(b.start) / 1000),
      series.map((b) => b.messages),
      series.map((b) => b.delivered),
      series.map((b) => b.failed),
    ];
    const plot = new uPlot({
      width: Math.max(el.clientWidth, 320),
      height: HEIGHT,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), TIME_ZONE),
      scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(max, 1)] } },
      series: [
        { label: t('dash.time') },
        { label: t('dash.messages'), stroke: '#1d4f91', width: 2, fill: 'rgba(29, 79, 145, 0.10)' },
        { label: t('dash.delivered'), stroke: '#1b7a3d', width: 2, dash: [6, 3] },
        { label: t('dash.failed'), stroke: '#b3261e', width: 2, dash: [2, 3] },
      ],
      axes: [{ values: (_u, ticks) => ticks.map((ts, i) => axisLabel(lang, ts, bucket, i === 0)), size: 52 }, { size: 56 }],
    }, data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 320), height: HEIGHT }));
    resize.observe(el);
    return () => { resize.disconnect(); plot.destroy(); };
  }, [series, bucket, lang]);

  const total = series.reduce((n, b) => n + b.messages, 0);
  const peak = series.reduce((best, b) => (b.messages > (best?.messages ?? -1) ? b : best), undefined);
  const summary = t('dash.chartSummary', { n: formatNumber(lang, total), buckets: series.length, peak: peak ? formatDateTime(lang, peak.start) : '—' });
  return html`<figure class="chart-figure">
    <div class="chart" ref=${box} role="img" aria-label=${summary}></div>
    <figcaption class="muted small">${summary}</figcaption>
    <details>
      <summary>${t('dash.asTable')}</summary>
      <table class="data compact">
        <thead><tr><th scope="col">${t('dash.time')}</th><th scope="col">${t('dash.messages')}</th><th scope="col">${t('dash.deliveries')}</th><th scope="col">${t('dash.delivered')}</th><th scope="col">${t('dash.failed')}</th></tr></thead>
        <tbody>${series.filter((b) => b.deliveries > 0).map((b) => html`<tr><td>${formatDateTime(lang, b.start)}</td><td>${b.messages}</td><td>${b.deliveries}</td><td>${b.delivered}</td><td>${b.failed}</td></tr>`)}</tbody>
      </table>
    </details>
  </figure>`;
}

/**
 * Horizontal bars in HTML (a <meter> per value): readable as text, and a native element screen readers
 * announce. `tone="bad"` (failures): optimum 0, any count of 1 or more in the meter's worst region, drawn red.
 */
export function Bars({ rows, label, tone = 'good' }) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return html`<ul class="bars" aria-label=${label}>
    ${rows.map((r) => html`<li>
      <span class="bar-label">${r.label}</span>
      <meter min="0" max=${max} value=${r.value} aria-label=${`${r.label}: ${r.text ?? r.value}`}
        ...${tone === 'bad' ? { low: 0.5, high: 0.5, optimum: 0 } : { low: 0, high: max, optimum: max }}></meter>
      <span class="bar-value">${r.text ?? r.value}</span>
    </li>`)}
  </ul>`;
}
