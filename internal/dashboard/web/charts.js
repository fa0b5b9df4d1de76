// Bar charts drawn as plain SVG: a skill per row, its gap as a bar scaled
// to the largest gap shown, its coverage as a bar on a 0–100 % track. Every
// bar carries its figure in data-* attributes and as text, so the chart is
// readable without colour and checkable by the browser tests. With the
// training plan (rows carrying gapAfterPlan), a second, hatched bar under
// each gap shows the gap after the plan, on the same scale.

import { svg, fmtInt, fmtPct } from './util.js';
import { t, getLang } from './i18n.js';

const ROW = 30;
const PLAN_ROW = 38;
const GAP_X = 300;
const GAP_W = 150;
const COV_X = 505;
const COV_W = 80;
const WIDTH = 640;

function truncate(s, n) {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

// skillBars draws rows [{code, name, gap, coverage, gapAfterPlan?}] and
// returns the SVG.
export function skillBars(rows, caption) {
  const lang = getLang();
  const plan = rows.some((r) => r.gapAfterPlan !== undefined && r.gapAfterPlan !== null);
  const maxGap = Math.max(1, ...rows.map((r) => Math.max(Math.abs(r.gap), plan ? Math.abs(r.gapAfterPlan || 0) : 0)));
  const row = plan ? PLAN_ROW : ROW;
  // With the plan, the legend takes a line above the axis labels.
  const top = plan ? 20 : 0;
  const height = 28 + top + rows.length * row + (plan ? 8 : 0);
  const out = svg('svg', {
    class: 'bars', viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': caption,
    'data-rows': rows.length,
  },
  svg('text', { x: GAP_X, y: 16 + top, class: 'axis' }, t('gap')),
  svg('text', { x: COV_X, y: 16 + top, class: 'axis' }, t('coverage')));
  if (plan) {
    // The legend says which bar is which without relying on colour.
    out.append(svg('rect', { x: 0, y: 4, width: 14, height: 10, class: 'bar-gap' }),
      svg('text', { x: 18, y: 14, class: 'legend' }, t('gap')),
      svg('rect', { x: 80, y: 4, width: 14, height: 10, class: 'bar-plan' }),
      svg('text', { x: 98, y: 14, class: 'legend' }, t('gapAfterPlan')));
  }
  rows.forEach((r, i) => {
    const y = 28 + top + i * row;
    if (plan) { out.append(planRow(r, y, maxGap, lang)); return; }
    const w = Math.round((Math.max(0, r.gap) / maxGap) * GAP_W);
    const cov = r.coverage === null || r.coverage === undefined ? null : Math.max(0, Math.min(1, r.coverage));
    out.append(svg('g', { class: 'bar-row', 'data-code': r.code },
      svg('title', {}, `${r.name} — ${t('gap')} ${fmtInt(lang, r.gap)}, ${t('coverage')} ${fmtPct(lang, r.coverage)}`),
      svg('text', { x: 0, y: y + 18, class: 'bar-name' }, truncate(r.name, 38)),
      svg('rect', { x: GAP_X, y: y + 6, width: Math.max(w, 1), height: 16, class: r.gap > 0 ? 'bar-gap' : 'bar-gap zero', 'data-value': r.gap }),
      svg('text', { x: GAP_X + Math.max(w, 1) + 6, y: y + 19, class: 'bar-value bar-gap-value' }, fmtInt(lang, r.gap)),
      svg('rect', { x: COV_X, y: y + 6, width: COV_W, height: 16, class: 'bar-track' }),
      svg('rect', { x: COV_X, y: y + 6, width: cov === null ? 0 : Math.round(cov * COV_W), height: 16, class: 'bar-coverage', 'data-value': r.coverage === null ? '' : r.coverage }),
      svg('text', { x: COV_X + COV_W + 6, y: y + 19, class: 'bar-value bar-coverage-value' }, fmtPct(lang, r.coverage))));
  });
  return out;
}

// planRow is a row with the gap and, under it, the gap after the plan.
function planRow(r, y, maxGap, lang) {
  const w = Math.max(1, Math.round((Math.max(0, r.gap) / maxGap) * GAP_W));
  const p = r.gapAfterPlan === null || r.gapAfterPlan === undefined ? null : r.gapAfterPlan;
  const wp = Math.max(1, Math.round((Math.max(0, p || 0) / maxGap) * GAP_W));
  const cov = r.coverage === null || r.coverage === undefined ? null : Math.max(0, Math.min(1, r.coverage));
  return svg('g', { class: 'bar-row', 'data-code': r.code },
    svg('title', {}, `${r.name} — ${t('gap')} ${fmtInt(lang, r.gap)}, ${t('gapAfterPlan')} ${p === null ? '—' : fmtInt(lang, p)}, ${t('coverage')} ${fmtPct(lang, r.coverage)}`),
    svg('text', { x: 0, y: y + 20, class: 'bar-name' }, truncate(r.name, 38)),
    svg('rect', { x: GAP_X, y: y + 3, width: w, height: 14, class: r.gap > 0 ? 'bar-gap' : 'bar-gap zero', 'data-value': r.gap }),
    svg('text', { x: GAP_X + w + 6, y: y + 15, class: 'bar-value bar-gap-value' }, fmtInt(lang, r.gap)),
    svg('rect', { x: GAP_X, y: y + 20, width: wp, height: 12, class: 'bar-plan', 'data-value': p === null ? '' : p }),
    svg('text', { x: GAP_X + wp + 6, y: y + 31, class: 'bar-value bar-plan-value' }, p === null ? '—' : fmtInt(lang, p)),
    svg('rect', { x: COV_X, y: y + 10, width: COV_W, height: 16, class: 'bar-track' }),
    svg('rect', { x: COV_X, y: y + 10, width: cov === null ? 0 : Math.round(cov * COV_W), height: 16, class: 'bar-coverage', 'data-value': r.coverage === null ? '' : r.coverage }),
    svg('text', { x: COV_X + COV_W + 6, y: y + 23, class: 'bar-value bar-coverage-value' }, fmtPct(lang, r.coverage)));
}

// gapTrend draws one small line chart per skill: its gap at each point of
// the pole's trend (one point per campaign), on a scale shared by all the
// skills so that the multiples compare. series: [{code, name, values}];
// labels: the points' names (campaign titles or dates).
export function gapTrend(series, labels, caption) {
  const lang = getLang();
  const W = 200; const H = 90; const PAD = 14;
  const all = series.flatMap((s) => s.values);
  const lo = Math.min(0, ...all); const hi = Math.max(1, ...all);
  const x = (i) => (labels.length < 2 ? W / 2 : PAD + (i * (W - 2 * PAD)) / (labels.length - 1));
  const y = (v) => H - 22 - ((v - lo) / (hi - lo)) * (H - 40);
  const wrap = document.createElement('div');
  wrap.className = 'multiples';
  wrap.setAttribute('role', 'group');
  wrap.setAttribute('aria-label', caption);
  for (const s of series) {
    const desc = s.values.map((v, i) => `${labels[i]} : ${fmtInt(lang, v)}`).join(', ');
    const g = svg('svg', { class: 'trend', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${s.name} — ${t('gap')} : ${desc}`,
      'data-code': s.code, 'data-values': s.values.join(',') },
    svg('title', {}, `${s.name} — ${desc}`),
    svg('text', { x: 2, y: 12, class: 'trend-name' }, truncate(s.name, 28)),
    svg('line', { x1: PAD, x2: W - PAD, y1: y(0), y2: y(0), class: 'trend-zero' }),
    svg('polyline', { points: s.values.map((v, i) => `${x(i)},${y(v)}`).join(' '), class: 'trend-line' }));
    s.values.forEach((v, i) => g.append(svg('circle', { cx: x(i), cy: y(v), r: 3, class: 'trend-dot' }),
      svg('text', { x: x(i), y: H - 6, class: 'trend-value', 'text-anchor': 'middle' }, fmtInt(lang, v))));
    wrap.append(g);
  }
  return wrap;
}
