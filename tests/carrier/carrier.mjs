// The fake carrier for the tests: a stand-in for Twilio's REST API (the
// part KaiCalls uses) on loopback. It checks and records what it gets,
// answers as Twilio does, and on the test's request sends the callbacks
// Twilio would send, signed as Twilio signs them: with the npm twilio
// package's own helper, so that our verifier is checked against theirs.
//
//   node carrier.mjs PORT [CERT KEY]   (HTTPS when CERT and KEY are given)
//   KC_FAKE_CARRIER_SID, KC_FAKE_CARRIER_TOKEN: the one account it knows
//
// Twilio's API, with HTTP basic auth (401 and code 20003 otherwise):
//   POST /2010-04-01/Accounts/{AccountSid}/Messages.json
//        To, From, Body, StatusCallback?
//   POST /2010-04-01/Accounts/{AccountSid}/Calls.json
//        To, From, Url or Twiml, StatusCallback?, StatusCallbackEvent*
//   201 {"sid":"SM…" or "CA…", "status":"queued", …}, or 4xx
//   {"code", "message", "more_info", "status"}: 21211 a To that is not a
//   phone number, 21610 a number marked unsubscribed, 21614 one marked
//   not mobile, and the others of Twilio's checks.
//   GET  /2010-04-01/Accounts/{AccountSid}/Messages.json?To&From&DateSent>
//        &PageSize&Page, and Calls.json?To&From&StartTime>&PageSize&Page:
//        the account's messages or calls, newest first, filtered as Twilio
//        filters them (DateSent> and StartTime> a day, YYYY-MM-DD, on or
//        after which it was sent or started: never one still queued,
//        whose date_sent or start_time is null), {"messages" or "calls":
//        […], "page_size", "next_page_uri", …}
//
// Control, for the tests. Everything is per number, so that tests running
// at once never see each other's requests or modes.
//   POST /_control/number {"number", "unsubscribed", "not_mobile",
//        "delay_ms", "fail":[{"status", "code", "message", "body",
//        "location", "create", "create_status"}…]}: how requests to
//        number are answered; each "fail" entry answers one request, in
//        order (body: raw text instead of Twilio's JSON error; create: the
//        message or call is created all the same, as when Twilio fails
//        after taking it; create_status: and has moved on to that status
//        since, its callback lost);
//        delay_ms holds each answer (the resource exists meanwhile);
//        list_delay_ms holds each answer to a list To number;
//        list_status (e.g. 500) fails every list To number with it
//   GET  /_log?to=NUMBER {"count", "created", "lists", "inflight_max",
//        "requests":[{method, path, auth ("ok", "missing" or "wrong"),
//        user, content_type, user_agent, params:[[name, value]…], status,
//        answer}…]}: the creates (count), how many of them made a message
//        or call (created), and the list requests To it (lists)
//   POST /_control/status {"sid", "status", "error_code"?,
//        "call_duration"?, "url"?, "sign_with"?, "signature"?}: the status
//        callback of that message or call, to its StatusCallback (or url);
//        a call's only for the events it asked for (409 otherwise)
//   POST /_control/inbound {"from", "to", "body", "url", "extra"?:[[name,
//        value]…], "sign_with"?, "signature"?}: an inbound SMS, as Twilio
//        posts it to a number's SMS URL
//   POST /_control/resend {"n"}: callback n again, byte for byte (as
//        Twilio retries)
//        These three answer {"n", "url", "params", "signature", "status",
//        "content_type", "body"}: what was sent and what came back.
//        sign_with: another token (a forgery); signature: the header
//        exactly ("" sends none).
//   GET  /_callbacks?number=NUMBER {"count", "callbacks":[…]} sent so far
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';

// The twilio package lives with the other third-party checkers.
const require = createRequire(
  new URL('../interop/package.json', import.meta.url));
const { getExpectedTwilioSignature } =
  require('twilio/lib/webhooks/webhooks');

const [port, cert, key] = process.argv.slice(2);
const SID = process.env.KC_FAKE_CARRIER_SID;
const TOKEN = process.env.KC_FAKE_CARRIER_TOKEN;
if (!SID || !TOKEN) {
  console.error('KC_FAKE_CARRIER_SID and KC_FAKE_CARRIER_TOKEN are required');
  process.exit(2);
}
const API = '2010-04-01';
const numbers = new Map(); // number -> {unsubscribed, not_mobile, delay_ms, fail, inflight, inflight_max, log}
const resources = new Map(); // sid -> {kind, params, sequence}
const callbacks = [];

function number(n) {
  if (!numbers.has(n)) {
    numbers.set(n, {fail: [], delay_ms: 0, inflight: 0, inflight_max: 0,
      log: [], created: 0, lists: 0});
  }
  return numbers.get(n);
}

function reply(res, status, obj, headers = {}) {
  res.writeHead(status, {'content-type': 'application/json', ...headers});
  res.end(JSON.stringify(obj));
}

function twilioError(status, code, message) {
  return {code, message, more_info: `https://www.twilio.com/docs/errors/${code}`,
    status};
}

function newSid(prefix) {
  return prefix + crypto.randomBytes(16).toString('hex');
}

function rfc2822(d = new Date()) {
  return d.toUTCString().replace('GMT', '+0000');
}

const E164 = /^\+[1-9][0-9]{1,14}$/;
// Twilio refuses +1 numbers that are not ten NANP digits.
function phoneValid(s) {
  return E164.test(s) && (!s.startsWith('+1') || /^\+1[2-9][0-9]{2}[2-9][0-9]{6}$/.test(s));
}

function urlValid(s) {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch (e) {
    return false;
  }
}

// Twilio's checks of a new message or call, in its order: the first
// failure's status, code and message, or null.
function check(kind, p, mode) {
  const first = (name) => (p.find(([n]) => n === name) || [])[1];
  const to = first('To'), from = first('From');
  const cb = first('StatusCallback');
  if (kind === 'Messages') {
    if (!to) return [400, 21604, "A 'To' phone number is required."];
    if (!phoneValid(to)) return [400, 21211, `The 'To' number ${to} is not a valid phone number.`];
    if (!from) return [400, 21603, "A 'From' phone number is required."];
    if (!phoneValid(from)) return [400, 21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`];
    const body = first('Body');
    if (body === undefined || body === '') return [400, 21602, 'Message body is required.'];
    if ([...body].length > 1600) return [400, 21617, 'The concatenated message body exceeds the 1600 character limit.'];
    if (cb !== undefined && !urlValid(cb)) return [400, 21609, `The StatusCallback URL ${cb} is not a valid URL.`];
    if (mode.not_mobile) return [400, 21614, `'To' number ${to} is not a valid mobile number`];
    if (mode.unsubscribed) return [400, 21610, 'Attempt to send to unsubscribed recipient'];
    return null;
  }
  if (!to) return [400, 21201, "No 'To' number is specified"];
  if (!phoneValid(to)) return [400, 21211, `Invalid 'To' Phone Number: ${to}`];
  if (!from) return [400, 21213, "No 'From' number is specified"];
  if (!phoneValid(from)) return [400, 21212, `Invalid 'From' Phone Number: ${from}`];
  const url = first('Url'), twiml = first('Twiml');
  if (!url && !twiml) return [400, 21205, "A 'Url', 'Twiml' or 'ApplicationSid' parameter is required."];
  if (url && !urlValid(url)) return [400, 21205, `Url is not a valid URL: ${url}`];
  if (cb !== undefined && !urlValid(cb)) return [400, 21609, `The StatusCallback URL ${cb} is not a valid URL.`];
  return null;
}

function created(kind, sid, p) {
  const first = (name) => (p.find(([n]) => n === name) || [])[1];
  const now = rfc2822();
  const uri = `/${API}/Accounts/${SID}/${kind}/${sid}.json`;
  if (kind === 'Messages') {
    return {account_sid: SID, api_version: API, body: first('Body'),
      date_created: now, date_sent: null, date_updated: now,
      direction: 'outbound-api', error_code: null, error_message: null,
      from: first('From'), messaging_service_sid: null, num_media: '0',
      num_segments: '1', price: null, price_unit: 'USD', sid,
      status: 'queued', subresource_uris: {media: uri.replace('.json', '/Media.json')},
      to: first('To'), uri};
  }
  return {account_sid: SID, annotation: null, answered_by: null,
    api_version: API, caller_name: null, date_created: now, date_updated: now,
    direction: 'outbound-api', duration: null, end_time: null,
    forwarded_from: null, from: first('From'), from_formatted: first('From'),
    group_sid: null, parent_call_sid: null, phone_number_sid: null,
    price: null, price_unit: 'USD', sid, start_time: null, status: 'queued',
    subresource_uris: {}, to: first('To'), to_formatted: first('To'), uri};
}

function basicAuth(header) {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header || '');
  if (!m) return null;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? null : [text.slice(0, colon), text.slice(colon + 1)];
}

function api(req, res, raw, kind, account) {
  const ctype = req.headers['content-type'] || '';
  const params = ctype.split(';')[0].trim() === 'application/x-www-form-urlencoded'
    ? [...new URLSearchParams(raw.toString('utf8'))] : [];
  const to = (params.find(([n]) => n === 'To') || [])[1] || '';
  const mode = number(to);
  const creds = basicAuth(req.headers.authorization);
  const entry = {method: req.method, path: new URL(req.url, 'http://x').pathname,
    auth: !creds ? 'missing' : creds[0] === SID && creds[1] === TOKEN &&
      account === SID ? 'ok' : 'wrong',
    user: creds ? creds[0] : null, content_type: ctype || null,
    user_agent: req.headers['user-agent'] || null, params,
    status: null, answer: null};
  mode.log.push(entry);
  mode.inflight++;
  mode.inflight_max = Math.max(mode.inflight_max, mode.inflight);
  let status, body, headers = {};
  const create = () => {
    const sid = newSid(kind === 'Messages' ? 'SM' : 'CA');
    const obj = created(kind, sid, params);
    resources.set(sid, {kind, params, sequence: 0, obj, at: Date.now()});
    mode.created++;
    return obj;
  };
  if (req.method !== 'POST') {
    [status, body] = [405, twilioError(405, 20004, 'Method not allowed')];
  } else if (entry.auth !== 'ok') {
    status = 401;
    body = {...twilioError(401, 20003, 'Authentication Error - invalid username'),
      detail: 'Your AccountSid or AuthToken was incorrect.'};
    headers['www-authenticate'] = 'Basic realm="Twilio API"';
  } else if (mode.fail.length > 0) {
    const f = mode.fail.shift();
    if (f.create && !check(kind, params, mode)) {
      const obj = create();
      // Taken, then moved on at the carrier, its callback lost.
      if (f.create_status) {
        obj.status = f.create_status;
        if (!['queued', 'accepted', 'scheduled', 'sending', 'initiated']
          .includes(f.create_status)) {
          obj[kind === 'Messages' ? 'date_sent' : 'start_time'] = rfc2822();
        }
      }
    }
    status = f.status || 500;
    body = f.body !== undefined ? f.body
      : twilioError(status, f.code || 20500, f.message || 'Internal Server Error');
    if (f.location) headers.location = f.location;
  } else {
    const bad = check(kind, params, mode);
    if (bad) {
      [status, body] = [bad[0], twilioError(bad[0], bad[1], bad[2])];
    } else {
      [status, body] = [201, create()];
    }
  }
  entry.status = status;
  entry.answer = body;
  const send = () => {
    mode.inflight--;
    if (typeof body === 'string') {
      res.writeHead(status, {'content-type': 'text/plain', ...headers});
      res.end(body);
    } else {
      reply(res, status, body, headers);
    }
  };
  if (mode.delay_ms) setTimeout(send, mode.delay_ms);
  else send();
}

// GET Messages.json or Calls.json: the list, filtered and paged as
// Twilio's. DateSent> and StartTime> (a day, YYYY-MM-DD) apply to
// date_sent and start_time, as Twilio's do: a message or call still
// queued has neither, so such a filter never lists it. Newest first by
// creation; next_page_uri (with Page) while there is more.
function list(req, res, kind, account, url) {
  const q = url.searchParams;
  const to = q.get('To'), from = q.get('From');
  const field = kind === 'Messages' ? 'date_sent' : 'start_time';
  const day = q.get(kind === 'Messages' ? 'DateSent>' : 'StartTime>');
  const size = Math.min(Number(q.get('PageSize') || 50), 1000);
  const pageNo = Number(q.get('Page') || 0);
  const creds = basicAuth(req.headers.authorization);
  number(to || '').lists++;
  if (!creds || creds[0] !== SID || creds[1] !== TOKEN || account !== SID) {
    return reply(res, 401, twilioError(401, 20003,
      'Authentication Error - invalid username'));
  }
  const failing = number(to || '').list_status;
  if (failing) {
    return reply(res, failing, twilioError(failing, 20500,
      'Internal Server Error'));
  }
  if (day !== null && !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(day)) {
    return reply(res, 400, twilioError(400, 20001, `Invalid date ${day}`));
  }
  if (!Number.isInteger(pageNo) || pageNo < 0) {
    return reply(res, 400, twilioError(400, 20001, 'Invalid Page'));
  }
  const since = day === null ? 0 : Date.parse(`${day}T00:00:00Z`);
  const all = [...resources.values()].filter((r) => r.kind === kind &&
    (to === null || r.obj.to === to) && (from === null || r.obj.from === from) &&
    (day === null || (r.obj[field] !== null && Date.parse(r.obj[field]) >= since)))
    .sort((a, b) => b.at - a.at);
  const key = kind === 'Messages' ? 'messages' : 'calls';
  const uri = `/${API}/Accounts/${SID}/${kind}.json`;
  const keep = new URLSearchParams();
  if (to !== null) keep.set('To', to);
  if (from !== null) keep.set('From', from);
  if (day !== null) keep.set(kind === 'Messages' ? 'DateSent>' : 'StartTime>', day);
  keep.set('PageSize', String(size));
  const at = (n) => { keep.set('Page', String(n)); return `${uri}?${keep}`; };
  const start = pageNo * size;
  const rows = all.slice(start, start + size);
  const answer = () => reply(res, 200, {[key]: rows.map((r) => r.obj), end: start + rows.length - 1,
    first_page_uri: at(0),
    next_page_uri: all.length > start + size ? at(pageNo + 1) : null,
    page: pageNo, page_size: size,
    previous_page_uri: pageNo > 0 ? at(pageNo - 1) : null, start, uri});
  const delay = number(to || '').list_delay_ms;
  if (delay) setTimeout(answer, delay);
  else answer();
}

// POSTs body to url; resolves to {status, content_type, body}, or
// {error} when no answer came.
function post(url, body, headers) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.request(u, {method: 'POST', headers: {...headers,
      'content-length': Buffer.byteLength(body)}, timeout: 20000}, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({status: res.statusCode,
        content_type: res.headers['content-type'] || null,
        body: Buffer.concat(chunks).toString('utf8')}));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({error: String(e)}));
    req.end(body);
  });
}

// Sends a callback as Twilio does: the parameters form-encoded, signed over
// the URL and the sorted parameters with the account's auth token.
async function sendCallback(url, params, opts, number) {
  const obj = {};
  for (const [n, v] of params) {
    if (n in obj) obj[n] = [].concat(obj[n], v);
    else obj[n] = v;
  }
  const signature = opts.signature !== undefined ? opts.signature
    : getExpectedTwilioSignature(opts.sign_with || TOKEN, url, obj);
  const cb = {n: callbacks.length, number, url, params, signature,
    body_text: new URLSearchParams(params).toString(),
    idempotency: crypto.randomUUID()};
  callbacks.push(cb);
  return deliver(cb);
}

async function deliver(cb) {
  const headers = {'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'TwilioProxy/1.1', accept: '*/*',
    'i-twilio-idempotency-token': cb.idempotency};
  if (cb.signature !== '') headers['x-twilio-signature'] = cb.signature;
  const got = await post(cb.url, cb.body_text, headers);
  cb.status = got.status || null;
  return {n: cb.n, url: cb.url, params: cb.params, signature: cb.signature,
    ...got};
}

// Which StatusCallbackEvent a call status belongs to.
const CALL_EVENT = {queued: 'initiated', initiated: 'initiated',
  ringing: 'ringing', 'in-progress': 'answered', completed: 'completed',
  busy: 'completed', failed: 'completed', 'no-answer': 'completed',
  canceled: 'completed'};

async function statusCallback(res, o) {
  const r = resources.get(o.sid);
  if (!r) return reply(res, 404, {error: `no message or call ${o.sid}`});
  r.obj.status = o.status;
  // As Twilio's: a message is dated sent, a call started, once it has
  // left the carrier's queue.
  if (r.kind === 'Messages' && r.obj.date_sent === null &&
      !['queued', 'accepted', 'scheduled', 'sending'].includes(o.status)) {
    r.obj.date_sent = rfc2822();
  }
  if (r.kind === 'Calls' && r.obj.start_time === null &&
      !['queued', 'initiated'].includes(o.status)) {
    r.obj.start_time = rfc2822();
  }
  const first = (name) => (r.params.find(([n]) => n === name) || [])[1];
  const url = o.url || first('StatusCallback');
  if (!url) return reply(res, 409, {error: 'no StatusCallback'});
  const base = [['AccountSid', SID], ['ApiVersion', API]];
  let params;
  if (r.kind === 'Messages') {
    params = [...base, ['From', first('From')], ['MessageSid', o.sid],
      ['MessageStatus', o.status], ['SmsSid', o.sid],
      ['SmsStatus', o.status], ['To', first('To')]];
    if (o.error_code) params.push(['ErrorCode', String(o.error_code)]);
  } else {
    const asked = r.params.filter(([n]) => n === 'StatusCallbackEvent')
      .map(([, v]) => v);
    const event = CALL_EVENT[o.status];
    if (!event) return reply(res, 400, {error: `no call status ${o.status}`});
    if (!(asked.length ? asked : ['completed']).includes(event)) {
      return reply(res, 409, {error: `the call did not ask for ${event} events`});
    }
    params = [...base, ['CallSid', o.sid], ['CallStatus', o.status],
      ['Called', first('To')], ['Caller', first('From')],
      ['CallbackSource', 'call-progress-events'],
      ['Direction', 'outbound-api'], ['From', first('From')],
      ['SequenceNumber', String(r.sequence++)],
      ['Timestamp', rfc2822()], ['To', first('To')]];
    if (o.call_duration !== undefined) {
      params.push(['CallDuration', String(o.call_duration)],
        ['Duration', String(Math.ceil(o.call_duration / 60))]);
    }
  }
  reply(res, 200, await sendCallback(url, params, o, first('To')));
}

async function inbound(res, o) {
  if (!o.url || !o.from || !o.to || o.body === undefined) {
    return reply(res, 400, {error: 'url, from, to and body are required'});
  }
  const sid = newSid('SM');
  const params = [['AccountSid', SID], ['ApiVersion', API], ['Body', o.body],
    ['From', o.from], ['FromCity', ''], ['FromCountry', 'US'],
    ['FromState', ''], ['FromZip', ''], ['MessageSid', sid],
    ['NumMedia', '0'], ['NumSegments', '1'], ['SmsMessageSid', sid],
    ['SmsSid', sid], ['SmsStatus', 'received'], ['To', o.to],
    ['ToCity', ''], ['ToCountry', 'US'], ['ToState', ''], ['ToZip', ''],
    ...(o.extra || [])];
  reply(res, 200, await sendCallback(o.url, params, o, o.from));
}

function control(req, res, raw, path, url) {
  if (req.method === 'GET' && path === '/_log') {
    const m = number(url.searchParams.get('to') || '');
    return reply(res, 200, {count: m.log.length, created: m.created,
      lists: m.lists, inflight_max: m.inflight_max, requests: m.log});
  }
  if (req.method === 'GET' && path === '/_callbacks') {
    const n = url.searchParams.get('number');
    const l = callbacks.filter((c) => n === null || c.number === n);
    return reply(res, 200, {count: l.length, callbacks: l});
  }
  if (req.method === 'GET' && path === '/_stats') {
    return reply(res, 200, {numbers: numbers.size, callbacks: callbacks.length});
  }
  if (req.method !== 'POST') return reply(res, 405, {error: 'POST only'});
  const o = JSON.parse(raw.toString('utf8') || '{}');
  if (path === '/_control/number') {
    if (!o.number) return reply(res, 400, {error: 'number is required'});
    const m = number(o.number);
    for (const k of ['unsubscribed', 'not_mobile', 'delay_ms', 'list_delay_ms',
      'list_status']) {
      if (o[k] !== undefined) m[k] = o[k];
    }
    if (o.fail) m.fail.push(...o.fail);
    return reply(res, 200, {ok: true});
  }
  if (path === '/_control/status') return statusCallback(res, o);
  if (path === '/_control/inbound') return inbound(res, o);
  if (path === '/_control/resend') {
    const cb = callbacks[o.n];
    if (!cb) return reply(res, 404, {error: `no callback ${o.n}`});
    return deliver(cb).then((r) => reply(res, 200, r));
  }
  return reply(res, 404, {error: `no control ${path}`});
}

function onRequest(req, res) {
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size <= 1 << 20) chunks.push(c);
  });
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url, 'http://x');
    const path = url.pathname;
    try {
      if (size > 1 << 20) return reply(res, 413, twilioError(413, 20413, 'Request too large'));
      const m = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/.exec(path);
      if (m && req.method === 'GET') return list(req, res, m[2], m[1], url);
      if (m) return api(req, res, raw, m[2], m[1]);
      if (path.startsWith('/_')) {
        return Promise.resolve(control(req, res, raw, path, url)).catch(
          (e) => reply(res, 500, {error: String(e)}));
      }
      reply(res, 404, twilioError(404, 20404, `The requested resource ${path} was not found`));
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
  console.log(`fake carrier listening on ${cert ? 'https' : 'http'}://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
