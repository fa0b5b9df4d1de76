// Small DOM and formatting helpers shared by the views. The page's CSP
// forbids inline styles and scripts, so everything is built with DOM
// calls, never innerHTML: API text (names, error messages) can hold any
// character and is always set as text.

const SVG = 'http://www.w3.org/2000/svg';

// el builds an HTML element: attrs (false/null skipped; "on*" functions
// become listeners), then children (strings become text nodes).
export function el(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

// svg builds an SVG element the same way.
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG, tag), attrs, children);
}

function build(node, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// clear empties node and returns it.
export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

// fmtInt and fmtPct format figures in the page's language; null is "—".
export function fmtInt(lang, v) {
  return v === null || v === undefined ? '—' : new Intl.NumberFormat(lang).format(v);
}

export function fmtPct(lang, v) {
  return v === null || v === undefined ? '—'
    : new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(v);
}

// csv renders rows (arrays) as RFC 4180 text, quoting when needed.
export function csv(rows) {
  return rows.map((r) => r.map((v) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n;]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
  }).join(',')).join('\r\n') + '\r\n';
}

// download saves text as a file, without a round trip to the server: the
// file is what the page shows.
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// table builds an accessible data table: a caption, column headers, rows
// of cells (strings, numbers or nodes). numeric[i] right-aligns column i.
export function table(caption, headers, rows, opts = {}) {
  return el('div', { class: 'table-wrap' },
    el('table', { class: 'data', ...(opts.attrs || {}) },
      el('caption', {}, caption),
      el('thead', {}, el('tr', {}, headers.map((h, i) =>
        el('th', { scope: 'col', class: opts.numeric && opts.numeric[i] ? 'num' : null }, h)))),
      el('tbody', {}, rows.map((r) => el('tr', r.attrs || {}, (r.cells || r).map((c, i) =>
        el('td', { class: opts.numeric && opts.numeric[i] ? 'num' : null }, c)))))));
}
