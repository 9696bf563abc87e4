// The quickstart in the browser, as an owner: sign in, create an API key
// (shown once) and use it, add an endpoint (its secret shown once), watch a
// delivery fail against a failing receiver, replay it to success, let
// deliveries die, bulk-replay the dead letters and watch the progress
// finish, revoke the key, and find it all in the audit log. axe-core runs
// on every page, and every page is photographed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  check, deliver, env, kcctl, launch, newBusiness, newUser, openPage, rand,
  receiverCount, receiverMode, replayJob, signIn, until,
} from './lib.mjs';

let browser, page, biz, owner, apiKey, endpointId;
const path = `/flows-${rand(4)}`;

before(async () => {
  browser = await launch();
  biz = await newBusiness('Browser Flows');
  owner = await newUser(biz, 'owner');
  ({ page } = await openPage(browser));
});

after(async () => {
  await browser?.close();
});

async function lead(key) {
  const r = await fetch(`${env.url}/v1/leads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Browser Lead', phone: `+1415555${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}`, intent: 'booking' }),
  });
  assert.equal(r.status, 201, await r.text());
}

// The status shown on a delivery's page, after a reload.
async function statusOf(p) {
  await p.reload();
  return (await p.locator('#delivery-status').innerText()).trim();
}

test('an unknown visitor is sent to sign in, and comes back after it', async () => {
  await page.goto(`${env.url}/app/deliveries?status=dead`);
  assert.match(page.url(), /\/app\/sign-in\?next=/);
  await check(page, 'sign-in');
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/app\/deliveries\?status=dead$/);
  await page.goto(`${env.url}/app/`);
  await check(page, 'overview');
  assert.equal(await page.getByRole('heading', { name: 'Overview' }).count(), 1);
});

test('an API key is created with its scopes, shown once, and works', async () => {
  await page.goto(`${env.url}/app/keys`);
  await page.getByLabel('Name').fill('browser key');
  // Only what this test needs: ingest and reading events.
  for (const box of await page.locator('input[name="scopes"]').all()) await box.uncheck();
  await page.getByLabel('ingest', { exact: true }).check();
  await page.getByLabel('events:read', { exact: true }).check();
  await page.getByRole('button', { name: 'Create key' }).click();
  apiKey = await page.locator('#secret-value').inputValue();
  assert.match(apiKey, /^kc_live_[0-9A-Za-z]{32}$/);
  await check(page, 'keys-created');
  // Once: the list shows a hint, never the key.
  await page.goto(`${env.url}/app/keys`);
  assert.equal((await page.content()).includes(apiKey), false);
  assert.equal(await page.getByRole('row', { name: /browser key/ }).count(), 1);
  await check(page, 'keys');
  const r = await fetch(`${env.url}/v1/events?limit=1`, { headers: { authorization: `Bearer ${apiKey}` } });
  assert.equal(r.status, 200);
  const r2 = await fetch(`${env.url}/v1/agent`, { headers: { authorization: `Bearer ${apiKey}` } });
  assert.equal(r2.status, 403, 'a scope that was not picked');
});

test('an endpoint is added with its event types, and its secret is shown once', async () => {
  await page.goto(`${env.url}/app/endpoints/new`);
  await check(page, 'endpoint-new');
  await page.getByLabel('URL the events are sent to').fill(`${env.receiver}${path}`);
  await page.getByLabel('Description (optional)').fill('browser test receiver');
  await page.getByLabel(/all events/).uncheck();
  await page.getByLabel(/^lead\.captured/).check();
  await page.getByRole('button', { name: 'Add the endpoint' }).click();
  const secret = await page.locator('#secret-value').inputValue();
  assert.match(secret, /^whsec_[A-Za-z0-9+/=]{44}$/);
  // The snippet beside it verifies with that secret.
  assert.ok((await page.locator('pre.code').innerText()).includes(secret));
  await check(page, 'endpoint-created');
  endpointId = (await page.locator('dd.mono').first().innerText()).trim();
  assert.match(endpointId, /^ep_/);
  await page.reload();
  assert.equal((await page.content()).includes(secret), false, 'the secret again');
  await check(page, 'endpoint');
  await page.goto(`${env.url}/app/endpoints`);
  assert.equal(await page.getByRole('link', { name: `${env.receiver}${path}` }).count(), 1);
  await check(page, 'endpoints');
});

test('a delivery fails against a failing receiver, and a replay delivers it', async () => {
  // The receiver fails, and answers with markup that must show as text.
  await receiverMode(path, { status: 500, body_hex: Buffer.from('<script>alert("kept")</script> down').toString('hex') });
  await lead(apiKey);
  await deliver(biz);
  await page.goto(`${env.url}/app/deliveries?status=failed&endpoint=${endpointId}`);
  await check(page, 'deliveries');
  const link = page.locator('tbody a.mono').first();
  await link.click();
  assert.equal(await statusOf(page), 'failed');
  const answer = await page.locator('pre.answer').first().innerText();
  assert.equal(answer, '<script>alert("kept")</script> down');
  assert.equal(await page.locator('script').count(), 1, 'only our own script');
  assert.ok((await page.locator('td').allInnerTexts()).some((t) => t.includes('HTTP 500')));
  await check(page, 'delivery');
  // Fixed: a replay (of a failed one: its retry now) gets it there.
  await receiverMode(path, { status: 200 });
  const before = await receiverCount(path);
  await page.getByRole('button', { name: /Retry now|Replay/ }).click();
  await until('the replayed delivery to arrive', async () => {
    await deliver(biz);
    return (await statusOf(page)) === 'delivered';
  });
  assert.ok(await receiverCount(path) > before);
  // The filters: by event type and by time, each its own statement.
  const rows = async (q) => {
    await page.goto(`${env.url}/app/deliveries?${q}`);
    return page.locator('tbody tr').count();
  };
  assert.equal(await rows(`endpoint=${endpointId}&type=lead.captured`), 1);
  assert.equal(await rows(`endpoint=${endpointId}&type=call.started`), 0);
  assert.equal(await rows('type=lead.captured&status=delivered'), 1);
  assert.equal(await rows(`endpoint=${endpointId}&since=2099-01-01T00:00`), 0);
  assert.equal(await rows(`endpoint=${endpointId}&since=2000-01-01T00:00&until=2099-01-01T00:00`), 1);
});

test('dead letters are replayed in bulk, and the progress page finishes by itself', async () => {
  await receiverMode(path, { status: 503 });
  for (let i = 0; i < 3; i++) await lead(apiKey);
  // The stage's schedule retries once, a second later: run the worker
  // until all three are given up on.
  await until('three dead deliveries', async () => {
    await deliver(biz);
    await page.goto(`${env.url}/app/dead-letters?endpoint=${endpointId}`);
    return (await page.locator('tbody tr').count()) === 3;
  }, 60000, 500);
  await check(page, 'dead-letters');
  await receiverMode(path, { status: 200 });
  const before = await receiverCount(path);
  await page.locator('#bulk-endpoint').selectOption(endpointId);
  await page.getByRole('button', { name: 'Replay them' }).click();
  await page.waitForURL(/\/app\/replays\/rpl_/);
  assert.equal(await page.locator('meta[name="kc-refresh"]').count(), 1, 'the page reloads itself');
  await check(page, 'replay-progress');
  // The same page without JavaScript reloads itself too (meta refresh).
  const nojs = await browser.newContext({ javaScriptEnabled: false });
  await nojs.addCookies(await page.context().cookies());
  const plain = await nojs.newPage();
  await plain.goto(page.url());
  assert.equal(await plain.locator('meta[http-equiv="refresh"]').count(), 1);
  // cron's jobs: the replay queues them again, the worker sends them;
  // both pages, reloading themselves, say when it is done.
  await until('the bulk replay to finish', async () => {
    await replayJob();
    await deliver(biz);
    return (await page.locator('#replay-state').innerText()).includes('Finished');
  }, 60000, 1000);
  await until('the page without JavaScript to finish',
    async () => (await plain.locator('#replay-state').innerText()).includes('Finished'), 15000);
  await nojs.close();
  assert.equal((await page.locator('#replay-delivered').innerText()).trim(), '3');
  assert.equal(await page.locator('meta[name="kc-refresh"]').count(), 0);
  await check(page, 'replay-finished');
  assert.equal(await receiverCount(path), before + 3);
  await page.goto(`${env.url}/app/`);
  await check(page, 'overview-with-deliveries');
});

test('a key is revoked, and the API refuses it from then on', async () => {
  await page.goto(`${env.url}/app/keys`);
  const row = page.getByRole('row', { name: /browser key/ });
  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.waitForURL(/done=revoked/);
  assert.equal(await page.getByRole('row', { name: /browser key/ }).getByText('revoked').count(), 1);
  await until('the revoked key to be refused', async () => {
    const r = await fetch(`${env.url}/v1/events?limit=1`, { headers: { authorization: `Bearer ${apiKey}` } });
    return r.status === 401;
  }, 10000);
});

test('the audit log shows every change, with the user as its actor', async () => {
  await page.goto(`${env.url}/app/audit?actor=${owner.id}`);
  await check(page, 'audit');
  const actions = await page.locator('tbody th code').allInnerTexts();
  for (const a of ['user.signed_in', 'api_key.created', 'webhook_endpoint.created',
    'delivery.replayed', 'replay.created', 'api_key.revoked']) {
    assert.ok(actions.includes(a), `${a} in ${actions}`);
  }
  await page.goto(`${env.url}/app/audit?target=${endpointId}`);
  assert.deepEqual(await page.locator('tbody th code').allInnerTexts(), ['webhook_endpoint.created']);
  await page.goto(`${env.url}/app/audit?action=api_key.revoked`);
  assert.equal(await page.locator('tbody tr').count(), 1);
  assert.ok((await page.locator('tbody').innerText()).includes(owner.email));
  // The API reads the same rows: written by the same function, the user
  // as their actor.
  const k = await kcctl(['key', 'create', '--business', biz, '--name', 'audit', '--scopes', 'audit:read']);
  const r = await fetch(`${env.url}/v1/audit-log?limit=100`, { headers: { authorization: `Bearer ${k.key}` } });
  const rows = (await r.json()).data.filter((e) => e.actor.id === owner.id);
  assert.ok(rows.some((e) => e.action === 'webhook_endpoint.created' && e.actor.type === 'user'));
});

test('an unknown page is a page, not an API error', async () => {
  const r = await page.goto(`${env.url}/app/no-such-page`);
  assert.equal(r.status(), 404);
  assert.match(await r.headerValue('content-type'), /^text\/html/);
  await check(page, 'not-found');
});

test('readable on a phone: nothing wider than the screen but the tables, which scroll', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await ctx.addCookies(await page.context().cookies());
  const phone = await ctx.newPage();
  for (const [p, name] of [['/app/', 'phone-overview'], ['/app/deliveries', 'phone-deliveries'],
    [`/app/endpoints/${endpointId}`, 'phone-endpoint']]) {
    await phone.goto(`${env.url}${p}`);
    const [scroll, client] = await phone.evaluate(() => [document.documentElement.scrollWidth,
      document.documentElement.clientWidth]);
    assert.ok(scroll <= client, `${p} is ${scroll} px wide on a ${client} px screen`);
    await check(phone, name);
  }
  await ctx.close();
});
