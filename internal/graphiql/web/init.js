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

  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
