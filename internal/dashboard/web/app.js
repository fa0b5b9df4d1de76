// The dashboard's entry point: the token form, the role detection, the
// views' tabs and the language toggle. The token is kept in this tab's
// sessionStorage only (never in a URL, never in localStorage); the
// language, which is no secret, in localStorage.

import { el, clear } from './util.js';
import { t, setLang, getLang } from './i18n.js';
import { client, APIError } from './api.js';
import { poleView, companyView, observatoryView, errorBox } from './views.js';
import { shapes } from './map.js';

// CSP refusals are kept where the browser tests read them: the page is
// meant to need nothing beyond its own origin.
window.gpecCSPViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.gpecCSPViolations.push(e.violatedDirective + ' ' + e.blockedURI));

const cfg = JSON.parse(document.body.dataset.config);
const main = document.getElementById('main');
const TOKEN_KEY = 'gpec.dashboard.token';
const WHO_KEY = 'gpec.dashboard.who'; // what the token was found to be, for this tab's reloads
const LANG_KEY = 'gpec.dashboard.lang';

const state = { api: null, who: null, view: null, horizon: new Date().getFullYear() + 3, poleId: null, siren: null };

function storedLang() {
  try { return localStorage.getItem(LANG_KEY); } catch (e) { return null; }
}

setLang(storedLang() === 'en' ? 'en' : 'fr');

// chrome sets the texts outside the views in the current language.
function chrome() {
  document.title = t('title');
  document.getElementById('title').textContent = t('title');
  document.querySelector('.skip').textContent = t('skip');
  const lang = document.getElementById('lang');
  lang.textContent = t('otherLang');
  lang.setAttribute('lang', getLang() === 'fr' ? 'en' : 'fr');
  document.getElementById('logout').textContent = t('logout');
  const foot = clear(document.getElementById('foot'));
  foot.append(t('mapCredit'), ' · ', t('licences'), ' : ',
    ...['LICENSE.d3-geo', 'LICENSE.d3-array', 'PROVENANCE.md'].flatMap((f, i) => [i ? ', ' : '', el('a', { href: cfg.assets + f }, f)]));
}

document.getElementById('lang').addEventListener('click', () => {
  setLang(getLang() === 'fr' ? 'en' : 'fr');
  try { localStorage.setItem(LANG_KEY, getLang()); } catch (e) { /* private mode: this page only */ }
  render();
});

document.getElementById('logout').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(WHO_KEY);
  state.api = null;
  state.who = null;
  render();
});

function tokenForm(message) {
  const input = el('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'token-help' });
  const form = el('form', { class: 'token-form', novalidate: true },
    el('h2', {}, t('tokenTitle')),
    el('p', { id: 'token-help' }, t('tokenHelp')),
    message || null,
    el('label', { for: 'token' }, t('tokenLabel')),
    input,
    el('button', { type: 'submit' }, t('tokenSubmit')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const tok = input.value.trim().replace(/^Bearer\s+/i, '');
    if (!tok) { input.focus(); return; }
    sessionStorage.setItem(TOKEN_KEY, tok);
    sessionStorage.removeItem(WHO_KEY);
    start();
  });
  clear(main).append(form);
  input.focus();
}

// detect finds what the token is, with queries it can run: companies it
// may list (none for an observatory), and among those companies' poles
// the ones whose members it may list.
async function detect(api) {
  const r = await api.gql('{ companies(first: 2) { totalCount edges { node { siren name memberships { active pole { id name } } } } } }');
  if (r.errors.some((e) => e.extensions && e.extensions.code === 'UNAUTHENTICATED')) throw new APIError(r.errors, 401);
  if (!r.data.companies) return { role: 'observatory' };
  const nodes = r.data.companies.edges.map((e) => e.node);
  const total = r.data.companies.totalCount;
  const poleIds = [...new Set(nodes.flatMap((n) => n.memberships.filter((m) => m.active).map((m) => m.pole.id)))];
  let readable = [];
  if (poleIds.length) {
    const q = '{ ' + poleIds.map((id, i) => `p${i}: pole(id: ${JSON.stringify(id)}) { id name members(first: 1) { totalCount } }`).join(' ') + ' }';
    const r2 = await api.gql(q);
    readable = poleIds.map((id, i) => r2.data['p' + i]).filter(Boolean);
  }
  // A pole's manager lists exactly the pole's members; an admin lists more
  // companies, or reads several poles.
  if (readable.length === 1 && readable[0].members.totalCount === total) return { role: 'pole', poleId: readable[0].id };
  if (readable.length >= 1) return { role: 'admin', poleId: readable[0].id, siren: nodes[0].siren };
  if (total === 1) return { role: 'company', siren: nodes[0].siren, poleId: poleIds[0] || null };
  return { role: 'unknown', siren: nodes.length ? nodes[0].siren : null };
}

async function start() {
  const tok = sessionStorage.getItem(TOKEN_KEY);
  if (!tok) { tokenForm(); return; }
  state.api = client(cfg.endpoint, tok);
  // The contours load while the API answers.
  shapes('department').catch(() => {});
  clear(main).append(el('p', { id: 'loading' }, t('loading')));
  try {
    state.who = JSON.parse(sessionStorage.getItem(WHO_KEY) || 'null');
  } catch (e) {
    state.who = null;
  }
  if (!state.who) {
    try {
      state.who = await detect(state.api);
      sessionStorage.setItem(WHO_KEY, JSON.stringify(state.who));
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      tokenForm(errorBox(e, t('tokenRefused')));
      return;
    }
  }
  state.view = { pole: 'pole', admin: 'pole', company: 'company', observatory: 'observatory' }[state.who.role] || 'company';
  state.poleId = state.who.poleId || null;
  state.siren = state.who.siren || null;
  render();
}

function whoText(w) {
  switch (w.role) {
    case 'pole': return t('rolePole', w.poleId);
    case 'company': return t('roleCompany', w.siren);
    case 'observatory': return t('roleObservatory');
    case 'admin': return t('roleAdmin');
    default: return t('roleUnknown');
  }
}

function render() {
  chrome();
  document.getElementById('logout').hidden = !state.api;
  if (!state.api || !state.who) {
    if (!sessionStorage.getItem(TOKEN_KEY)) tokenForm();
    return;
  }
  const tabs = [['pole', t('viewPole')], ['company', t('viewCompany')], ['observatory', t('viewObservatory')]];
  const panel = el('section', { id: 'panel', role: 'tabpanel', 'aria-labelledby': 'tab-' + state.view, tabindex: '-1' });
  const tablist = el('div', { role: 'tablist', 'aria-label': t('views'), class: 'tabs' },
    tabs.map(([id, label]) => el('button', {
      type: 'button', role: 'tab', id: 'tab-' + id, 'aria-selected': String(id === state.view),
      'aria-controls': 'panel', tabindex: id === state.view ? '0' : '-1',
      onclick: () => { state.view = id; render(); document.getElementById('tab-' + id).focus(); },
      onkeydown: (e) => {
        const i = tabs.findIndex(([x]) => x === id);
        const next = e.key === 'ArrowRight' ? (i + 1) % tabs.length : e.key === 'ArrowLeft' ? (i + tabs.length - 1) % tabs.length : -1;
        if (next >= 0) { e.preventDefault(); state.view = tabs[next][0]; render(); document.getElementById('tab-' + state.view).focus(); }
      },
    }, label)));
  clear(main).append(el('p', { class: 'who', id: 'who', 'data-role': state.who.role }, t('detected', whoText(state.who))), tablist, panel);
  const views = { pole: poleView, company: companyView, observatory: observatoryView };
  // A view that fails unexpectedly (network down, a bug) shows why rather
  // than a page stuck loading.
  views[state.view](panel, state, render).catch((e) => {
    panel.append(errorBox(e));
    panel.dataset.ready = state.view + '-error';
  });
}

start();
