// gpec's bootstrap for the GraphiQL index page (not vendored). It lives in
// its own file so that the page's Content-Security-Policy can keep
// script-src to 'self'. The page passes its options as JSON in
// <script id="graphiql-options" type="application/json">.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');

  function showMessage(text) {
    var p = document.createElement('p');
    p.className = 'gpec-graphiql-message';
    p.textContent = text;
    root.replaceChildren(p);
  }

  var cfg;
  try {
    cfg = JSON.parse(document.getElementById('graphiql-options').textContent);
  } catch (err) {
    showMessage('GraphiQL: cannot read the page options: ' + err);
    return;
  }
  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    showMessage('GraphiQL: its scripts did not load.');
    return;
  }

  // fetcher POSTs the GraphQL request as JSON to the endpoint, with the
  // headers from GraphiQL's headers editor (opts.headers) on top of the
  // JSON ones.
  function fetcher(params, opts) {
    var headers = {
      'Content-Type': 'application/json',
      'Accept': 'application/graphql-response+json, application/json;q=0.9'
    };
    var extra = (opts && opts.headers) || {};
    Object.keys(extra).forEach(function (name) {
      headers[name] = extra[name];
    });
    return fetch(cfg.endpoint, {
      method: 'POST',
      headers: headers,
      body: JSON.stringify(params),
      credentials: 'same-origin'
    }).then(function (res) {
      return res.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch (err) {
          return {
            errors: [{ message: 'HTTP ' + res.status + ' ' + res.statusText + ': ' + text }]
          };
        }
      });
    });
  }

  // A link may open GraphiQL on a query: ?query=…&variables=…&operationName=…
  // (never headers: tokens do not belong in URLs).
  var params = new URLSearchParams(window.location.search);
  var linked = params.get('query');
  var linkedVariables = params.get('variables') || undefined;

  var props = {
    fetcher: fetcher,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: !!cfg.persistHeaders,
    // Open the editor tools on the headers tab, where users put their token.
    defaultEditorToolsVisibility: 'headers'
  };
  if (cfg.defaultQuery) {
    props.defaultQuery = cfg.defaultQuery;
  }
  if (cfg.defaultHeaders) {
    props.defaultHeaders = cfg.defaultHeaders;
  }
  // On a first visit, the documented examples are tabs (GraphiQL keeps the
  // tabs of later visits); a linked query comes first.
  var tabs = [];
  if (linked) {
    tabs.push({ query: linked, variables: linkedVariables });
  } else if (cfg.defaultQuery && cfg.examples) {
    tabs.push({ query: cfg.defaultQuery });
  }
  (cfg.examples || []).forEach(function (ex) {
    tabs.push({ query: ex.query, variables: ex.variables || undefined });
  });
  if (tabs.length > 0) {
    props.defaultTabs = tabs.map(function (t) {
      if (cfg.defaultHeaders) {
        t.headers = cfg.defaultHeaders;
      }
      return t;
    });
  }
  if (linked) {
    // With tabs kept from an earlier visit, GraphiQL opens a tab for it.
    props.query = linked;
    if (linkedVariables) {
      props.variables = linkedVariables;
    }
    if (params.get('operationName')) {
      props.operationName = params.get('operationName');
    }
  }
  // The address bar follows the query being edited, so that it can be
  // copied as a link.
  function remember(name, value) {
    var p = new URLSearchParams(window.location.search);
    if (value) {
      p.set(name, value);
    } else {
      p.delete(name);
    }
    var q = p.toString();
    window.history.replaceState(null, '', window.location.pathname + (q ? '?' + q : ''));
  }
  props.onEditQuery = function (q) { remember('query', q); };
  props.onEditVariables = function (v) { remember('variables', v); };
  props.onEditOperationName = function (n) { remember('operationName', n); };

  var presets = cfg.headerPresets || [];
  if (presets.length === 0) {
    ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
    return;
  }

  // Header presets (the demo roles' tokens): a menu above GraphiQL; a
  // choice replaces the headers editor's content.
  root.classList.add('gpec-with-bar');
  var bar = document.createElement('div');
  bar.className = 'gpec-bar';
  var label = document.createElement('label');
  label.textContent = 'Headers: ';
  var select = document.createElement('select');
  select.setAttribute('aria-label', 'Headers preset');
  var none = document.createElement('option');
  none.value = '';
  none.textContent = '(as edited)';
  select.appendChild(none);
  presets.forEach(function (p, i) {
    var o = document.createElement('option');
    o.value = String(i);
    o.textContent = p.name;
    select.appendChild(o);
  });
  label.appendChild(select);
  bar.appendChild(label);
  var ide = document.createElement('div');
  ide.className = 'gpec-ide';
  root.replaceChildren(bar, ide);
  var reactRoot = ReactDOM.createRoot(ide);
  function render(headers) {
    var p = Object.assign({}, props);
    if (headers !== undefined) {
      p.headers = headers;
    }
    reactRoot.render(React.createElement(GraphiQL, p));
  }
  select.addEventListener('change', function () {
    if (select.value !== '') {
      render(presets[Number(select.value)].headers);
    }
  });
  render(undefined);
})();
