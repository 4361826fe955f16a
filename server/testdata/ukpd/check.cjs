// Drives ukpd, a public data.police.uk client, against a crimemap server
// and prints what the client parsed, one JSON object per call:
// {"call", "url", "status", "value"}, or {"call", "error"} when it threw.
//
// ukpd has no base-URL option: it fetches https://data.police.uk/api...
// through isomorphic-fetch. The client's own fetch is kept and only the
// origin is swapped for the server's, so requests go out exactly as the
// client builds them (query strings, headers, gzip).
//
// usage: node check.cjs BASE_URL CALLS_JSON
// CALLS_JSON is a list of [method, ...args].
'use strict';

const upstream = 'https://data.police.uk/api';
const [base, callsJSON] = process.argv.slice(2);
if (!base || !callsJSON) {
  console.error('usage: node check.cjs BASE_URL CALLS_JSON');
  process.exit(2);
}

const realFetch = require('isomorphic-fetch');
let last = null;
require.cache[require.resolve('isomorphic-fetch')].exports = async (url, opts) => {
  if (!url.startsWith(upstream)) throw new Error(`unexpected URL ${url}`);
  const res = await realFetch(base.replace(/\/$/, '') + '/api' + url.slice(upstream.length), opts);
  last = { url: url.slice(upstream.length), status: res.status };
  return res;
};
const UKPD = require('ukpd');

(async () => {
  for (const [method, ...args] of JSON.parse(callsJSON)) {
    const call = `${method}(${args.map((a) => JSON.stringify(a)).join(', ')})`;
    last = null;
    try {
      const value = await UKPD[method](...args);
      console.log(JSON.stringify({ call, url: last && last.url, status: last && last.status, value }));
    } catch (err) {
      console.log(JSON.stringify({ call, url: last && last.url, status: last && last.status, error: String(err) }));
    }
  }
})();
