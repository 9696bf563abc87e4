// One business's users reach nothing of another's: signed in as the owner
// of business A, every page and form of the dashboard given the ids of
// business B's endpoint, delivery, call, lead, consent, DNC entry and API
// key answers 404, and B's objects, read back through the API with B's
// key, are as they were.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  apiCall, csrfOf, env, kcctl, launch, newBusiness, newUser, openPage, post, rand, signIn,
} from './lib.mjs';

let browser, page, ownerA, bizB, keyB, keyBId, b;

function phone(npa) {
  for (;;) {
    const ex = 200 + Math.floor(Math.random() * 800);
    if (ex % 100 === 11) continue;
    return `+1${npa}${ex}${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}`;
  }
}

async function okB(method, p, body) {
  const r = await apiCall(keyB, method, p, body);
  assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// What B's objects look like through the API, to compare before and after.
async function stateOfB() {
  return {
    endpoint: await okB('GET', `/v1/webhook-endpoints/${b.endpoint}`),
    delivery: (await okB('GET', `/v1/deliveries/${b.delivery}`)).status,
    deliveries: (await okB('GET', '/v1/deliveries?limit=100')).data.length,
    consent: (await okB('GET', `/v1/consents/${b.consent}`)).status,
    dnc: (await okB('GET', `/v1/dnc/${b.dnc}`)).status,
    call: await okB('GET', `/v1/calls/${b.call}`),
    lead: await okB('GET', `/v1/leads/${b.lead}`),
    // The key itself still opens the API (not revoked, not rotated away).
    keyWorks: (await apiCall(keyB, 'GET', '/v1/agent')).status,
  };
}

before(async () => {
  browser = await launch();
  const bizA = await newBusiness('Tenancy A');
  ownerA = await newUser(bizA, 'owner');
  bizB = await newBusiness('Tenancy B');
  const made = await kcctl(['key', 'create', '--business', bizB, '--name', 'b-setup', '--scopes', '*']);
  keyB = made.key;
  keyBId = made.id;
  const from = phone(212);
  await kcctl(['number', 'add', '--business', bizB, from, '--label', 'b desk']);
  const endpoint = (await okB('POST', '/v1/webhook-endpoints', {
    url: `${env.receiver}/tenancy-${rand(4)}`, event_types: ['lead.captured'],
  })).id;
  await okB('POST', `/v1/webhook-endpoints/${endpoint}/test`, {});
  const delivery = (await okB('GET', `/v1/deliveries?endpoint=${endpoint}&limit=1`)).data[0].id;
  const call = (await okB('POST', '/v1/calls', {
    direction: 'inbound', from: phone(415), to: from, started_at: new Date().toISOString(),
  })).id;
  const lead = (await okB('POST', '/v1/leads', { name: 'B lead', phone: phone(415), intent: 'question' })).id;
  const consent = (await okB('POST', '/v1/consents', {
    phone: phone(646), channel: 'sms', kind: 'written', source: 'test',
    captured_at: new Date(Date.now() - 60000).toISOString(),
  })).id;
  const dnc = (await okB('POST', '/v1/dnc', { phone: phone(646), channels: ['voice'], reason: 'complaint' })).id;
  b = { endpoint, delivery, call, lead, consent, dnc };
  ({ page } = await openPage(browser));
  await signIn(page, ownerA);
});

after(async () => {
  await browser?.close();
});

test('the owner of one business gets 404 for every id of another, and changes nothing of it', async () => {
  assert.ok(keyBId, 'kcctl key create gives the id');
  const before = await stateOfB();
  const gets = [
    `/app/endpoints/${b.endpoint}`, `/app/deliveries/${b.delivery}`, `/app/calls/${b.call}`,
    `/app/leads/${b.lead}`, `/app/keys?new=${keyBId}`,
  ];
  for (const p of gets) {
    const r = await page.goto(`${env.url}${p}`);
    if (p.startsWith('/app/keys')) {
      // A list page: no secret of B's shown, and none of B's keys listed.
      assert.equal(r.status(), 200);
      assert.ok(!(await page.content()).includes(keyBId), p);
    } else {
      assert.equal(r.status(), 404, p);
    }
  }
  for (const p of [`/app/deliveries?endpoint=${b.endpoint}`, '/app/dnc', '/app/consents', '/app/calls', '/app/leads']) {
    const r = await page.goto(`${env.url}${p}`);
    assert.ok(r.status() < 500, `${p}: ${r.status()}`);
    const html = await page.content();
    for (const id of Object.values(b)) assert.ok(!html.includes(id), `${p} shows ${id}`);
  }
  await page.goto(`${env.url}/app/`);
  const csrf = await csrfOf(page);
  const posts = [
    [`/app/endpoints/${b.endpoint}/rotate`, {}],
    [`/app/endpoints/${b.endpoint}/test`, {}],
    [`/app/endpoints/${b.endpoint}/disable`, {}],
    [`/app/endpoints/${b.endpoint}/enable`, {}],
    [`/app/endpoints/${b.endpoint}/limits`, { rate_limit: '1', max_in_flight: '1' }],
    [`/app/endpoints/${b.endpoint}/try-now`, {}],
    [`/app/deliveries/${b.delivery}/replay`, {}],
    [`/app/consents/${b.consent}/revoke`, {}],
    [`/app/dnc/${b.dnc}/remove`, {}],
    [`/app/keys/${keyBId}/rotate`, { grace: '0' }],
    [`/app/keys/${keyBId}/revoke`, {}],
  ];
  for (const [p, fields] of posts) {
    const r = await post(page, p, { csrf, ...fields });
    assert.equal(r.status(), 404, `POST ${p}`);
  }
  assert.deepEqual(await stateOfB(), before);
  assert.equal(before.keyWorks, 200);
});
