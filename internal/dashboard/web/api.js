// The only way the dashboard reads data: POST to gpec's public GraphQL
// endpoint with the user's bearer token. It never builds SQL or calls a
// private route, so it sees exactly what the token may see.

export class APIError extends Error {
  constructor(errors, status) {
    super(errors.map((e) => e.message).join(' · '));
    this.errors = errors;
    this.status = status;
  }

  // codes are the errors' extensions.code values (FORBIDDEN, …).
  get codes() {
    return this.errors.map((e) => (e.extensions && e.extensions.code) || '');
  }
}

export function client(endpoint, token) {
  // gql answers {data, errors}: partial data with field errors is normal
  // in GraphQL, and the views decide what to do with each.
  async function gql(query, variables) {
    let res;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
        body: JSON.stringify({ query, variables: variables || {} }),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (e) {
      throw new APIError([{ message: String(e.message || e), extensions: { code: 'NETWORK' } }], 0);
    }
    let body;
    try {
      body = await res.json();
    } catch (e) {
      throw new APIError([{ message: 'HTTP ' + res.status, extensions: { code: 'HTTP_' + res.status } }], res.status);
    }
    if (!body || typeof body !== 'object') {
      throw new APIError([{ message: 'HTTP ' + res.status, extensions: { code: 'HTTP_' + res.status } }], res.status);
    }
    // A refused request (validation, FORBIDDEN on a non-null root field)
    // has null data: the views read the errors.
    return { data: body.data || {}, errors: body.errors || [] };
  }

  // must answers data, or throws the errors when there are any.
  async function must(query, variables) {
    const r = await gql(query, variables);
    if (r.errors.length) throw new APIError(r.errors, 200);
    return r.data;
  }

  // cached is gql, remembered for the page's life: switching language or
  // tab redraws from the answers already read instead of asking again.
  const memo = new Map();
  function cached(query, variables) {
    const key = query + '\u0000' + JSON.stringify(variables || {});
    if (!memo.has(key)) {
      const p = gql(query, variables);
      p.catch(() => memo.delete(key));
      memo.set(key, p);
    }
    return memo.get(key);
  }

  return { gql, must, cached };
}

// missingField tells whether errors say the schema has no such field, the
// way the server words validation errors, so that a view can tell "this
// server has no such feature" from a real failure.
export function missingField(err, field) {
  const errors = err instanceof APIError ? err.errors : err;
  return errors.some((e) => (e.message || '').includes('Cannot query field "' + field + '"'));
}
