// The three views: a pole at a horizon, a member company, an observatory's
// release. Each asks the public API what it shows and draws the API's own
// error when the token may not read it.

import { el, clear, fmtInt, fmtPct, table, csv, download } from './util.js';
import { t, getLang, reason } from './i18n.js';
import { APIError, missingField } from './api.js';
import { skillBars, gapTrend } from './charts.js';
import { drawMap } from './map.js';
import { xlsx } from './xlsx.js';

// errorBox shows the API's errors as it words them, with their codes.
export function errorBox(err, title) {
  const all = err instanceof APIError ? err.errors : [{ message: String((err && err.message) || err) }];
  // One line per distinct error: a refusal repeats for every field it stops.
  const seen = new Set();
  const errors = all.filter((e) => { const k = e.message + '|' + JSON.stringify(e.extensions || {}); if (seen.has(k)) return false; seen.add(k); return true; });
  return el('div', { class: 'error', role: 'alert' },
    el('strong', {}, title || t('apiError')),
    el('ul', {}, errors.map((e) => el('li', { class: 'api-error', 'data-code': (e.extensions && e.extensions.code) || '' },
      e.message, e.extensions && e.extensions.code ? ` (${e.extensions.code})` : ''))));
}

// ready marks the view drawn, for the browser tests and the load timing.
// gpecFirstViewMs is the time from the start of the page's navigation to
// its first view drawn.
function ready(panel, name) {
  panel.dataset.ready = name;
  if (window.gpecFirstViewMs === undefined) window.gpecFirstViewMs = performance.now();
}

function section(title, ...body) {
  const id = 'h-' + title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return el('section', { class: 'card', 'aria-labelledby': id }, el('h3', { id }, title), ...body);
}

function kpi(label, value, name) {
  return el('div', { class: 'kpi', 'data-kpi': name }, el('span', { class: 'kpi-value' }, value), el('span', { class: 'kpi-label' }, label));
}

function selectField(id, label, options, value, onchange) {
  const s = el('select', { id, name: id }, options.map(([v, l]) => el('option', { value: v, selected: String(v) === String(value) }, l)));
  s.addEventListener('change', () => onchange(s.value));
  return el('div', { class: 'field' }, el('label', { for: id }, label), s);
}

function horizonField(state, rerender) {
  const y = new Date().getFullYear();
  const years = Array.from({ length: 11 }, (_, i) => [y + i, String(y + i)]);
  return selectField('horizon', t('horizon'), years, state.horizon, (v) => { state.horizon = Number(v); rerender(); });
}

function distance(d) {
  return t('dist' + d);
}

function trainingList(items) {
  if (!items || !items.length) return t('none');
  return el('ul', { class: 'compact' }, items.map((n) =>
    el('li', {}, `${n.training.title} — ${n.training.provider} (${distance(n.distance)})`)));
}

// ---------------------------------------------------------------- pole

const POLE_QUERY = `query DashboardPole($id: ID!, $h: Int!) {
  pole(id: $id) {
    id name region { name }
    members(first: 1) { totalCount }
    strategy(horizon: $h, withPlan: true) {
      criticalSkills(first: 12) { skill { code name } required qualified gap coverage companiesWithGap qualifiedWithPlan gapAfterPlan plannedLearners }
      sharedTrainingOpportunities(first: 15) { department { code name } skill { code name } companies learners levelNeeded
        trainings(first: 2) { distance training { id title provider } }
        sessions(first: 3) { training { id title } sessionId startDate distance seats freeSeats } }
      mobilityPaths(first: 15) { from { company { siren name } role { code title } } to { company { siren name } role { code title } }
        similarity surplus need people }
    }
  }
}`;

// The map's figures: the pole's members by department (dimension pole, the
// pole's own cells), the same for an admin and for the pole's manager.
const POLE_MAP_QUERY = `query DashboardPoleMap($h: Int!) {
  territorialAggregates(level: department, dimension: pole, horizon: $h) {
    cells { territoryCode territoryName dimensionCode companies headcount target roleGap suppressed reason }
  }
}`;

// The campaigns' follow-up and the trend of the top critical skills' gap
// across them (one point per campaign, horizon = year + 3).
const CAMPAIGNS_QUERY = `query DashboardCampaigns($id: ID!) {
  pole(id: $id) {
    campaigns { id title referenceDate followUp { members respondents responseRate nonRespondents { siren name } } }
    trend(first: 6) { points { asOf campaign { id title } } skills { skill { code name } points { gap { value } } } }
  }
}`;

export async function poleView(panel, state, rerender) {
  const lang = getLang();
  const controls = el('div', { class: 'controls' }, horizonField(state, rerender));
  panel.append(controls);
  if (state.who.role !== 'pole') {
    const r = await state.api.cached('{ poles(first: 100) { edges { node { id name } } } }');
    if (r.errors.length) { panel.append(errorBox(new APIError(r.errors))); ready(panel, 'pole-error'); return; }
    const poles = r.data.poles.edges.map((e) => [e.node.id, e.node.name]);
    if (!state.poleId && poles.length) state.poleId = poles[0][0];
    controls.prepend(selectField('pole', t('pole'), poles, state.poleId, (v) => { state.poleId = v; rerender(); }));
  }
  const body = el('div', { class: 'view-body' }, el('p', {}, t('loading')));
  panel.append(body);
  // Every request of the view at once: three, within the token's limit of
  // requests in flight.
  const campBox = el('div', { id: 'campaigns-box' });
  const camp = campaigns(campBox, state, state.poleId);
  const [r, m] = await Promise.all([
    state.api.cached(POLE_QUERY, { id: state.poleId, h: state.horizon }),
    state.api.cached(POLE_MAP_QUERY, { h: state.horizon }),
  ]);
  clear(body);
  if (r.errors.length || !r.data.pole) {
    body.append(errorBox(new APIError(r.errors.length ? r.errors : [{ message: `pole ${state.poleId}: not found`, extensions: { code: 'NOT_FOUND' } }])));
    await camp.catch(() => {});
    ready(panel, 'pole-error');
    return;
  }
  const p = r.data.pole;
  const s = p.strategy;
  const cells = m.errors.length ? [] : m.data.territorialAggregates.cells.filter((c) => c.dimensionCode === p.id);
  const sum = (f) => cells.reduce((a, c) => a + (c[f] || 0), 0);
  body.append(
    el('h2', { id: 'view-title' }, `${p.name} — ${t('horizon')} ${state.horizon}`),
    el('div', { class: 'kpis' },
      kpi(t('members'), fmtInt(lang, p.members.totalCount), 'members'),
      kpi(t('departments'), fmtInt(lang, cells.length), 'departments'),
      kpi(t('headcount'), fmtInt(lang, sum('headcount')), 'headcount'),
      kpi(t('totalRoleGap'), fmtInt(lang, sum('roleGap')), 'roleGap')));

  const rows = s.criticalSkills.map((c) => ({ code: c.skill.code, name: c.skill.name, gap: c.gap, coverage: c.coverage, gapAfterPlan: c.gapAfterPlan }));
  const grid = el('div', { class: 'grid' });
  body.append(grid);
  grid.append(section(t('criticalSkills'),
    el('p', { class: 'help' }, t('criticalSkillsPlanHelp')),
    el('div', { class: 'chart', id: 'critical-skills' }, skillBars(rows, t('criticalSkills'))),
    el('details', {}, el('summary', {}, t('chartTable')),
      table(t('criticalSkills'), [t('skill'), t('required'), t('qualified'), t('gap'), t('plannedLearners'), t('gapAfterPlan'), t('coverage'), t('companiesWithGap')],
        s.criticalSkills.map((c) => [c.skill.name, fmtInt(lang, c.required), fmtInt(lang, c.qualified), fmtInt(lang, c.gap), orDash(lang, c.plannedLearners), orDash(lang, c.gapAfterPlan), fmtPct(lang, c.coverage), fmtInt(lang, c.companiesWithGap)]),
        { numeric: [false, true, true, true, true, true, true, true] }))));

  const mapBox = el('div', { class: 'map-box', id: 'pole-map' });
  grid.append(section(t('roleGap'), m.errors.length ? errorBox(new APIError(m.errors)) : mapBox));
  if (!m.errors.length) {
    const values = new Map(cells.map((c) => [c.territoryCode, { value: c.roleGap, name: c.territoryName, suppressed: c.suppressed, reason: c.reason }]));
    await drawMap(mapBox, { level: 'department', values, fmt: (v) => fmtInt(lang, v), caption: t('mapPole'), diverging: true });
    mapBox.append(el('details', {}, el('summary', {}, t('chartTable')),
      table(t('mapPole'), [t('code'), t('department'), t('companies'), t('headcount'), t('target'), t('roleGap')],
        cells.map((c) => ({ attrs: { 'data-code': c.territoryCode }, cells: [c.territoryCode, c.territoryName, fmtInt(lang, c.companies), fmtInt(lang, c.headcount), fmtInt(lang, c.target), fmtInt(lang, c.roleGap)] })),
        { numeric: [false, false, true, true, true, true], attrs: { id: 'pole-map-table' } })));
  }

  body.append(section(t('opportunities'), s.sharedTrainingOpportunities.length
    ? table(t('opportunities'), [t('department'), t('skill'), t('companies'), t('learners'), t('levelNeeded'), t('trainings'), t('sessions')],
      s.sharedTrainingOpportunities.map((o) => ({ attrs: { 'data-key': `${o.department.code}|${o.skill.code}` },
        cells: [`${o.department.name} (${o.department.code})`, o.skill.name, fmtInt(lang, o.companies), fmtInt(lang, o.learners), String(o.levelNeeded), trainingList(o.trainings), sessionList(lang, o.sessions)] })),
      { numeric: [false, false, true, true, true, false, false], attrs: { id: 'opportunities' } })
    : el('p', {}, t('noOpportunity'))));

  body.append(section(t('mobility'), s.mobilityPaths.length
    ? table(t('mobility'), [t('from'), t('to'), t('similarity'), t('people')],
      s.mobilityPaths.map((mp) => [`${mp.from.company.name} — ${mp.from.role.title}`, `${mp.to.company.name} — ${mp.to.role.title}`, fmtPct(lang, mp.similarity), fmtInt(lang, mp.people)]),
      { numeric: [false, false, true, true], attrs: { id: 'mobility' } })
    : el('p', {}, t('noMobility'))));

  body.append(campBox);
  await camp;
  ready(panel, 'pole');
}

function orDash(lang, v) {
  return v === null || v === undefined ? '—' : fmtInt(lang, v);
}

function fmtDate(lang, iso) {
  return new Date(iso + 'T00:00:00Z').toLocaleDateString(lang === 'fr' ? 'fr-FR' : 'en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });
}

// sessionList shows an opportunity's upcoming sessions: start date, place
// (in the department, or elsewhere in its region) and free seats, "full"
// at 0. Each item carries its figures for the browser tests.
function sessionList(lang, sessions) {
  if (!sessions || !sessions.length) return t('noSession');
  return el('ul', { class: 'compact sessions' }, sessions.map((x) => {
    const seats = x.freeSeats === null ? t('noSeatLimit') : x.freeSeats === 0 ? t('sessionFull') : t('freeSeats', x.freeSeats);
    return el('li', { class: x.freeSeats === 0 ? 'session full' : 'session', 'data-start': x.startDate, 'data-free': x.freeSeats === null ? '' : String(x.freeSeats) },
      el('time', { datetime: x.startDate }, fmtDate(lang, x.startDate)), ` — ${x.training.title} (${distance(x.distance)}) — `,
      el('strong', {}, seats));
  }));
}

// campaigns shows the pole's campaigns with their follow-up (response
// rate, the members that did not answer) and, under them, the top critical
// skills' gap across the campaigns as small multiples.
async function campaigns(box, state, poleId) {
  const r = await state.api.cached(CAMPAIGNS_QUERY, { id: poleId });
  const lang = getLang();
  if (r.errors.length || !r.data.pole) { box.dataset.campaigns = 'error'; box.append(section(t('campaigns'), errorBox(new APIError(r.errors)))); return; }
  const list = r.data.pole.campaigns;
  box.dataset.campaigns = list.length ? 'shown' : 'none';
  if (!list.length) { box.append(section(t('campaigns'), el('p', {}, t('campaignsNone')))); return; }
  const nonResp = (f) => (f.nonRespondents.length ? el('ul', { class: 'compact' }, f.nonRespondents.map((c) => el('li', { 'data-siren': c.siren }, `${c.name} (${c.siren})`))) : '—');
  box.append(section(t('campaigns'), table(t('campaigns'),
    [t('campaign'), t('referenceDate'), t('members'), t('respondents'), t('responseRate'), t('nonRespondents')],
    list.map((c) => ({ attrs: { 'data-id': c.id, 'data-rate': c.followUp.responseRate === null ? '' : String(c.followUp.responseRate), 'data-non': String(c.followUp.nonRespondents.length) },
      cells: [c.title, fmtDate(lang, c.referenceDate), fmtInt(lang, c.followUp.members), fmtInt(lang, c.followUp.respondents), fmtPct(lang, c.followUp.responseRate), nonResp(c.followUp)] })),
    { numeric: [false, false, true, true, true, false], attrs: { id: 'campaigns' } })));
  const tr = r.data.pole.trend;
  const labels = tr.points.map((p) => (p.campaign ? p.campaign.title : fmtDate(lang, p.asOf)));
  const series = tr.skills.map((k) => ({ code: k.skill.code, name: k.skill.name, values: k.points.map((p) => p.gap.value) }));
  box.append(section(t('trend'), el('p', { class: 'help' }, t('trendHelp')),
    series.length ? el('div', { id: 'gap-trend', 'data-points': labels.join(' | ') }, gapTrend(series, labels, t('trend'))) : el('p', {}, t('trendNone'))));
}

// ---------------------------------------------------------------- company

const COMPANY_QUERY = `query DashboardCompany($siren: String!, $h: Int!) {
  company(siren: $siren) {
    siren name naf
    sites { siret name territory { name } department { code name } }
    skillGaps(horizon: $h, first: 12) { skill { code name } required qualified gap coverage levelNeeded
      trainingsNear(first: 3) { distance level training { id title provider modality territory { name } } } }
    roleGaps(horizon: $h, first: 10) { role { code title } headcount stayers departures target roleGap }
  }
}`;

export async function companyView(panel, state, rerender) {
  const lang = getLang();
  const controls = el('div', { class: 'controls' }, horizonField(state, rerender));
  panel.append(controls);
  if (state.who.role !== 'company') {
    const r = await state.api.cached('{ companies(first: 200) { edges { node { siren name } } } }');
    if (r.errors.length) { panel.append(errorBox(new APIError(r.errors))); ready(panel, 'company-error'); return; }
    const list = r.data.companies.edges.map((e) => [e.node.siren, `${e.node.name} (${e.node.siren})`]);
    if (!state.siren && list.length) state.siren = list[0][0];
    controls.prepend(selectField('company', t('company'), list, state.siren, (v) => { state.siren = v; rerender(); }));
  }
  if (!state.siren) { panel.append(el('p', {}, t('noData'))); ready(panel, 'company-empty'); return; }
  const r = await state.api.cached(COMPANY_QUERY, { siren: state.siren, h: state.horizon });
  if (r.errors.length || !r.data.company) {
    panel.append(errorBox(new APIError(r.errors.length ? r.errors : [{ message: `company ${state.siren}: not found`, extensions: { code: 'NOT_FOUND' } }])));
    ready(panel, 'company-error');
    return;
  }
  const c = r.data.company;
  const byDept = new Map();
  for (const s of c.sites) {
    const d = byDept.get(s.department.code) || { value: 0, name: s.department.name };
    d.value += 1;
    byDept.set(s.department.code, d);
  }
  panel.append(
    el('h2', { id: 'view-title' }, `${c.name} (${c.siren}) — ${t('horizon')} ${state.horizon}`),
    el('div', { class: 'kpis' },
      kpi(t('sites'), fmtInt(lang, c.sites.length), 'sites'),
      kpi(t('departments'), fmtInt(lang, byDept.size), 'departments'),
      kpi(t('totalSkillGap'), fmtInt(lang, c.skillGaps.reduce((a, g) => a + Math.max(0, g.gap), 0)), 'gap')));
  const grid = el('div', { class: 'grid' });
  panel.append(grid);
  const rows = c.skillGaps.map((g) => ({ code: g.skill.code, name: g.skill.name, gap: g.gap, coverage: g.coverage }));
  grid.append(section(t('companyGaps'), el('p', { class: 'help' }, t('criticalSkillsHelp')),
    el('div', { class: 'chart', id: 'company-skills' }, skillBars(rows, t('companyGaps')))));
  const mapBox = el('div', { class: 'map-box', id: 'company-map' });
  grid.append(section(t('sites'), mapBox,
    el('ul', { class: 'compact', id: 'sites' }, c.sites.map((s) => el('li', {}, `${s.name || s.siret} — ${s.territory.name} (${s.department.code})`)))));
  await drawMap(mapBox, { level: 'department', values: byDept, fmt: (v) => t('siteCount', fmtInt(lang, v)), caption: t('mapCompany'), diverging: false });

  panel.append(section(t('trainingsNear'), table(t('trainingsNear'), [t('skill'), t('gap'), t('coverage'), t('levelNeeded'), t('trainings')],
    c.skillGaps.map((g) => [g.skill.name, fmtInt(lang, g.gap), fmtPct(lang, g.coverage), String(g.levelNeeded), trainingList(g.trainingsNear)]),
    { numeric: [false, true, true, true, false], attrs: { id: 'trainings-near' } })));
  panel.append(section(t('roleGaps'), table(t('roleGaps'), [t('role'), t('headcount'), t('stayers'), t('departures'), t('target'), t('roleGap')],
    c.roleGaps.map((g) => [`${g.role.title} (${g.role.code})`, fmtInt(lang, g.headcount), fmtInt(lang, g.stayers), fmtInt(lang, g.departures), fmtInt(lang, g.target), fmtInt(lang, g.roleGap)]),
    { numeric: [false, true, true, true, true, true], attrs: { id: 'role-gaps' } })));
  ready(panel, 'company');
}

// ---------------------------------------------------------------- observatory

const RELEASES_QUERY = `{ releases(first: 50) { totalCount edges { node { id referenceDate status horizons dimensions } } } }`;
const CELL = 'territoryCode territoryName dimensionCode dimensionLabel companies headcount departures target roleGap required qualified gap suppressed reason';
const TABLE_QUERY = `query DashboardRelease($id: ID!, $level: TerritoryLevel!, $dim: AggregateDimension, $h: Int!) {
  release(id: $id) { id referenceDate
    table(level: $level, dimension: $dim, horizon: $h) { cells { ${CELL} } territoryTotals { ${CELL} } dimensionTotals { ${CELL} } total { ${CELL} } }
  }
}`;
const MEASURES = ['headcount', 'departures', 'target', 'roleGap', 'companies'];
const SKILL_MEASURES = ['required', 'qualified', 'gap'];

export async function observatoryView(panel, state, rerender) {
  const lang = getLang();
  const r = await state.api.cached(RELEASES_QUERY);
  if (missingField(r.errors, 'releases')) {
    panel.append(el('p', { class: 'notice', id: 'no-release-api' }, t('noReleaseAPI')));
    ready(panel, 'observatory-none');
    return;
  }
  if (r.errors.length) { panel.append(errorBox(new APIError(r.errors))); ready(panel, 'observatory-error'); return; }
  const releases = r.data.releases.edges.map((e) => e.node).filter((n) => n.status === 'PUBLISHED');
  if (!releases.length) {
    panel.append(el('p', { class: 'notice', id: 'no-release' }, t('noRelease')));
    ready(panel, 'observatory-none');
    return;
  }
  const o = state.obs || (state.obs = {});
  const rel = releases.find((x) => x.id === o.release) || releases[0];
  o.release = rel.id;
  if (!rel.horizons.includes(o.horizon)) o.horizon = rel.horizons[Math.min(1, rel.horizons.length - 1)];
  o.level = o.level || 'department';
  const dims = ['none', ...rel.dimensions.filter((d) => d !== 'none')];
  if (!dims.includes(o.dimension)) o.dimension = 'none';
  const measures = o.dimension === 'skill_category' ? [...MEASURES, ...SKILL_MEASURES] : MEASURES;
  if (!measures.includes(o.measure)) o.measure = 'headcount';
  const set = (k) => (v) => { o[k] = v; if (k === 'dimension' || k === 'release' || k === 'level') o.value = ''; rerender(); };

  const tr = await state.api.cached(TABLE_QUERY, { id: rel.id, level: o.level, dim: o.dimension, h: Number(o.horizon) });
  const controls = el('div', { class: 'controls' },
    selectField('release', t('releases'), releases.map((x) => [x.id, t('releaseOf', x.referenceDate)]), rel.id, set('release')),
    selectField('level', t('level'), [['department', t('departmentLevel')], ['region', t('region')]], o.level, set('level')),
    selectField('dimension', t('dimension'), dims.map((d) => [d, t('dim_' + d)]), o.dimension, set('dimension')));
  panel.append(controls);
  if (tr.errors.length || !tr.data.release) {
    panel.append(errorBox(new APIError(tr.errors.length ? tr.errors : [{ message: `release ${rel.id}: not found`, extensions: { code: 'NOT_FOUND' } }])));
    ready(panel, 'observatory-error');
    return;
  }
  const tab = tr.data.release.table;
  // A dimension value is "v:" + its code ("" means the territories' totals;
  // the code itself may be empty, for "not given").
  const values = o.dimension === 'none' ? [] : tab.dimensionTotals.map((c) => ['v:' + (c.dimensionCode || ''), c.dimensionLabel || c.dimensionCode || '—']);
  if (o.value && !values.some(([v]) => v === o.value)) o.value = '';
  controls.append(...[
    o.dimension === 'none' ? null : selectField('dimvalue', t('dimValue'), [['', t('total')], ...values], o.value || '', set('value')),
    selectField('measure', t('measure'), measures.map((m) => [m, t('m_' + m)]), o.measure, set('measure')),
    selectField('obs-horizon', t('horizon'), rel.horizons.map((h) => [h, String(h)]), o.horizon, (v) => { o.horizon = Number(v); rerender(); })].filter(Boolean));

  const code = o.value ? o.value.slice(2) : null;
  const shown = o.value ? tab.cells.filter((c) => (c.dimensionCode || '') === code) : tab.territoryTotals;
  const valueLabel = o.value ? (values.find(([v]) => v === o.value) || [])[1] : t('total');
  const caption = `${t('m_' + o.measure)} — ${o.dimension === 'none' ? t('total') : `${t('dim_' + o.dimension)} : ${valueLabel}`} — ${t('horizon')} ${o.horizon} — ${t('releaseOf', rel.referenceDate)}`;
  const cellValues = new Map(shown.map((c) => [c.territoryCode, { value: c[o.measure], name: c.territoryName, suppressed: c.suppressed, reason: c.reason }]));
  const fileName = `gpec-release-${rel.referenceDate}-${o.level}-${o.dimension}${o.value ? '-' + code.replace(/[^A-Za-z0-9_-]/g, '_') : ''}-${o.measure}-${o.horizon}`;
  panel.append(el('h2', { id: 'view-title' }, caption));
  const mapBox = el('div', { class: 'map-box', id: 'release-map' });
  panel.append(el('div', { class: 'grid' }, section(t('map'), mapBox),
    section(t('tableOf'),
      el('div', { class: 'downloads' },
        el('button', { type: 'button', id: 'csv', onclick: () => download(fileName + '.csv', csv(releaseRows(shown, o, rel, tab.total)), 'text/csv;charset=utf-8') }, t('downloadCSV')),
        el('button', { type: 'button', id: 'xlsx', onclick: () => download(fileName + '.xlsx', xlsx(releaseRows(shown, o, rel, tab.total), rel.referenceDate), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') }, t('downloadXLSX'))),
      table(caption, [t('code'), t('territory'), t('m_' + o.measure), t('status')],
        [...shown, ...(o.value ? [] : [tab.total])].map((c) => ({
          attrs: { 'data-code': c.territoryCode, class: c.suppressed ? 'hidden-cell' : null },
          cells: [c.territoryCode, c.territoryName, c.suppressed ? '—' : fmtInt(lang, c[o.measure]), c.suppressed ? t('hiddenBecause', reason(c.reason)) : ''],
        })), { numeric: [false, false, true, false], attrs: { id: 'release-table' } }))));
  await drawMap(mapBox, { level: o.level, values: cellValues, fmt: (v) => fmtInt(lang, v), caption, diverging: o.measure === 'roleGap' || o.measure === 'gap', fitData: true });
  ready(panel, 'observatory');
}

// releaseRows is the table shown, one row per territory (and the total),
// for the CSV and XLSX downloads.
function releaseRows(shown, o, rel, total) {
  const rows = [['release_reference_date', 'level', 'territory_code', 'territory_name', 'dimension', 'dimension_code', 'horizon', 'measure', 'value', 'suppressed', 'reason']];
  for (const c of [...shown, ...(o.value ? [] : [total])]) {
    rows.push([rel.referenceDate, c === total ? 'total' : o.level, c.territoryCode, c.territoryName, o.dimension, c.dimensionCode || '', o.horizon, o.measure,
      c.suppressed ? '' : c[o.measure], c.suppressed ? 'true' : 'false', c.reason || '']);
  }
  return rows;
}
