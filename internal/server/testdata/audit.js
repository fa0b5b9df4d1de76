'use strict';
// Runs graphql-http's GraphQL over HTTP server audits (vendored in
// ./graphql-http, see its PROVENANCE.md) against the URL of argv[2], with
// the bearer token of $GPEC_AUDIT_TOKEN, one audit at a time, waiting
// $GPEC_AUDIT_PACE_MS between them (to stay under a rate limit). Prints one
// JSON line per audit: id, name, status (ok, warn, notice, error) and, when
// not ok, the reason and the response's status and body.
const { serverAudits } = require('./graphql-http/lib/audits/server.js');

async function main() {
  if (typeof fetch !== 'function') {
    console.error(`node ${process.version} has no fetch: the audits need Node 18 or later`);
    process.exit(3);
  }
  const url = process.argv[2];
  const token = process.env.GPEC_AUDIT_TOKEN || '';
  const pace = Number(process.env.GPEC_AUDIT_PACE_MS || 0);
  const fetchFn = (input, init = {}) => {
    const headers = new Headers(init.headers || {});
    if (token) headers.set('authorization', 'Bearer ' + token);
    return fetch(input, { ...init, headers });
  };
  for (const a of serverAudits({ url, fetchFn })) {
    const r = await a.fn();
    const line = { id: r.id, name: r.name, status: r.status };
    if (r.status !== 'ok') {
      line.reason = r.reason;
      if (r.response) {
        line.httpStatus = r.response.status;
        try {
          line.body = (await r.response.text()).slice(0, 500);
        } catch (e) {
          // The audit already read the body.
        }
      }
    }
    console.log(JSON.stringify(line));
    if (pace > 0) await new Promise((resolve) => setTimeout(resolve, pace));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
