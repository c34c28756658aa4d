import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.ts';
import type { App } from '../../src/server/deps.ts';
import { createTestApp, type Client, type TestApp } from '../helpers/app.ts';

/** What every response carries, whatever answered it. */
function expectSecurityHeaders(
  headers: Record<string, string | string[] | number | undefined>,
  what: string,
) {
  const csp = String(headers['content-security-policy'] ?? '');
  expect(csp, `${what}: CSP`).toContain("default-src 'self'");
  expect(csp, `${what}: frame-ancestors`).toContain("frame-ancestors 'none'");
  expect(csp, `${what}: plain HTTP site`).not.toContain('upgrade-insecure-requests');
  expect(headers['x-content-type-options'], `${what}: nosniff`).toBe('nosniff');
  expect(headers['referrer-policy'], `${what}: Referrer-Policy`).toBe('no-referrer');
}

function expectErrorShape(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.json()).toEqual({ error: { code, message: expect.any(String) } });
}

describe('security headers', () => {
  let t: TestApp;
  let admin: Client;
  let accountId: string;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    accountId = (await admin.post('/api/accounts', { kind: 'business', name: 'Headers Co' })).json().id;
  });
  afterAll(() => t.close());

  it('are on JSON answers, errors, API 404s and 413s, which are never cached', async () => {
    const cases: [string, LightMyRequestResponse, number][] = [
      ['JSON 200', await admin.get('/api/accounts'), 200],
      ['public JSON', await t.anonymous.get('/api/health'), 200],
      ['400', await admin.post('/api/accounts', { kind: 'business' }), 400],
      ['401', await t.anonymous.get('/api/contacts'), 401],
      ['404 API', await admin.get('/api/no-such-thing'), 404],
      ['413', await admin.post('/api/roles', { key: 'big', name: 'x'.repeat(2 * 1024 * 1024) }), 413],
      [
        '415',
        await t.app.inject({
          method: 'POST',
          url: '/api/session',
          headers: { 'content-type': 'application/xml' },
          payload: '<session/>',
        }),
        415,
      ],
    ];
    for (const [what, res, status] of cases) {
      expect(res.statusCode, `${what}: ${res.body}`).toBe(status);
      expectSecurityHeaders(res.headers, what);
      expect(res.headers['cache-control'], what).toBe('no-store');
    }
  });

  it('are on framework errors, which have the error shape and do not echo the address', async () => {
    const res = await admin.get('/api/accounts/%E0%A4%A<script>');
    expectErrorShape(res, 400, 'invalid_input');
    expectSecurityHeaders(res.headers, 'bad URL');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).not.toContain('script');
    expect(res.body).not.toContain('%E0');
    expect(res.body).not.toContain('FST_');

    const notFound = await admin.get('/api/echo-me-not');
    expectErrorShape(notFound, 404, 'not_found');
    expect(notFound.body).not.toContain('echo-me-not');
  });

  it('are on what Node’s HTTP parser refuses (a malformed Content-Length), in the error shape', async () => {
    const app = await buildApp(t.deps);
    const port = await listen(app);
    try {
      const raw = await rawRequest(
        port,
        'POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\nContent-Type: application/json\r\n\r\n{}',
      );
      const [head = '', body = ''] = raw.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 400 /);
      const headers = Object.fromEntries(
        head
          .split('\r\n')
          .slice(1)
          .map((line) => [
            line.slice(0, line.indexOf(':')).toLowerCase(),
            line.slice(line.indexOf(':') + 1).trim(),
          ]),
      );
      expectSecurityHeaders(headers, 'client error');
      expect(JSON.parse(body)).toEqual({ error: { code: 'invalid_input', message: expect.any(String) } });
    } finally {
      await app.close();
    }
  });

  it('are on the web app’s pages and its not-found answers', async () => {
    const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-web-'));
    fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>Clientele</title>');
    const app = await buildApp(t.deps, { webDir });
    try {
      const page = await app.inject({ method: 'GET', url: '/accounts/some/page' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expectSecurityHeaders(page.headers, 'web page');
      const post = await app.inject({ method: 'POST', url: '/not-a-page', payload: {} });
      expectErrorShape(post, 404, 'not_found');
      expectSecurityHeaders(post.headers, 'web not-found');
    } finally {
      await app.close();
      fs.rmSync(webDir, { recursive: true, force: true });
    }
  });

  it.skipIf(!fs.existsSync(path.resolve(import.meta.dirname, '../../dist/web/index.html')))(
    'are on the built web app',
    async () => {
      const page = await t.app.inject({ method: 'GET', url: '/' });
      expect(page.statusCode).toBe(200);
      expectSecurityHeaders(page.headers, 'built web app');
    },
  );

  it('ask browsers to upgrade insecure requests only when the public address is https', async () => {
    const app = await buildApp({
      ...t.deps,
      config: { ...t.deps.config, publicUrl: 'https://clientele.test' },
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/api/health' });
      expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
      const bad = await app.inject({ method: 'GET', url: '/api/%E0%A4%A' });
      expect(bad.headers['content-security-policy']).toContain('upgrade-insecure-requests');
    } finally {
      await app.close();
    }
    const plain = await t.anonymous.get('/api/health');
    expect(plain.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });

  it('keep personal data out of caches: contacts, sessions, emails, generated passwords', async () => {
    const contact = await admin.post(`/api/accounts/${accountId}/contacts`, {
      email: 'cache-me-not@example.com',
      firstName: 'Cache',
      lastName: 'Not',
      sendEmail: 'accountactivation',
    });
    expect(contact.statusCode, contact.body).toBe(201);
    const email = (await admin.get('/api/emails?to=cache-me-not%40example.com')).json<{
      items: { id: string }[];
    }>().items[0]!;
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'nobody@example.com', password: 'wrong-password-here' },
    });
    const cases: [string, LightMyRequestResponse][] = [
      ['contact', await admin.get(`/api/contacts/${contact.json().id}`)],
      ['contacts', await admin.get('/api/contacts')],
      ['session', await admin.get('/api/session')],
      ['sign-in', signIn],
      ['email', await admin.get(`/api/emails/${email.id}`)],
      [
        'bulk add',
        await admin.post('/api/contacts/bulk', {
          text: 'gen-cache@example.com,Gen,Cache',
          accountId,
          logins: 'generated',
        }),
      ],
    ];
    for (const [what, res] of cases) {
      expect(res.statusCode, `${what}: ${res.body}`).toBeLessThan(500);
      expect(res.headers['cache-control'], what).toBe('no-store');
      expectSecurityHeaders(res.headers, what);
    }
  });
});

async function listen(app: App): Promise<number> {
  // Ports 4500-4599 are this suite's; another file may hold one.
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = 4500 + Math.floor(Math.random() * 100);
    try {
      await app.listen({ port, host: '127.0.0.1' });
      return port;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
  throw new Error('no free port in 4500-4599');
}

function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}
