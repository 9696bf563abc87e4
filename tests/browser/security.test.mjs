// What the dashboard refuses: a form without its CSRF token, anything a
// viewer tries to change (by the UI, which offers nothing, and by forged
// POSTs), an idle session, a session signed out (here or everywhere), a
// planted session token, and more failed sign-ins than the throttle allows
// per account and address and per client address. Cookies carry their attributes, and
// markup in a name or description shows as text.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  apiCall, check, csrfOf, dbValue, env, kcctl, launch, newBusiness, newUser, openPage,
  post, rand, signIn,
} from './lib.mjs';

let browser, biz, owner, key, endpoint;
const XSS = '"><img src=x onerror=alert(1)><script>alert(2)</script>';

before(async () => {
  browser = await launch();
  biz = await newBusiness('Browser Security');
  owner = await newUser(biz, 'owner');
  key = (await kcctl(['key', 'create', '--business', biz, '--name', 'setup', '--scopes', '*'])).key;
  const r = await api('POST', '/v1/webhook-endpoints', {
    url: `${env.receiver}/security-${rand(4)}`, description: XSS, event_types: ['lead.captured'],
  });
  endpoint = r.id;
});

after(async () => {
  await browser?.close();
});

async function api(method, p, body) {
  const r = await apiCall(key, method, p, body);
  assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function enabled() {
  return (await api('GET', `/v1/webhook-endpoints/${endpoint}`)).enabled;
}

test('a form posted without its CSRF token is refused, and nothing changes', async () => {
  const { ctx, page } = await openPage(browser);
  await signIn(page, owner);
  const path = `/app/endpoints/${endpoint}/disable`;
  let r = await post(page, path, {});
  assert.equal(r.status(), 403);
  r = await post(page, path, { csrf: 'A'.repeat(43) });
  assert.equal(r.status(), 403);
  // Another session's token is no better.
  const other = await openPage(browser);
  await signIn(other.page, owner);
  r = await post(page, path, { csrf: await csrfOf(other.page) });
  assert.equal(r.status(), 403);
  assert.equal(await enabled(), true);
  // With its own token the same form works: the refusals were the token's.
  r = await post(page, path, { csrf: await csrfOf(page) });
  assert.equal(r.status(), 303);
  assert.equal(await enabled(), false);
  r = await post(page, `/app/endpoints/${endpoint}/enable`, { csrf: await csrfOf(page) });
  assert.equal(r.status(), 303);
  assert.equal(await enabled(), true);
  // Signing in needs the token its form carries, too (login CSRF).
  const fresh = await openPage(browser);
  r = await fresh.page.request.post(`${env.url}/app/sign-in`, {
    form: { email: owner.email, password: owner.password }, maxRedirects: 0,
  });
  assert.equal(r.status(), 403);
  assert.equal((await fresh.ctx.cookies()).some((c) => c.name.endsWith('kc_session')), false);
  await ctx.close();
  await other.ctx.close();
  await fresh.ctx.close();
});

test('a viewer sees no button it cannot use, and forged POSTs change nothing', async () => {
  const viewer = await newUser(biz, 'viewer');
  const { ctx, page } = await openPage(browser);
  await signIn(page, viewer);
  // A delivery to look at (and to try to replay).
  await api('POST', '/v1/leads', { name: 'Viewer Lead', phone: '+14155550142', intent: 'booking' });
  const dl = (await api('GET', `/v1/deliveries?endpoint=${endpoint}&limit=1`)).data[0].id;
  await kcctl(['deliver', '--business', biz]);
  const pages = ['/app/', '/app/endpoints', `/app/endpoints/${endpoint}`, '/app/deliveries',
    `/app/deliveries/${dl}`, '/app/dead-letters', '/app/audit'];
  for (const p of pages) {
    await page.goto(`${env.url}${p}`);
    if (p === `/app/endpoints/${endpoint}`) await check(page, 'viewer-endpoint');
    const forms = await page.locator('form[method="post"]').evaluateAll(
      (fs) => fs.map((f) => f.getAttribute('action')));
    assert.deepEqual(forms.filter((a) => !a.startsWith('/app/sign-out')), [], `${p} offers ${forms}`);
    assert.equal(await page.getByRole('link', { name: 'Add an endpoint' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'API keys' }).count(), 0);
  }
  for (const p of ['/app/keys', '/app/endpoints/new']) {
    const r = await page.goto(`${env.url}${p}`);
    assert.equal(r.status(), 403, p);
  }
  await check(page, 'forbidden');
  const csrf = await csrfOf(page);
  const before = {
    endpoints: (await api('GET', '/v1/webhook-endpoints')).data.length,
    keys: (await kcctl(['key', 'list', '--business', biz])).length,
  };
  const forged = [
    ['/app/endpoints', { url: `${env.receiver}/forged`, event_types: '*' }],
    [`/app/endpoints/${endpoint}/disable`, {}],
    [`/app/endpoints/${endpoint}/rotate`, {}],
    [`/app/endpoints/${endpoint}/test`, {}],
    [`/app/deliveries/${dl}/replay`, {}],
    ['/app/replays', { endpoint, status: 'all' }],
    ['/app/keys', { name: 'forged', scopes: 'ingest' }],
  ];
  for (const [p, fields] of forged) {
    const r = await post(page, p, { csrf, ...fields });
    assert.equal(r.status(), 403, p);
  }
  assert.equal((await api('GET', '/v1/webhook-endpoints')).data.length, before.endpoints);
  assert.equal(await enabled(), true);
  assert.equal((await kcctl(['key', 'list', '--business', biz])).length, before.keys);
  const d = await api('GET', `/v1/deliveries/${dl}`);
  assert.equal(d.replayed_by, null);
  // The setup key still signs (not rotated), and the audit log holds no
  // change by the viewer, only its sign-in.
  const log = (await api('GET', '/v1/audit-log?limit=100')).data.filter((e) => e.actor.id === viewer.id);
  assert.deepEqual(log.map((e) => e.action), ['user.signed_in']);
  await ctx.close();
});

test('an admin has no API keys, and the owner has', async () => {
  const admin = await newUser(biz, 'admin');
  const { ctx, page } = await openPage(browser);
  await signIn(page, admin);
  assert.equal(await page.getByRole('link', { name: 'API keys' }).count(), 0);
  assert.equal((await page.goto(`${env.url}/app/keys`)).status(), 403);
  const r = await post(page, '/app/keys', { csrf: await csrfOf(page), name: 'x', scopes: 'ingest' });
  assert.equal(r.status(), 403);
  // What an admin may do, it is offered.
  await page.goto(`${env.url}/app/endpoints/${endpoint}`);
  assert.equal(await page.getByRole('button', { name: 'Disable' }).count(), 1);
  await ctx.close();
});

test('markup in a description shows as text', async () => {
  const { ctx, page, dialogs } = await openPage(browser);
  await signIn(page, owner);
  for (const p of ['/app/endpoints', `/app/endpoints/${endpoint}`]) {
    await page.goto(`${env.url}${p}`);
    assert.ok((await page.locator('main').innerText()).includes(XSS), p);
    assert.equal(await page.locator('main img').count(), 0, p);
    assert.equal(await page.locator('script').count(), 1, p);
  }
  assert.deepEqual(dialogs, []);
  await ctx.close();
});

test('cookies: HttpOnly, SameSite=Lax, and Secure with __Host- over HTTPS', async () => {
  for (const https of [false, true]) {
    const h = https ? { 'x-forwarded-proto': 'https' } : {};
    let r = await fetch(`${env.url}/app/sign-in`, { headers: h });
    const pre = r.headers.getSetCookie().find((c) => c.includes('kc_signin='));
    assert.ok(pre, 'the sign-in form sets its token cookie');
    const html = await r.text();
    const csrf = html.match(/name="csrf" value="([^"]+)"/)[1];
    r = await fetch(`${env.url}/app/sign-in`, {
      method: 'POST', redirect: 'manual',
      headers: { ...h, cookie: pre.split(';')[0], 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, email: owner.email, password: owner.password }),
    });
    assert.equal(r.status, 303);
    const c = r.headers.getSetCookie().find((x) => x.includes('kc_session='));
    assert.match(c, https ? /^__Host-kc_session=[A-Za-z0-9_-]{43};/ : /^kc_session=[A-Za-z0-9_-]{43};/);
    assert.match(c, /; Path=\//);
    assert.match(c, /; HttpOnly/);
    assert.match(c, /; SameSite=Lax/);
    assert.equal(/; Secure/.test(c), https);
  }
});

test('a new session token at sign-in: the browser\'s session so far, planted or its own, ends', async () => {
  // A real, live session, planted in another browser (fixation), whose
  // holder signs in there.
  const first = await openPage(browser);
  await signIn(first.page, owner);
  const planted = (await first.ctx.cookies()).find((c) => c.name === 'kc_session').value;
  const { ctx, page } = await openPage(browser);
  const signer = await newUser(biz, 'viewer');
  // The form first (a signed-in browser is sent past it), then the plant.
  await page.goto(`${env.url}/app/sign-in`);
  await ctx.addCookies([{ name: 'kc_session', value: planted, url: env.url }]);
  await first.page.goto(`${env.url}/app/endpoints`);
  assert.match(first.page.url(), /\/app\/endpoints$/, 'the planted session was alive');
  const pre = (await ctx.cookies()).find((c) => c.name === 'kc_signin');
  const r = await page.request.post(`${env.url}/app/sign-in`, {
    form: { csrf: pre.value, email: signer.email, password: signer.password },
    maxRedirects: 0,
  });
  assert.equal(r.status(), 303);
  const now = (await ctx.cookies()).find((c) => c.name === 'kc_session');
  assert.notEqual(now.value, planted);
  assert.equal(now.httpOnly, true);
  // The planted token opens nothing now, in either browser.
  await first.page.goto(`${env.url}/app/endpoints`);
  assert.match(first.page.url(), /\/app\/sign-in\?why=expired/);
  const hash = await dbValue(`SELECT ended_at IS NOT NULL FROM sessions WHERE token_hash = SHA2('${planted}', 256)`);
  assert.equal(hash, '1');
  await ctx.close();
  await first.ctx.close();
});

test('sign out ends the session on the server, and sign out everywhere ends them all', async () => {
  const a = await openPage(browser);
  const b = await openPage(browser);
  await signIn(a.page, owner);
  await signIn(b.page, owner);
  const token = (await a.ctx.cookies()).find((c) => c.name === 'kc_session').value;
  await a.page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await a.page.waitForURL(/why=signed_out/);
  // The old cookie, replayed by someone who kept it, opens nothing.
  const thief = await openPage(browser);
  await thief.ctx.addCookies([{ name: 'kc_session', value: token, url: env.url }]);
  await thief.page.goto(`${env.url}/app/`);
  assert.match(thief.page.url(), /\/app\/sign-in/);
  // b is still in; a signs in again and signs out everywhere.
  await b.page.goto(`${env.url}/app/`);
  assert.match(b.page.url(), /\/app\/$/);
  await signIn(a.page, owner);
  await a.page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await a.page.waitForURL(/why=everywhere/);
  await check(a.page, 'signed-out');
  await b.page.goto(`${env.url}/app/endpoints`);
  assert.match(b.page.url(), /\/app\/sign-in\?why=expired/);
  for (const x of [a, b, thief]) await x.ctx.close();
});

test('a session left idle expires, one in use does not', async () => {
  const { ctx, page } = await openPage(browser);
  await signIn(page, owner);
  // In use for longer than the idle limit: still signed in.
  const start = Date.now();
  while (Date.now() - start < env.idle * 1500) {
    await page.goto(`${env.url}/app/endpoints`);
    assert.match(page.url(), /\/app\/endpoints$/, 'signed out while in use');
    await page.waitForTimeout(env.idle * 250);
  }
  // Then left alone past the limit (the wait is the thing tested).
  const last = Date.now();
  await page.waitForTimeout(env.idle * 1000 + 1500 - (Date.now() - last));
  await page.goto(`${env.url}/app/endpoints`);
  assert.match(page.url(), /\/app\/sign-in\?why=expired&next=%2Fapp%2Fendpoints$/);
  assert.ok((await page.locator('main').innerText()).includes('Your session has ended'));
  await check(page, 'sign-in-expired');
  // Signing in again goes back to where it was.
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/app\/endpoints$/);
  await ctx.close();
});

// A sign-in attempt through the trusted proxy, from addr; its status and
// the error it shows.
async function attempt(addr, email, password) {
  const { ctx, page } = await openPage(browser, { 'x-forwarded-for': addr });
  await page.goto(`${env.url}/app/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/app/sign-in') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  const err = await page.locator('#signin-error').count()
    ? (await page.locator('#signin-error').innerText()).trim() : null;
  const signedIn = (await ctx.cookies()).some((c) => c.name === 'kc_session' && c.value);
  await ctx.close();
  return { status: resp.status(), err, signedIn };
}

test('failed sign-ins are throttled per account and address, with one answer for a wrong password and an unknown email; the owner still gets in from elsewhere', async () => {
  const user = await newUser(biz, 'viewer');
  const unknown = `nobody-${rand(4)}@example.com`;
  const wrong = await attempt('198.51.100.1', user.email, 'not-the-password');
  const none = await attempt('198.51.100.1', unknown, 'not-the-password');
  assert.equal(wrong.status, 401);
  assert.deepEqual(none, wrong, 'an unknown email answers as a wrong password');
  // The rest of the account's allowance from this address.
  for (let i = 2; i <= env.maxAccount; i++) {
    assert.equal((await attempt('198.51.100.1', user.email, 'not-the-password')).status, 401);
  }
  const locked = await attempt('198.51.100.1', user.email, user.password);
  assert.equal(locked.status, 429);
  assert.match(locked.err, /Too many sign-in attempts/);
  assert.equal(locked.signedIn, false);
  // An unknown email is locked the same way, with the same words.
  for (let i = 1; i <= env.maxAccount; i++) await attempt('198.51.100.3', unknown, 'x-not-it');
  const lockedNone = await attempt('198.51.100.3', unknown, 'x-not-it');
  assert.deepEqual(lockedNone, locked);
  // Whoever failed from those addresses, the owner's right password from
  // an address of theirs signs in.
  const owner2 = await attempt('198.51.100.2', user.email, user.password);
  assert.equal(owner2.status, 303);
  assert.equal(owner2.signedIn, true);
  // A password reset unlocks the account everywhere at once.
  const fresh = `pw-${rand(10)}`;
  await kcctl(['user', 'reset-password', user.email], `${fresh}\n`);
  const again = await attempt('198.51.100.1', user.email, fresh);
  assert.equal(again.signedIn, true);
  assert.equal(await dbValue(`SELECT COUNT(*) FROM signin_throttle WHERE scope = 'pair' AND account_hash = SHA2(CONCAT('account:', '${user.email}'), 256)`), '0');
});

test('guesses at one account spread over many clients still end: twenty times the per-client allowance from all of them', async () => {
  const user = await newUser(biz, 'viewer');
  const all = env.maxAccount * 20;
  // Each client fails as often as it may; together they reach the
  // account's allowance from everywhere.
  for (let i = 0; i < all; i++) {
    const from = `192.0.2.${Math.floor(i / env.maxAccount) + 1}`;
    assert.equal((await attempt(from, user.email, 'not-the-password')).status, 401, `attempt ${i + 1} from ${from}`);
  }
  const held = await attempt('192.0.2.200', user.email, user.password);
  assert.equal(held.status, 429, 'a fresh client, the right password, past the account\'s allowance');
  assert.equal(held.signedIn, false);
  // Another account is not held up by it.
  const other = await newUser(biz, 'viewer');
  assert.equal((await attempt('192.0.2.201', other.email, other.password)).signedIn, true);
  // A password reset lets the owner in again at once.
  const fresh = `pw-${rand(10)}`;
  await kcctl(['user', 'reset-password', user.email], `${fresh}\n`);
  assert.equal((await attempt('192.0.2.200', user.email, fresh)).signedIn, true);
});

test('sign-in attempts are throttled per client: an IPv4 address in either form, an IPv6 /64', async () => {
  const user = await newUser(biz, 'viewer');
  for (let i = 0; i < env.maxAddress; i++) {
    const from = i % 2 ? '203.0.113.9' : '::ffff:203.0.113.9';
    assert.equal((await attempt(from, `x${i}-${rand(3)}@example.com`, 'guess-guess')).status, 401);
  }
  const blocked = await attempt('203.0.113.9', user.email, user.password);
  assert.equal(blocked.status, 429);
  assert.equal(blocked.signedIn, false);
  const elsewhere = await attempt('203.0.113.10', user.email, user.password);
  assert.equal(elsewhere.signedIn, true);
  // Each address of one /64 is the same client.
  for (let i = 1; i <= env.maxAddress; i++) {
    assert.equal((await attempt(`2001:db8:77:1::${i.toString(16)}`, `y${i}-${rand(3)}@example.com`, 'guess-guess')).status, 401);
  }
  const blocked6 = await attempt('2001:db8:77:1:ffff:1:2:3', user.email, user.password);
  assert.equal(blocked6.status, 429);
  const other64 = await attempt('2001:db8:77:2::1', user.email, user.password);
  assert.equal(other64.signedIn, true);
});

test('a sign-in of one\'s own gives the address no more guesses', async () => {
  const mine = await newUser(biz, 'viewer');
  for (let i = 1; i < env.maxAddress; i++) {
    assert.equal((await attempt('203.0.113.30', `z${i}-${rand(3)}@example.com`, 'guess-guess')).status, 401);
  }
  assert.equal((await attempt('203.0.113.30', mine.email, mine.password)).signedIn, true);
  const next = await attempt('203.0.113.30', `z0-${rand(3)}@example.com`, 'guess-guess');
  assert.equal(next.status, 429);
});

test('kcctl user disable and reset-password end the user\'s sessions', async () => {
  const u = await newUser(biz, 'admin');
  const v = await newUser(biz, 'viewer');
  const a = await openPage(browser);
  const b = await openPage(browser);
  await signIn(a.page, u);
  await signIn(b.page, v);
  await kcctl(['user', 'disable', u.email]);
  await a.page.goto(`${env.url}/app/endpoints`);
  assert.match(a.page.url(), /why=expired/);
  await signIn(a.page, u);
  assert.match(a.page.url(), /\/app\/sign-in$/);
  assert.match(await a.page.locator('#signin-error').innerText(), /do not match/);
  const fresh = 'a-new-password-' + rand(4);
  await kcctl(['user', 'reset-password', v.id], fresh + '\n');
  await b.page.goto(`${env.url}/app/endpoints`);
  assert.match(b.page.url(), /why=expired/);
  await signIn(b.page, v);
  assert.match(b.page.url(), /\/app\/sign-in$/, 'the old password');
  await signIn(b.page, { email: v.email, password: fresh });
  assert.match(b.page.url(), /\/app\/$/);
  await a.ctx.close();
  await b.ctx.close();
});

test('a password hashed with less than the configured argon2id is hashed again at sign-in', async () => {
  // Made with OWASP's minimum; the stage's FastCGI asks for more memory.
  const u = await newUser(biz, 'viewer', { KC_PASSWORD_MEMORY_KIB: '19456' });
  const hash = () => dbValue(`SELECT password_hash FROM users WHERE public_id = '${u.id}'`);
  assert.match(await hash(), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  const { ctx, page } = await openPage(browser);
  await signIn(page, u);
  assert.match(page.url(), /\/app\/$/);
  assert.match(await hash(), new RegExp(`^\\$argon2id\\$v=19\\$m=${env.pwMemory},t=2,p=1\\$`));
  // And the new hash holds the same password.
  await ctx.close();
  const again = await openPage(browser);
  await signIn(again.page, u);
  assert.match(again.page.url(), /\/app\/$/);
  await again.ctx.close();
});

test('errors before the router on a dashboard path are its HTML page, the API keeps problem+json', async () => {
  const cases = [
    ['GET', `/app/endpoints?x=${'a'.repeat(4200)}`, undefined],
    ['GET', `/app/endpoints?${Array.from({ length: 17 }, (_, i) => `p${i}=1`).join('&')}`, undefined],
    ['GET', '/app/endpoints?after=a&after=b', undefined],
    ['POST', '/app/sign-in', 'x'.repeat((1 << 20) + 1)],
    ['PUT', '/app/endpoints', undefined],
  ];
  for (const [method, p, body] of cases) {
    const r = await fetch(`${env.url}${p}`, { method, body, redirect: 'manual',
      headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {} });
    assert.ok(r.status >= 400 && r.status < 500, `${method} ${p.slice(0, 40)}: ${r.status}`);
    assert.match(r.headers.get('content-type'), /^text\/html/, `${method} ${p.slice(0, 40)}`);
    assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    assert.match(await r.text(), /<main/);
    const api = await fetch(`${env.url}${p.replace('/app/endpoints', '/v1/webhook-endpoints').replace('/app/sign-in', '/v1/leads')}`,
      { method, body, headers: body ? { 'content-type': 'application/json' } : {} });
    assert.equal(api.headers.get('content-type'), 'application/problem+json', `API ${method}`);
    await api.arrayBuffer();
  }
});

test('only the owner sees API key names in the audit log; others see a key by its id', async () => {
  const name = `key-name-${rand(4)}`;
  const made = await kcctl(['key', 'create', '--business', biz, '--name', name, '--scopes', 'leads:read']);
  const o = await openPage(browser);
  await signIn(o.page, owner);
  await o.page.goto(`${env.url}/app/audit`);
  assert.ok((await o.page.content()).includes(name), 'the owner sees the name');
  for (const role of ['admin', 'viewer']) {
    const u = await newUser(biz, role);
    const x = await openPage(browser);
    await signIn(x.page, u);
    const r = await x.page.goto(`${env.url}/app/audit`);
    assert.equal(r.status(), 200);
    const html = await x.page.content();
    assert.ok(!html.includes(name), `${role} sees the key's name`);
    assert.ok(html.includes(made.id), `${role} sees the key by its id`);
    await x.ctx.close();
  }
  await o.ctx.close();
});

test('a key\'s one-time secret survives a visit to another id\'s page, and shows once on its own', async () => {
  const { ctx, page } = await openPage(browser);
  await signIn(page, owner);
  await page.goto(`${env.url}/app/keys`);
  const r = await post(page, '/app/keys', { csrf: await csrfOf(page), name: `flash-${rand(3)}`, scopes: 'leads:read' });
  assert.equal(r.status(), 303);
  const id = new URL(r.headers().location, env.url).searchParams.get('new');
  assert.match(id, /^key_/);
  // A link naming another key (from anywhere): no secret, none burnt.
  await page.goto(`${env.url}/app/keys?new=key_${'a'.repeat(id.length - 4)}`);
  assert.equal(await page.locator('#secret-value').count(), 0);
  await page.goto(`${env.url}/app/keys?new=${id}`);
  const shown = await page.locator('main').innerText();
  assert.match(shown, /only time the key is shown/);
  await page.goto(`${env.url}/app/keys?new=${id}`);
  assert.doesNotMatch(await page.locator('main').innerText(), /only time the key is shown/);
  await ctx.close();
});
