// A webhook receiver for the tests and benchmarks: it stands in for a
// customer's endpoint. Real HTTP(S) on loopback; what each path answers is
// set through /_mode, and what each path received is read from /_log.
//
//   node receiver.mjs PORT [CERT KEY]   (HTTPS when CERT and KEY are given)
//
//   POST /_mode/<path>  {"status":500, "retry_after":"120", "delay_ms":0,
//                        "body_bytes":0, "body_hex":null, "location":null}
//   GET  /_log/<path>   {"count":N, "max_concurrent":M, "requests":[{id,
//                        timestamp, signature, twilio_signature, user_agent,
//                        content_type, latency_ms, received_ms}...]}; with ?bodies=1 each
//                        also has body (as UTF-8 text) and body_b64 (the
//                        bytes exactly as received, base64). max_concurrent:
//                        the most requests of the path open at once (from
//                        arrival to the answer, or to the sender hanging up)
//   GET  /_stats        {"count":N} over every path
//   any other POST      recorded under its path, answered as its mode says
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const [port, cert, key] = process.argv.slice(2);
const modes = new Map();
const logs = new Map();
const open = new Map(); // path -> {now, max}
let total = 0;

function reply(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, {'content-type': 'application/json'});
  res.end(body);
}

function handle(req, res, raw) {
  const body = raw.toString('utf8');
  const url = new URL(req.url, 'http://x');
  const path = url.pathname;
  if (path.startsWith('/_mode/') && req.method === 'POST') {
    modes.set(path.slice(6), JSON.parse(body || '{}'));
    return reply(res, 200, {ok: true});
  }
  if (path.startsWith('/_log/') && req.method === 'GET') {
    const l = logs.get(path.slice(5)) || [];
    const full = url.searchParams.get('bodies') === '1';
    return reply(res, 200, {
      count: l.length,
      max_concurrent: (open.get(path.slice(5)) || {max: 0}).max,
      requests: l.map((r) =>
        full ? r : {...r, body: undefined, body_b64: undefined}),
    });
  }
  if (path === '/_stats') return reply(res, 200, {count: total});
  if (req.method !== 'POST') return reply(res, 405, {error: 'POST only'});

  let latency = null;
  try {
    latency = Date.now() - Date.parse(JSON.parse(body).created_at);
  } catch (e) { /* not an event: still recorded */ }
  if (!logs.has(path)) logs.set(path, []);
  if (!open.has(path)) open.set(path, {now: 0, max: 0});
  const o = open.get(path);
  o.now++;
  if (o.now > o.max) o.max = o.now;
  let closed = false;
  const done = () => {
    if (!closed) {
      closed = true;
      o.now--;
    }
  };
  res.on('finish', done);
  res.on('close', done);
  logs.get(path).push({
    id: req.headers['webhook-id'] || null,
    timestamp: req.headers['webhook-timestamp'] || null,
    signature: req.headers['webhook-signature'] || null,
    // The fake carrier's callbacks (tests/carrier) land here too.
    twilio_signature: req.headers['x-twilio-signature'] || null,
    user_agent: req.headers['user-agent'] || null,
    content_type: req.headers['content-type'] || null,
    latency_ms: latency,
    received_ms: Date.now(),
    body,
    // Signatures are over bytes: a checker must see exactly these, not a
    // decoded and re-encoded copy.
    body_b64: raw.toString('base64'),
  });
  total++;
  const m = modes.get(path) || {};
  const send = () => {
    const h = {'content-type': 'text/plain'};
    if (m.retry_after !== undefined) h['retry-after'] = String(m.retry_after);
    if (m.location) h['location'] = m.location;
    res.writeHead(m.status || 200, h);
    if (m.body_hex) res.end(Buffer.from(m.body_hex, 'hex'));
    else res.end(m.body_bytes ? 'x'.repeat(m.body_bytes) : 'ok');
  };
  if (m.delay_ms) setTimeout(send, m.delay_ms);
  else send();
}

function onRequest(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      handle(req, res, Buffer.concat(chunks));
    } catch (e) {
      reply(res, 400, {error: String(e)});
    }
  });
}

const server = cert
  ? https.createServer({cert: fs.readFileSync(cert), key: fs.readFileSync(key)},
      onRequest)
  : http.createServer(onRequest);
server.keepAliveTimeout = 60000;
server.listen(Number(port), '127.0.0.1', () => {
  console.log(`receiver listening on ${cert ? 'https' : 'http'}://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
