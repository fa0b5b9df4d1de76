// Bar charts drawn as plain SVG: a skill per row, its gap as a bar scaled
// to the largest gap shown, its coverage as a bar on a 0–100 % track. Every
// bar carries its figure in data-* attributes and as text, so the chart is
// readable without colour and checkable by the browser tests.

import { svg, fmtInt, fmtPct } from './util.js';
import { t, getLang } from './i18n.js';

const ROW = 30;
const GAP_X = 300;
const GAP_W = 150;
const COV_X = 505;
const COV_W = 80;
const WIDTH = 640;

function truncate(s, n) {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

// skillBars draws rows [{code, name, gap, coverage}] and returns the SVG.
export function skillBars(rows, caption) {
  const lang = getLang();
  const maxGap = Math.max(1, ...rows.map((r) => Math.abs(r.gap)));
  const height = 28 + rows.length * ROW;
  const out = svg('svg', {
    class: 'bars', viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': caption,
    'data-rows': rows.length,
  },
  svg('text', { x: GAP_X, y: 16, class: 'axis' }, t('gap')),
  svg('text', { x: COV_X, y: 16, class: 'axis' }, t('coverage')));
  rows.forEach((r, i) => {
    const y = 28 + i * ROW;
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
