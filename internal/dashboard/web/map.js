// Choropleth maps of departments or regions with d3-geo (vendored, global
// `d3`). Shapes are IGN GEOFLA contours of metropolitan France; overseas
// territories, which have none, are listed beside the map with the same
// figures. A hidden cell (statistical secrecy) is hatched, its reason in
// its tooltip, in the info line and in the table the views put under the
// map.

import { el, svg, clear } from './util.js';
import { t, reason } from './i18n.js';

const cfg = JSON.parse(document.body.dataset.config);
const cache = {};

// shapes fetches (once) the contours of a level.
export function shapes(level) {
  const file = level === 'region' ? 'regions.geojson' : 'departements.geojson';
  if (!cache[file]) {
    cache[file] = fetch(cfg.assets + file + '?v=' + cfg.versions[file]).then((r) => {
      if (!r.ok) throw new Error(file + ': HTTP ' + r.status);
      return r.json();
    });
  }
  return cache[file];
}

function hex(c) {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
}

function lerp(a, b, k) {
  const x = hex(a);
  const y = hex(b);
  return '#' + x.map((v, i) => Math.round(v + (y[i] - v) * k).toString(16).padStart(2, '0')).join('');
}

// Colour ramps chosen for contrast against the white page and the grey of
// "no data" (ColorBrewer Reds and Blues end points).
const POS = ['#fcbba1', '#a50f15'];
const NEG = ['#c6dbef', '#08519c'];
const SEQ = ['#c6dbef', '#08306b'];
const NODATA = '#e4e4e4';

// colour of v on a ramp: diverging around 0 (gaps: red a need, blue a
// surplus) or sequential from the smallest value.
function colourer(values, diverging) {
  const nums = values.filter((v) => typeof v === 'number');
  const max = Math.max(0, ...nums);
  const min = Math.min(0, ...nums);
  if (diverging) {
    return (v) => (v > 0 ? lerp(POS[0], POS[1], max ? v / max : 0)
      : v < 0 ? lerp(NEG[0], NEG[1], min ? v / min : 0) : '#ffffff');
  }
  const lo = Math.min(...nums);
  const hi = Math.max(...nums);
  return (v) => lerp(SEQ[0], SEQ[1], hi > lo ? (v - lo) / (hi - lo) : 1);
}

let mapCount = 0;

// drawMap fills container with a map. values: Map code → {value, name,
// suppressed, reason, text}; fmt formats a value; diverging picks the ramp;
// fitData zooms on the territories that have a cell.
export async function drawMap(container, { level, values, fmt, caption, diverging, fitData }) {
  const geo = await shapes(level);
  const id = 'map' + (++mapCount);
  const w = 600;
  const h = 560;
  const colour = colourer([...values.values()].filter((c) => !c.suppressed).map((c) => c.value), diverging);
  const withData = geo.features.filter((f) => values.has(f.properties.code));
  const fit = { type: 'FeatureCollection', features: fitData && withData.length ? withData : geo.features };
  const projection = d3.geoConicConformal().parallels([44, 49]).rotate([-3, 0]).fitExtent([[8, 8], [w - 8, h - 8]], fit);
  const path = d3.geoPath(projection);

  const info = el('p', { class: 'map-info', 'aria-live': 'polite' }, t('hoverHelp'));
  const describe = (name, code, c) => {
    if (!c) return `${name} (${code}) : ${t('noData')}`;
    if (c.suppressed) return `${name} (${code}) : ${t('hiddenBecause', reason(c.reason))}`;
    return `${name} (${code}) : ${fmt(c.value)}`;
  };
  // Crop the box to the fitted shapes: no blank band under a wide region.
  const [[x0, y0], [x1, y1]] = path.bounds(fit);
  const box = [Math.max(0, x0 - 8), Math.max(0, y0 - 8), Math.min(w, x1 + 8), Math.min(h, y1 + 8)];
  const map = svg('svg', { class: 'map', viewBox: `${box[0]} ${box[1]} ${box[2] - box[0]} ${box[3] - box[1]}`, role: 'group', 'aria-label': caption, 'data-level': level },
    svg('defs', {},
      svg('pattern', { id: id + '-hatch', patternUnits: 'userSpaceOnUse', width: 6, height: 6, patternTransform: 'rotate(45)' },
        svg('rect', { width: 6, height: 6, fill: '#ffffff' }),
        svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#333333', 'stroke-width': 2 }))));
  for (const f of geo.features) {
    const code = f.properties.code;
    const c = values.get(code);
    const label = describe(f.properties.nom, code, c);
    const fill = !c ? NODATA : c.suppressed ? `url(#${id}-hatch)` : colour(c.value);
    const p = svg('path', {
      d: path(f), fill, class: 'area' + (c ? ' has-data' : '') + (c && c.suppressed ? ' hidden-cell' : ''),
      'data-code': code, 'data-value': c && !c.suppressed ? c.value : null,
      'data-reason': c && c.suppressed ? c.reason : null,
      tabindex: c ? 0 : null, role: c ? 'img' : null, 'aria-label': c ? label : null,
    }, svg('title', {}, label));
    const show = () => { info.textContent = label; };
    p.addEventListener('mouseenter', show);
    p.addEventListener('focus', show);
    map.append(p);
  }
  // Territories on top of their neighbours' borders when focused.
  map.addEventListener('focusin', (e) => { if (e.target.classList.contains('area')) map.append(e.target); });

  const nums = [...values.values()].filter((c) => !c.suppressed && typeof c.value === 'number').map((c) => c.value);
  const legend = el('div', { class: 'legend' });
  if (nums.length && Math.min(...nums) !== Math.max(...nums)) {
    const lo = diverging ? Math.min(0, ...nums) : Math.min(...nums);
    const hi = Math.max(diverging ? 0 : -Infinity, ...nums);
    const steps = 5;
    const sw = [];
    for (let i = 0; i <= steps; i++) {
      const v = lo + ((hi - lo) * i) / steps;
      sw.push(el('span', { class: 'swatch' }, svg('svg', { width: 18, height: 14, 'aria-hidden': 'true' }, svg('rect', { width: 18, height: 14, fill: colour(v) }))));
    }
    legend.append(el('span', {}, fmt(lo)), ...sw, el('span', {}, fmt(hi)));
  }
  legend.append(
    el('span', { class: 'swatch-label' }, svg('svg', { width: 18, height: 14, 'aria-hidden': 'true' }, svg('rect', { width: 18, height: 14, fill: `url(#${id}-hatch)`, stroke: '#333' })), t('hidden')),
    el('span', { class: 'swatch-label' }, svg('svg', { width: 18, height: 14, 'aria-hidden': 'true' }, svg('rect', { width: 18, height: 14, fill: NODATA, stroke: '#999' })), t('noData')));

  // Overseas territories have no contour: a list with the same figures.
  const known = new Set(geo.features.map((f) => f.properties.code));
  const overseas = [...values.entries()].filter(([code]) => !known.has(code));
  const list = overseas.length ? el('div', { class: 'overseas' }, el('h4', {}, t('overseas')),
    el('ul', {}, overseas.map(([code, c]) => el('li', { 'data-code': code, class: c.suppressed ? 'hidden-cell' : null }, describe(c.name || code, code, c))))) : null;

  clear(container).append(...[
    el('figure', { class: 'map-figure' }, map, el('figcaption', {}, caption)),
    info, legend, list, el('p', { class: 'credit' }, t('mapCredit'))].filter(Boolean));
  // The hatch pattern is defined in this map's SVG: legend swatches in other
  // SVGs reference it by id, which works within one document.
  return map;
}
