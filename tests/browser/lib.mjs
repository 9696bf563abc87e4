// Helpers for the dashboard's browser tests: the stack scripts/test
// started (KC_TEST_URL, KC_KCCTL, KC_CONF, KC_RECEIVER_URL, and the fake
// carrier at KC_FAKE_CARRIER_URL), kcctl for
// what the dashboard does not do (businesses, users, the delivery jobs),
// Debian's Chromium through playwright-core, axe-core on every page and a
// screenshot of it. Every wait is a poll with a deadline.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

export const env = {
  url: need('KC_TEST_URL'),
  kcctl: need('KC_KCCTL'),
  conf: need('KC_CONF'),
  receiver: need('KC_RECEIVER_URL'),
  carrier: need('KC_FAKE_CARRIER_URL'),
  shots: need('KC_BROWSER_SHOTS'),
  idle: Number(need('KC_TEST_SESSION_IDLE')),
  dbSocket: need('KC_TEST_DB_SOCKET'),
  pwMemory: Number(need('KC_TEST_PASSWORD_MEMORY_KIB')),
  maxAccount: Number(need('KC_TEST_SIGNIN_MAX')),
  maxAddress: Number(need('KC_TEST_SIGNIN_MAX_ADDRESS')),
};

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (scripts/test sets it)`);
  return v;
}

export function rand(n = 8) {
  return randomBytes(n).toString('hex');
}

// kcctl --json ARGS; input (a password) goes to its stdin; extra is more
// environment (KC_* settings over the configuration's).
export function kcctl(args, input, extra) {
  return new Promise((resolve, reject) => {
    const child = execFile(env.kcctl, ['--conf', env.conf, '--json', ...args],
      { timeout: 120000, maxBuffer: 16 << 20, env: { ...process.env, ...extra } },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`kcctl ${args.join(' ')}: ${err.message}\n${stderr}`));
          return;
        }
        try {
          resolve(stdout.trim() ? JSON.parse(stdout) : null);
        } catch (e) {
          reject(new Error(`kcctl ${args.join(' ')}: not JSON: ${stdout}`));
        }
      });
    // A command that reads no stdin may be gone before it is closed.
    child.stdin.on('error', () => {});
    if (input) child.stdin.end(input);
    else child.stdin.end();
  });
}

export async function newBusiness(name) {
  const b = await kcctl(['business', 'create', `${name} ${rand(3)}`]);
  return b.id;
}

// A user of biz with role; the password is ours, given on stdin.
export async function newUser(biz, role, extra) {
  const email = `${role}-${rand(4)}@example.com`;
  const password = `pw-${rand(10)}`;
  const u = await kcctl(['user', 'create', '--business', biz, '--email', email,
    '--role', role], password + '\n', extra);
  assert.equal(u.email, email);
  return { email, password, id: u.id };
}

// One value from the private MariaDB, as its root (what no page shows,
// such as a password's hash).
export function dbValue(sql) {
  return new Promise((resolve, reject) => {
    execFile('mariadb', ['--no-defaults', '-S', env.dbSocket, '-uroot', '-N', '-B',
      'kaicalls', '-e', sql], (err, stdout, stderr) => {
      if (err) reject(new Error(`${sql}: ${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

// The API with key: {status, body (parsed JSON, or null)}.
export async function apiCall(key, method, p, body) {
  const r = await fetch(`${env.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

// The delivery worker and the bulk replay job, as cron runs them.
export const deliver = (biz) => kcctl(['deliver', '--business', biz]);
export const replayJob = () => kcctl(['replay']);

// What the receiver answers on path, and what it got there.
export async function receiverMode(p, mode) {
  const r = await fetch(`${env.receiver}/_mode${p}`, {
    method: 'POST', body: JSON.stringify(mode),
  });
  assert.equal(r.status, 200);
}
export async function receiverCount(p) {
  const r = await fetch(`${env.receiver}/_log${p}`);
  return (await r.json()).count;
}

// A JSON API client with key: (method, path, body) => the parsed answer,
// failing the test on any status of 300 or above.
export function apiClient(key) {
  return async (method, p, body) => {
    const r = await fetch(`${env.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

// Polls fn until it returns something truthy, or fails after ms.
export async function until(what, fn, ms = 30000, every = 250) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}` +
        (last instanceof Error ? `: ${last.message}` : ''));
    }
    await new Promise((r) => setTimeout(r, every));
  }
}

export async function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox'] });
}

// A fresh context (cookies of its own) and page; headers are sent with
// every request (X-Forwarded-For through the trusted proxy setting). Each
// context is a client of its own (an address of 10/8, unless headers
// name one): every sign-in counts against its address, and the tests
// together sign in more often than the throttle lets one address.
export async function openPage(browser, headers) {
  const own = { 'x-forwarded-for': `10.${randomBytes(3).join('.')}` };
  const ctx = await browser.newContext({ extraHTTPHeaders: { ...own, ...headers } });
  const page = await ctx.newPage();
  // A dialog would mean a script of someone else's ran.
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  return { ctx, page, dialogs };
}

export async function signIn(page, user, next) {
  await page.goto(`${env.url}/app/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
}

// axe-core on the page as it is: no serious or critical violation; and a
// screenshot of it, kept under KC_BROWSER_SHOTS.
const seen = new Set();
export async function check(page, name) {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  fs.mkdirSync(env.shots, { recursive: true });
  await page.screenshot({ path: path.join(env.shots, `${name}.png`), fullPage: true });
  seen.add(name);
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ` +
    v.nodes.map((n) => n.target.join(' ')).join(', ')), [], `axe on ${name}`);
}

// The CSRF token of the signed-in page (every form carries it).
export async function csrfOf(page) {
  return page.locator('input[name="csrf"]').first().getAttribute('value');
}

// A form POST from the page's own cookies (a forged request when the
// page did not offer it).
export async function post(page, p, fields) {
  return page.request.post(`${env.url}${p}`, { form: fields, maxRedirects: 0 });
}
