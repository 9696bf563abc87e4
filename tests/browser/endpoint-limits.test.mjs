// An endpoint's delivery limits and circuit breaker in the dashboard: an
// owner sets rate_limit and max_in_flight on create and on the endpoint's
// page, sees them there and in the list, and finds the audit row the API
// would have written; out-of-range values are refused with a sentence and
// change nothing; a viewer sees the values but no form, and its forged
// POSTs are refused; an open breaker shows until when, and "Try now"
// makes the next claim its probe. axe-core runs on every page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  apiClient, check, csrfOf, env, kcctl, launch, newBusiness, newUser, openPage, post,
  rand, receiverMode, signIn, until,
} from './lib.mjs';

let browser, biz, owner, viewer, api, page, endpointId;
const path = `/limits-${rand(4)}`;
const RATE = 'Deliveries a second, at most (optional)';
const MAX = 'Deliveries at once, at most';

before(async () => {
  browser = await launch();
  biz = await newBusiness('Browser Limits');
  owner = await newUser(biz, 'owner');
  viewer = await newUser(biz, 'viewer');
  api = apiClient((await kcctl(['key', 'create', '--business', biz, '--name',
    'limits', '--scopes', '*'])).key);
  ({ page } = await openPage(browser));
  await signIn(page, owner);
});

after(async () => {
  await browser?.close();
});

const endpoint = () => api('GET', `/v1/webhook-endpoints/${endpointId}`);
const auditOf = async () => (await api('GET',
  `/v1/audit-log?target=${endpointId}&limit=100`)).data;
const facts = async (p) => p.locator('dl.facts').innerText();

// The form's own checks (min, max, required) would stop the browser from
// sending what the server must refuse: switched off, as a client without
// them would send it.
async function noValidate(p, action) {
  await p.locator(`form[action$="${action}"]`).evaluate((f) => { f.noValidate = true; });
}

test('limits set on create show on the endpoint page and in the list', async () => {
  await page.goto(`${env.url}/app/endpoints/new`);
  await page.getByLabel('URL the events are sent to').fill(`${env.receiver}${path}`);
  await page.getByLabel(RATE).fill('25');
  assert.equal(await page.getByLabel(MAX).inputValue(), '10', 'the default');
  await page.getByLabel(MAX).fill('4');
  await page.getByLabel(/all events/).uncheck();
  await page.getByLabel(/^lead\.captured/).check();
  await check(page, 'endpoint-new-limits');
  await page.getByRole('button', { name: 'Add the endpoint' }).click();
  endpointId = (await page.locator('dd.mono').first().innerText()).trim();
  assert.match(endpointId, /^ep_/);
  assert.match(await facts(page), /25 a second, 4 at once/);
  assert.match(await facts(page), /Circuit breaker\s+closed/);
  const ep = await endpoint();
  assert.equal(ep.rate_limit, 25);
  assert.equal(ep.max_in_flight, 4);
  assert.equal(await page.getByLabel(RATE).inputValue(), '25');
  assert.equal(await page.getByLabel(MAX).inputValue(), '4');
  await page.goto(`${env.url}/app/endpoints`);
  const row = page.getByRole('row', { name: new RegExp(path) });
  assert.match(await row.innerText(), /25 a second, 4 at once/);
  await check(page, 'endpoints-limits');
});

test('the endpoint page changes the limits, with the API\'s audit row', async () => {
  await page.goto(`${env.url}/app/endpoints/${endpointId}`);
  await page.getByLabel(RATE).fill('');
  await page.getByLabel(MAX).fill('7');
  await page.getByRole('button', { name: 'Save the limits' }).click();
  assert.match(await page.locator('[role="status"], .flash, .notice').first().innerText(),
    /delivery limits are saved/);
  assert.match(await facts(page), /no rate limit, 7 at once/);
  await check(page, 'endpoint-limits');
  const ep = await endpoint();
  assert.equal(ep.rate_limit, null);
  assert.equal(ep.max_in_flight, 7);
  // The same row kc_endpoint_update writes for a PATCH, the user its actor.
  const rows = (await auditOf()).filter((e) => e.action === 'webhook_endpoint.updated');
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].actor.type, 'user');
  assert.equal(rows[0].actor.id, owner.id);
  assert.equal(rows[0].before.rate_limit, 25);
  assert.equal(rows[0].before.max_in_flight, 4);
  assert.equal(rows[0].after.rate_limit, null);
  assert.equal(rows[0].after.max_in_flight, 7);
  await page.goto(`${env.url}/app/audit?target=${endpointId}`);
  const actions = await page.locator('tbody th code').allInnerTexts();
  assert.deepEqual(actions, ['webhook_endpoint.updated', 'webhook_endpoint.created']);
  assert.ok((await page.locator('tbody').innerText()).includes(owner.email));
});

test('out-of-range limits are refused with a sentence, and nothing changes', async () => {
  const before = (await auditOf()).length;
  const cases = [
    ['1001', '7', /Deliveries a second: give a whole number from 1 to 1000, or leave it empty/],
    ['0', '7', /Deliveries a second: give a whole number from 1 to 1000/],
    ['', '101', /Deliveries at once: give a whole number from 1 to 100\./],
    ['', '0', /Deliveries at once: give a whole number from 1 to 100\./],
  ];
  for (const [rate, max, why] of cases) {
    await page.goto(`${env.url}/app/endpoints/${endpointId}`);
    await noValidate(page, '/limits');
    await page.getByLabel(RATE).fill(rate);
    await page.getByLabel(MAX).fill(max);
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/limits')),
      page.getByRole('button', { name: 'Save the limits' }).click(),
    ]);
    assert.equal(resp.status(), 422, `${rate} / ${max}`);
    await page.waitForLoadState();
    assert.match(await page.getByRole('alert').innerText(), why);
    // What was typed stays in the form, to be fixed.
    assert.equal(await page.getByLabel(MAX).inputValue(), max);
  }
  await check(page, 'endpoint-limits-refused');
  // What no form sends: not a number at all.
  const r = await post(page, `/app/endpoints/${endpointId}/limits`, {
    csrf: await csrfOf(page), rate_limit: '5; drop', max_in_flight: '3',
  });
  assert.equal(r.status(), 422);
  assert.match(await r.text(), /Deliveries a second: give a whole number/);
  const ep = await endpoint();
  assert.equal(ep.rate_limit, null);
  assert.equal(ep.max_in_flight, 7);
  assert.equal((await auditOf()).length, before, 'no audit row for a refusal');
  // Create refuses the same way, and makes no endpoint.
  const count = async () => (await api('GET', '/v1/webhook-endpoints?limit=100')).data.length;
  const n = await count();
  await page.goto(`${env.url}/app/endpoints/new`);
  await noValidate(page, '/app/endpoints');
  await page.getByLabel('URL the events are sent to').fill(`${env.receiver}/never-${rand(3)}`);
  await page.getByLabel(MAX).fill('101');
  await page.getByRole('button', { name: 'Add the endpoint' }).click();
  assert.match(await page.getByRole('alert').innerText(), /Deliveries at once: give a whole number from 1 to 100\./);
  assert.equal(await count(), n);
});

test('a viewer sees the limits but no form, and its forged POSTs are refused', async () => {
  const v = await openPage(browser);
  await signIn(v.page, viewer);
  await v.page.goto(`${env.url}/app/endpoints/${endpointId}`);
  assert.match(await facts(v.page), /no rate limit, 7 at once/);
  assert.equal(await v.page.locator('input[name="rate_limit"], input[name="max_in_flight"]').count(), 0);
  assert.equal(await v.page.getByRole('button', { name: 'Save the limits' }).count(), 0);
  await check(v.page, 'endpoint-limits-viewer');
  const csrf = await csrfOf(v.page); // the sign-out form's
  assert.ok(csrf);
  let r = await post(v.page, `/app/endpoints/${endpointId}/limits`, {
    csrf, rate_limit: '1', max_in_flight: '1',
  });
  assert.equal(r.status(), 403);
  r = await post(v.page, `/app/endpoints/${endpointId}/try-now`, { csrf });
  assert.equal(r.status(), 403);
  const ep = await endpoint();
  assert.equal(ep.rate_limit, null);
  assert.equal(ep.max_in_flight, 7);
  await v.ctx.close();
});

test('an open breaker shows until when, and Try now probes it', async () => {
  await receiverMode(path, { status: 500 });
  await api('POST', `/v1/webhook-endpoints/${endpointId}/test`);
  // One failure opens it here (the default is 5); its cool-down is the
  // default 30 s, longer than this test waits.
  const worker = () => kcctl(['deliver', '--business', biz], undefined,
    { KC_BREAKER_THRESHOLD: '1' });
  const opened = await until('the breaker to open', async () => {
    await worker();
    const ep = await endpoint();
    return ep.health.breaker.state === 'open' && ep;
  });
  await page.goto(`${env.url}/app/endpoints/${endpointId}`);
  assert.match(await facts(page), /Circuit breaker\s+open until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  await check(page, 'endpoint-breaker-open');
  await page.goto(`${env.url}/app/endpoints`);
  assert.match(await page.getByRole('row', { name: new RegExp(path) }).innerText(),
    /circuit open until/);
  // A viewer is told, but offered nothing.
  const v = await openPage(browser);
  await signIn(v.page, viewer);
  await v.page.goto(`${env.url}/app/endpoints/${endpointId}`);
  assert.match(await facts(v.page), /open until/);
  assert.equal(await v.page.getByRole('button', { name: 'Try now' }).count(), 0);
  await v.ctx.close();

  await page.goto(`${env.url}/app/endpoints/${endpointId}`);
  await page.getByRole('button', { name: 'Try now' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('[role="status"], .flash, .notice').first().innerText(),
    /tried now/);
  assert.match(await facts(page), /Circuit breaker\s+half-open/);
  const ep = await endpoint();
  assert.equal(ep.health.breaker.state, 'half_open');
  assert.ok(Date.parse(ep.health.breaker.next_probe_at) <
    Date.parse(opened.health.breaker.next_probe_at), 'the probe was brought forward');
  const rows = (await auditOf()).filter((e) => e.action === 'webhook_endpoint.probe_requested');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].actor.id, owner.id);
  // Not open any more: nothing to bring forward, and nothing written.
  const r = await post(page, `/app/endpoints/${endpointId}/try-now`, { csrf: await csrfOf(page) });
  assert.equal(r.status(), 303);
  assert.equal((await auditOf()).filter((e) => e.action === 'webhook_endpoint.probe_requested').length, 1);

  // The receiver is back: the probe succeeds and the breaker closes.
  await receiverMode(path, { status: 200 });
  await until('the breaker to close', async () => {
    await worker();
    return (await endpoint()).health.breaker.state === 'closed';
  });
  await page.goto(`${env.url}/app/endpoints/${endpointId}`);
  assert.match(await facts(page), /Circuit breaker\s+closed/);
  assert.equal(await page.getByRole('button', { name: 'Try now' }).count(), 0);
});
