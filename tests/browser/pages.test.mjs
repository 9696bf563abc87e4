// The dashboard's pages of the business's day and its rules: calls (a
// transcript full of markup shows as text and runs nothing), leads and
// follow-ups, consent and the do-not-call list (changed here, audited as
// the user's, obeyed by the API and by the outbound worker against the
// fake carrier), outbound actions with their block reasons, and the
// routing editor (a bad routing refused with its reason, a good one saved).
// A viewer is offered none of the forms, and its forged POSTs change
// nothing. axe-core runs on every page, and every page is photographed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  apiCall, check, csrfOf, dbValue, env, kcctl, launch, newBusiness, newUser, openPage,
  post, rand, signIn,
} from './lib.mjs';

const XSS = '"><img src=x onerror=alert(1)><script>alert(2)</script>';
const LINES = [
  ['agent', 'Thanks for calling. How can I help?'],
  ['caller', `<script>alert("transcript")</script> I need a plumber`],
  ['caller', `it's at 5 "Main" St ${XSS}`],
  ['agent', '</li></ol><b>not bold</b> & that is all'],
];

let browser, page, dialogs, biz, owner, key, from, agent, callId, leadId;

before(async () => {
  browser = await launch();
  biz = await newBusiness('Browser Pages');
  owner = await newUser(biz, 'owner');
  key = (await kcctl(['key', 'create', '--business', biz, '--name', 'setup', '--scopes', '*'])).key;
  from = phone(212);
  await kcctl(['number', 'add', '--business', biz, from, '--label', 'front desk']);
  agent = (await api('GET', '/v1/agent')).body.id;
  ({ page, dialogs } = await openPage(browser));
  await signIn(page, owner);
});

after(async () => {
  await browser?.close();
});

// The API with the setup key: {status, body}; ok() insists on success.
const api = (method, p, body) => apiCall(key, method, p, body);

async function ok(method, p, body) {
  const r = await api(method, p, body);
  assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// A random number in area code npa that a call or text may go to
// (exchange 2-9, not an N11 such as 911).
// A UK mobile number: another country's, judged in the zone a request
// names (middayZone()) alone, where a +1 number's area code would have
// the last word on the calling hours whatever the zone given.
function ukPhone() {
  return `+447700${String(Math.floor(Math.random() * 1000000)).padStart(6, '0')}`;
}

function phone(npa) {
  for (;;) {
    const ex = 200 + Math.floor(Math.random() * 800);
    if (ex % 100 === 11) continue;
    return `+1${npa}${ex}${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}`;
  }
}

// A zone of the tz database where it is between 10:00 and 19:00 now, so
// that the calling-hours check lets a text through whatever the hour.
function middayZone() {
  for (let off = -12; off <= 14; off++) {
    const zone = off <= 0 ? `Etc/GMT+${-off}` : `Etc/GMT-${off}`;
    const h = Number(new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' })
      .format(new Date()));
    if (h >= 10 && h < 19) return zone;
  }
  throw new Error('no zone is at mid-day now');
}

// The audit rows of the business by the owner (as the API reads them).
async function auditBy(user, action) {
  const r = await ok('GET', `/v1/audit-log?limit=100&action=${action}`);
  return r.data.filter((e) => e.actor.type === 'user' && e.actor.id === user.id);
}

async function rowCount(p) {
  await page.goto(`${env.url}${p}`);
  return page.locator('tbody tr').count();
}

test('calls: the list and its filters, and a transcript full of markup shown as text', async () => {
  const now = Date.now();
  const c = await ok('POST', '/v1/calls', {
    direction: 'inbound', from: phone(415), to: from, agent_id: agent,
    started_at: new Date(now - 120000).toISOString(),
  });
  callId = c.id;
  await ok('POST', `/v1/calls/${callId}/end`, {
    ended_at: new Date(now).toISOString(), duration_seconds: 125, outcome: 'lead_captured',
    summary: `Wants a plumber. ${XSS}`,
    transcript: LINES.map(([speaker, text], i) => ({ speaker, text, offset_seconds: i * 7 })),
    recording_url: `https://recordings.example.com/${callId}.mp3`,
  });
  // A second call, still going.
  await ok('POST', '/v1/calls', {
    direction: 'outbound', from, to: phone(415), started_at: new Date(now - 5000).toISOString(),
  });
  assert.equal(await rowCount('/app/calls'), 2);
  await check(page, 'calls');
  assert.equal(await rowCount('/app/calls?status=ended'), 1);
  assert.equal(await rowCount('/app/calls?status=in_progress'), 1);
  assert.equal(await rowCount('/app/calls?since=2099-01-01T00:00'), 0);
  assert.equal((await page.goto(`${env.url}/app/calls?status=nonsense`)).status(), 400);

  await page.goto(`${env.url}/app/calls?status=ended`);
  await page.locator(`a[href="/app/calls/${callId}"]`).click();
  await page.waitForURL(new RegExp(`/app/calls/${callId}$`));
  // Every line as it was said, markup and all, as text.
  const said = await page.locator('#transcript .said').allInnerTexts();
  assert.deepEqual(said, LINES.map(([, t]) => t));
  assert.deepEqual(await page.locator('#transcript .speaker').allTextContents(),
    LINES.map(([s]) => s));
  assert.equal(await page.locator('#call-summary').innerText(), `Wants a plumber. ${XSS}`);
  // Nothing of it became an element, and no script of it ran.
  assert.equal(await page.locator('main img').count(), 0);
  assert.equal(await page.locator('main b').count(), 0);
  assert.equal(await page.locator('script').count(), 1, 'only our own script');
  assert.equal(await page.locator('#transcript > li').count(), LINES.length);
  assert.equal(await page.locator('#call-recording a').getAttribute('href'),
    `https://recordings.example.com/${callId}.mp3`);
  assert.match(await page.locator('main').innerText(), /2 min 5 s/);
  assert.deepEqual(dialogs, []);
  await check(page, 'call');
  // The same bytes the API holds, escaped in the page's source.
  const html = await page.content();
  assert.ok(!html.includes('<script>alert'), 'raw markup in the page');
  assert.equal((await page.goto(`${env.url}/app/calls/call_nosuchcall0000000000`)).status(), 404);
});

test('leads and follow-ups: lists, filters, and a lead with its follow-ups', async () => {
  const lead = await ok('POST', '/v1/leads', {
    call_id: callId, name: `Pat ${XSS}`, phone: phone(415), email: 'pat@example.com',
    intent: 'booking', notes: `Prefers mornings.\n${XSS}`,
  });
  leadId = lead.id;
  await ok('POST', '/v1/leads', { name: 'Other Lead', phone: phone(415), intent: 'question' });
  const fu = await ok('POST', '/v1/follow-ups', {
    lead_id: leadId, kind: 'callback', due_at: new Date(Date.now() + 86400000).toISOString(),
    notes: `Call back <b>before noon</b>`,
  });
  const done = await ok('POST', '/v1/follow-ups', {
    lead_id: leadId, kind: 'task', due_at: new Date(Date.now() + 3600000).toISOString(),
  });
  await ok('POST', `/v1/follow-ups/${done.id}/complete`, {});

  assert.equal(await rowCount('/app/leads'), 2);
  assert.ok((await page.locator('tbody').innerText()).includes(`Pat ${XSS}`));
  await check(page, 'leads');
  assert.equal(await rowCount('/app/leads?since=2099-01-01T00:00'), 0);
  await page.goto(`${env.url}/app/leads`);
  await page.getByRole('link', { name: `Pat ${XSS}` }).click();
  await page.waitForURL(new RegExp(`/app/leads/${leadId}$`));
  assert.equal(await page.locator('#lead-notes').innerText(), `Prefers mornings.\n${XSS}`);
  assert.equal(await page.locator('main img').count(), 0);
  assert.equal(await page.locator('main b').count(), 0);
  // Its follow-ups, and the call it came from.
  assert.equal(await page.locator('tbody tr').count(), 2);
  assert.ok((await page.locator('tbody').innerText()).includes('Call back <b>before noon</b>'));
  assert.equal(await page.locator(`a[href="/app/calls/${callId}"]`).count(), 1);
  await check(page, 'lead');

  assert.equal(await rowCount('/app/follow-ups'), 2);
  await check(page, 'followups');
  assert.equal(await rowCount('/app/follow-ups?status=open'), 1);
  assert.ok((await page.locator('tbody').innerText()).includes(fu.id));
  assert.equal(await rowCount('/app/follow-ups?status=completed'), 1);
  assert.ok((await page.locator('tbody').innerText()).includes(done.id));
  // One lead's, as the API filters them.
  const other = await ok('GET', '/v1/leads?limit=100');
  const otherId = other.data.find((l) => l.id !== leadId).id;
  assert.equal(await rowCount(`/app/follow-ups?lead=${otherId}`), 0);
  assert.equal(await rowCount(`/app/follow-ups?lead=${leadId}&status=open`), 1);
  const viaApi = await ok('GET', `/v1/follow-ups?lead=${leadId}`);
  assert.deepEqual(viaApi.data.map((f) => f.id).sort(), [fu.id, done.id].sort());
  assert.equal((await api('GET', '/v1/follow-ups?lead=nonsense')).status, 400);
  assert.deepEqual(dialogs, []);
});

test('a consent is recorded and revoked in the dashboard, as the API would, with the user as actor', async () => {
  const to = phone(646);
  await page.goto(`${env.url}/app/consents`);
  await check(page, 'consents');
  // Not a number: refused, with the reason, and what was typed kept.
  await page.getByLabel('Number').last().fill('call me maybe');
  await page.getByLabel('Where it came from').fill('web form');
  await page.getByRole('button', { name: 'Record the consent' }).click();
  assert.match(await page.locator('main .error').innerText(), /not a phone number/);
  assert.equal(await page.getByLabel('Where it came from').inputValue(), 'web form');
  assert.equal((await ok('GET', '/v1/consents?limit=100')).data.length, 0);
  await check(page, 'consent-error');
  // As people write numbers.
  const spaced = `(${to.slice(2, 5)}) ${to.slice(5, 8)}-${to.slice(8)}`;
  await page.getByLabel('Number').last().fill(spaced);
  await page.getByLabel('Channel').last().selectOption('sms');
  await page.getByLabel('Evidence (optional)').fill(`checkbox ticked ${XSS}`);
  await page.getByRole('button', { name: 'Record the consent' }).click();
  await page.waitForURL(/\/app\/consents\?done=granted$/);
  const list = (await ok('GET', `/v1/consents?phone=${encodeURIComponent(to)}`)).data;
  assert.equal(list.length, 1);
  assert.equal(list[0].channel, 'sms');
  assert.equal(list[0].status, 'active');
  assert.equal(list[0].evidence, `checkbox ticked ${XSS}`);
  // Search by number, as typed.
  await page.goto(`${env.url}/app/consents?phone=${encodeURIComponent(spaced)}`);
  assert.equal(await page.locator('tbody tr').count(), 1);
  assert.equal(await page.locator('main img').count(), 0);
  await page.getByRole('button', { name: 'Revoke' }).click();
  await page.waitForURL(/done=revoked$/);
  assert.equal((await ok('GET', `/v1/consents/${list[0].id}`)).status, 'revoked');
  // The API's audit rows and events, with the user as actor.
  assert.equal((await auditBy(owner, 'consent.granted')).length, 1);
  const revoked = await auditBy(owner, 'consent.revoked');
  assert.deepEqual(revoked.map((e) => e.target.id), [list[0].id]);
  const events = (await ok('GET', '/v1/events?type=consent.revoked')).data;
  assert.equal(events.length, 1);
});

test('a number put on the DNC list in the dashboard is refused by the API and by the worker', async () => {
  const to = ukPhone();
  const zone = middayZone();
  const sms = { to, from, body: 'Your plumber is on the way.', purpose: 'informational', timezone: zone };
  await ok('POST', '/v1/consents', {
    phone: to, channel: 'sms', kind: 'written', source: 'test', captured_at: new Date(Date.now() - 60000).toISOString(),
  });
  await ok('POST', '/v1/consents', {
    phone: to, channel: 'voice', kind: 'written', source: 'test', captured_at: new Date(Date.now() - 60000).toISOString(),
  });
  // Before: a text is queued (and, the worker not having run, not sent).
  const queued = await api('POST', '/v1/messages', sms);
  assert.equal(queued.status, 202, JSON.stringify(queued.body));

  await page.goto(`${env.url}/app/dnc`);
  assert.match(await page.locator('#registry-status').innerText(), /Not loaded|current since/);
  await check(page, 'dnc');
  await page.getByLabel('Number').last().fill(to);
  await page.getByLabel('Reason').selectOption('customer_request');
  await page.getByRole('button', { name: 'Add to the list' }).click();
  await page.waitForURL(/\/app\/dnc\?done=added$/);
  assert.equal(await page.getByRole('row', { name: new RegExp(`\\${to}`) }).count(), 1);
  const [entry] = (await ok('GET', `/v1/dnc?phone=${encodeURIComponent(to)}`)).data;
  assert.deepEqual(entry.channels.sort(), ['sms', 'voice']);
  assert.deepEqual((await auditBy(owner, 'dnc.added')).map((e) => e.target.id), [entry.id]);

  // After: the API refuses a text and a call, and keeps them as blocked.
  const refused = await api('POST', '/v1/messages', sms);
  assert.equal(refused.status, 422);
  assert.equal(refused.body.code, 'number_on_dnc');
  const call = await api('POST', '/v1/outbound-calls', {
    to, from, agent_id: agent, purpose: 'informational', timezone: zone,
  });
  assert.equal(call.status, 422);
  assert.equal(call.body.code, 'number_on_dnc');
  // The worker, at send time, blocks the text queued before, and the
  // carrier never hears of the number.
  await kcctl(['outbound', '--business', biz]);
  const m = await ok('GET', `/v1/messages/${queued.body.id}`);
  assert.equal(m.status, 'blocked');
  assert.equal(m.blocked.code, 'number_on_dnc');
  assert.equal(m.blocked.stage, 'send');
  const log = await (await fetch(`${env.carrier}/_log?to=${encodeURIComponent(to)}`)).json();
  assert.equal(log.count, 0, 'the carrier got a request for a number on the DNC list');

  // The Outbound pages say so.
  await page.goto(`${env.url}/app/outbound?kind=messages`);
  await check(page, 'outbound-messages');
  const rows = page.locator('tbody tr');
  assert.equal(await rows.count(), 2);
  for (const text of await rows.allInnerTexts()) assert.match(text, /number_on_dnc/);
  assert.match(await rows.first().innerText(), /when it was asked for/);
  assert.match(await rows.last().innerText(), /when it was to be sent/);
  await page.goto(`${env.url}/app/outbound`);
  assert.equal(await page.locator('tbody tr').count(), 1);
  assert.match(await page.locator('tbody').innerText(), /number_on_dnc/);
  await check(page, 'outbound');
  assert.equal(await rowCount(`/app/outbound?kind=messages&status=queued`), 0);
  assert.equal(await rowCount(`/app/outbound?kind=messages&to=${encodeURIComponent(to)}`), 2);

  // Off the list again: the API lets a text through once more.
  await page.goto(`${env.url}/app/dnc?phone=${encodeURIComponent(to)}`);
  await page.getByRole('button', { name: 'Remove' }).click();
  await page.waitForURL(/done=removed$/);
  assert.equal((await ok('GET', `/v1/dnc/${entry.id}`)).status, 'removed');
  assert.equal((await api('POST', '/v1/messages', sms)).status, 202);
  assert.equal((await auditBy(owner, 'dnc.removed')).length, 1);
});

test('the routing editor: a bad routing is refused with its reason, a good one saved and audited', async () => {
  const before = (await ok('GET', '/v1/agent')).routing;
  await page.goto(`${env.url}/app/agent`);
  await check(page, 'agent');
  assert.ok((await page.locator('main').innerText()).includes(from));
  const editor = page.getByLabel('The routing, as JSON');
  assert.deepEqual(JSON.parse(await editor.inputValue()), before);
  const save = () => page.getByRole('button', { name: 'Save the routing' }).click();

  // Not JSON: where it broke.
  await editor.fill('{"mode": "ai_only",');
  await save();
  assert.match(await page.locator('#routing-error').innerText(), /line \d+/);
  assert.equal(await editor.inputValue(), '{"mode": "ai_only",', 'what was typed is kept');
  // JSON, but not a routing the API would take: the API's reason.
  const bad = { ...before, mode: 'ring_first' };
  delete bad.ring_first;
  await editor.fill(JSON.stringify(bad));
  await save();
  assert.match(await page.locator('#routing-error').innerText(), /ring_first/);
  await check(page, 'agent-routing-error');
  const viaApi = await api('PATCH', '/v1/agent/routing', { mode: 'ring_first', ring_first: null });
  assert.equal(viaApi.status, 422);
  assert.deepEqual((await ok('GET', '/v1/agent')).routing, before, 'a refused routing changed it');

  // A good one, with markup in a prompt: saved, shown, and as text.
  const good = {
    mode: 'ivr_menu', fallback_agent_id: agent,
    ivr_menu: {
      prompt: `Press 1 for bookings ${XSS}`, timeout_seconds: 10,
      options: [{ digit: '1', destination: 'agent' }, { digit: '0', destination: 'voicemail' }],
    },
    voicemail: { greeting: 'Please leave a message.' },
  };
  await editor.fill(JSON.stringify(good, null, 2));
  await save();
  await page.waitForURL(/\/app\/agent\?done=routing$/);
  assert.equal(await page.locator('#routing-mode').innerText(), 'ivr_menu');
  assert.ok((await page.locator('main').innerText()).includes(`Press 1 for bookings ${XSS}`));
  assert.equal(await page.locator('main img').count(), 0);
  assert.deepEqual(dialogs, []);
  const after = (await ok('GET', '/v1/agent')).routing;
  assert.equal(after.mode, 'ivr_menu');
  assert.equal(after.ring_first, undefined, 'a section left out is removed');
  const rows = await auditBy(owner, 'agent.routing.updated');
  assert.equal(rows.length, 1);
  await check(page, 'agent-saved');
});

test('a viewer sees the pages but no form, and its forged POSTs change nothing', async () => {
  const viewer = await newUser(biz, 'viewer');
  const v = await openPage(browser);
  await signIn(v.page, viewer);
  const consent = (await ok('GET', '/v1/consents?limit=1')).data[0];
  const to = phone(646);
  const dnc = await ok('POST', '/v1/dnc', { phone: to, channels: ['voice'], reason: 'complaint' });
  const pages = ['/app/calls', `/app/calls/${callId}`, '/app/leads', `/app/leads/${leadId}`,
    '/app/follow-ups', '/app/consents', '/app/dnc', '/app/outbound', '/app/outbound?kind=messages',
    '/app/agent'];
  for (const p of pages) {
    const r = await v.page.goto(`${env.url}${p}`);
    assert.equal(r.status(), 200, p);
    const forms = await v.page.locator('form[method="post"]').evaluateAll(
      (fs) => fs.map((f) => f.getAttribute('action')));
    assert.deepEqual(forms.filter((a) => !a.startsWith('/app/sign-out')), [], `${p} offers ${forms}`);
    assert.equal(await v.page.locator('main button').filter({ hasText: /Revoke|Remove|Save|Record|Add/ }).count(), 0, p);
  }
  await v.page.goto(`${env.url}/app/dnc`);
  await check(v.page, 'viewer-dnc');
  await v.page.goto(`${env.url}/app/agent`);
  assert.equal(await v.page.locator('textarea').count(), 0);
  await check(v.page, 'viewer-agent');
  const csrf = await csrfOf(v.page);
  const routing = (await ok('GET', '/v1/agent')).routing;
  const counts = async () => [
    (await ok('GET', '/v1/consents?limit=100')).data.map((c) => c.status).join(),
    (await ok('GET', '/v1/dnc?limit=100')).data.map((d) => d.status).join(),
  ];
  const before = await counts();
  const forged = [
    ['/app/consents', { phone: phone(646), channel: 'sms', kind: 'express', source: 'forged', captured_at: '2026-01-01T10:00' }],
    [`/app/consents/${consent.id}/revoke`, {}],
    ['/app/dnc', { phone: phone(646), channels: 'voice', reason: 'complaint' }],
    [`/app/dnc/${dnc.id}/remove`, {}],
    ['/app/agent/routing', { routing: JSON.stringify({ mode: 'voicemail_only', fallback_agent_id: agent, voicemail: { greeting: 'x' } }) }],
  ];
  for (const [p, fields] of forged) {
    const r = await post(v.page, p, { csrf, ...fields });
    assert.equal(r.status(), 403, p);
  }
  assert.deepEqual(await counts(), before);
  assert.deepEqual((await ok('GET', '/v1/agent')).routing, routing);
  const log = (await ok('GET', '/v1/audit-log?limit=100')).data.filter((e) => e.actor.id === viewer.id);
  assert.deepEqual(log.map((e) => e.action), ['user.signed_in']);
  await v.ctx.close();
});

test('the owner\'s forms need their CSRF token too', async () => {
  const to = phone(646);
  const before = (await ok('GET', '/v1/dnc?limit=100')).data.length;
  let r = await post(page, '/app/dnc', { phone: to, channels: 'voice', reason: 'complaint' });
  assert.equal(r.status(), 403);
  r = await post(page, '/app/agent/routing', { routing: '{}' });
  assert.equal(r.status(), 403);
  assert.equal((await ok('GET', '/v1/dnc?limit=100')).data.length, before);
  // With it, the same POST works: the refusal was the token's.
  await page.goto(`${env.url}/app/dnc`);
  r = await post(page, '/app/dnc', { csrf: await csrfOf(page), phone: to, channels: 'voice', reason: 'complaint' });
  assert.equal(r.status(), 303);
  assert.equal((await ok('GET', '/v1/dnc?limit=100')).data.length, before + 1);
});

test('readable on a phone: the new pages fit the screen but their tables, which scroll', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await ctx.addCookies(await page.context().cookies());
  const p = await ctx.newPage();
  for (const [path, name] of [[`/app/calls/${callId}`, 'phone-call'], ['/app/dnc', 'phone-dnc'],
    ['/app/outbound?kind=messages', 'phone-outbound'], ['/app/agent', 'phone-agent']]) {
    await p.goto(`${env.url}${path}`);
    const [scroll, client] = await p.evaluate(() => [document.documentElement.scrollWidth,
      document.documentElement.clientWidth]);
    assert.ok(scroll <= client, `${path} is ${scroll} px wide on a ${client} px screen`);
    await check(p, name);
  }
  await ctx.close();
});

test('follow-ups of a lead that is no one\'s: an empty list, as the API answers', async () => {
  const nobody = `lead_${rand(10)}`;
  const r = await page.goto(`${env.url}/app/follow-ups?lead=${nobody}`);
  assert.equal(r.status(), 200);
  assert.equal(await page.locator('tbody tr').count(), 0);
  assert.deepEqual((await ok('GET', `/v1/follow-ups?lead=${nobody}`)).data, []);
});

test('the overview counts each delivery in the hour it was made, over the last 24 hours', async () => {
  await ok('POST', '/v1/webhook-endpoints', {
    url: `${env.receiver}/pages-${rand(4)}`, event_types: ['lead.captured'],
  });
  const made = [];
  for (let i = 0; i < 4; i++) {
    await ok('POST', '/v1/leads', { name: `Hourly ${i}`, phone: phone(415), intent: 'quote' });
    made.push((await ok('GET', '/v1/deliveries?limit=1')).data[0].id);
  }
  // One made five hours ago, one 23 hours ago (the chart's first hour
  // at the latest), one a day and an hour ago (outside it); all waiting.
  const back = async (id, sql) => dbValue(`UPDATE deliveries SET created_at = ${sql} WHERE public_id = '${id}'`);
  await back(made[1], 'UTC_TIMESTAMP(6) - INTERVAL 5 HOUR');
  await back(made[2], 'UTC_TIMESTAMP(6) - INTERVAL 23 HOUR');
  await back(made[3], 'UTC_TIMESTAMP(6) - INTERVAL 25 HOUR');
  // The waiting column of the 24 rows, oldest first (the table is in a
  // closed <details>: its text content, not what is shown); read again
  // if the hour turned meanwhile.
  let waiting, hour;
  for (let tries = 0; tries < 2; tries++) {
    hour = new Date().getUTCHours();
    await page.goto(`${env.url}/app/`);
    const rows = page.locator('details table tbody tr');
    assert.equal(await rows.count(), 24);
    waiting = [];
    for (const r of await rows.all()) waiting.push(Number((await r.locator('td').last().textContent()).trim()));
    const last = (await rows.last().locator('th').textContent()).trim();
    if (last === `${String(new Date().getUTCHours()).padStart(2, '0')}:00` && hour === new Date().getUTCHours()) break;
  }
  const want = Array(24).fill(0);
  want[23] = 1;
  want[23 - 5] = 1;
  want[0] = 1;
  assert.deepEqual(waiting, want);
});
