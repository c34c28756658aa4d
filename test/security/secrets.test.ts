import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAccountRequestWorker } from '../../src/server/modules/auth/account-requests.job.ts';
import { sha256 } from '../../src/server/lib/secrets.ts';
import { clientFor, createTestApp, type Client, type TestApp } from '../helpers/app.ts';
import { jobsSettled } from '../helpers/jobs.ts';
import { startSmtpServer, type CapturingSmtp } from '../helpers/smtp.ts';

/**
 * After every kind of email that carries a one-time token was sent, no GET route, for any principal,
 * and no line of the server's log holds a token that still works. A new route or email that shows
 * one makes this fail.
 */
describe('no working token is readable anywhere', () => {
  let smtp: CapturingSmtp;
  let t: TestApp;
  let admin: Client & { id: string; email: string };
  const routes = new Set<string>();
  const logLines: string[] = [];
  let principals: Record<string, Client>;
  let accountId: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp(
      { SMTP_URL: smtp.url },
      {
        logger: { level: 'info', stream: { write: (line) => void logLines.push(line) } },
        onRoute: (route) => {
          const methods = [route.method].flat();
          if (methods.includes('GET') && !route.url.includes('*')) routes.add(route.url);
        },
      },
    );
    // Link requests by email are answered in a job: its worker writes those emails.
    await startAccountRequestWorker(t.deps);
    admin = await t.employee(['administrator']);
    accountId = (await admin.post('/api/accounts', { kind: 'business', name: 'Secret Keepers' })).json().id;
    const key = await admin.post('/api/api-keys', { name: 'integration', roles: ['administrator'] });
    expect(key.statusCode, key.body).toBe(201);
    principals = {
      anonymous: t.anonymous,
      administrator: admin,
      companyView: await t.employee(['companyView'], { assignedAccountIds: [accountId] }),
      customerView: await t.employee(['customerView']),
      emailTemplatesEdit: await t.employee(['emailTemplatesEdit']),
      apiKey: clientFor(t.app, { authorization: `Bearer ${key.json<{ key: string }>().key}` }),
    };
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const db = () => t.deps.database.db;

  async function liveTokenHashes(): Promise<Set<string>> {
    const rows = await db()
      .selectFrom('one_time_tokens')
      .select('token_hash')
      .where('used_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .execute();
    return new Set(rows.map((r) => r.token_hash));
  }

  /** Every word of 16+ characters (and every token-sized piece of a longer one) whose hash is a live token. */
  function liveTokensIn(text: string, live: Set<string>): string[] {
    const found = new Set<string>();
    for (const word of text.match(/[\w-]{16,}/g) ?? []) {
      if (live.has(sha256(word))) found.add(word);
      for (let i = 0; word.length > 43 && i + 43 <= word.length; i++)
        if (live.has(sha256(word.slice(i, i + 43)))) found.add(word.slice(i, i + 43));
    }
    return [...found];
  }

  const uuidsIn = (text: string) =>
    text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [];

  /** GETs every route as every principal, path parameters filled with ids the lists returned. */
  async function walk(): Promise<{ requests: number; leaks: string[] }> {
    const live = await liveTokenHashes();
    const leaks: string[] = [];
    let requests = 0;
    const idsByList = new Map<string, Set<string>>();
    const check = (who: string, url: string, res: LightMyRequestResponse) => {
      requests++;
      const seen = liveTokensIn(`${JSON.stringify(res.headers)}\n${res.body}`, live);
      for (const token of seen) leaks.push(`${who} GET ${url}: ${token}`);
      return res.body;
    };
    const plain = [...routes].filter((r) => !r.includes(':'));
    for (const route of plain) {
      const ids = new Set<string>();
      for (const [who, client] of Object.entries(principals))
        for (const url of [route, `${route}?limit=200`])
          for (const id of uuidsIn(check(who, url, await client.get(url)))) ids.add(id);
      idsByList.set(route, ids);
    }
    const allIds = new Set([...idsByList.values()].flatMap((s) => [...s]));
    const templateKeys = (await admin.get('/api/email-templates'))
      .json<{ key: string }[]>()
      .map((e) => e.key);
    for (const route of [...routes].filter((r) => r.includes(':'))) {
      const parent = route.slice(0, route.indexOf('/:'));
      const ids = [...(idsByList.get(parent) ?? allIds)];
      let urls = [route];
      for (const param of route.match(/:\w+/g)!) {
        const values = param === ':key' ? templateKeys : param === ':language' ? ['en', 'fr'] : ids;
        urls = urls.flatMap((u) => values.map((v) => u.replace(param, encodeURIComponent(v))));
      }
      for (const url of urls)
        for (const [who, client] of Object.entries(principals)) check(who, url, await client.get(url));
    }
    return { requests, leaks };
  }

  async function sendEveryKindOfLink() {
    const contact = async (label: string, sendEmail?: string) => {
      const res = await admin.post(`/api/accounts/${accountId}/contacts`, {
        email: `${label}@secrets.test`,
        firstName: 'Sec',
        lastName: label,
        ...(sendEmail && { sendEmail }),
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string; email: string }>();
    };
    await contact('welcomed', 'accountactivation');
    const resetByEmployee = await contact('reset-by-employee');
    expect((await admin.post(`/api/contacts/${resetByEmployee.id}/password-reset`)).statusCode).toBe(202);
    const resetByStore = await contact('reset-by-store');
    expect(
      (await t.anonymous.post('/api/store/password-reset', { email: resetByStore.email })).statusCode,
    ).toBe(202);
    const reactivated = await contact('activation-resend');
    expect(
      (await t.anonymous.post('/api/store/activation/resend', { email: reactivated.email })).statusCode,
    ).toBe(202);
    const bulk = await admin.post('/api/contacts/bulk', {
      accountId,
      text: 'bulk@secrets.test,Bul,K',
      logins: 'activation',
    });
    expect(bulk.statusCode, bulk.body).toBe(200);
    const resent = await contact('resent-from-log', 'accountactivation');
    const logged = (await admin.get(`/api/emails?to=${resent.email}`)).json<{ items: { id: string }[] }>();
    expect((await admin.post(`/api/emails/${logged.items[0]!.id}/resend`)).statusCode).toBe(202);
    expect(
      (await t.anonymous.post('/api/session/password-reset', { email: admin.email })).statusCode,
    ).toBeLessThan(300);
    await jobsSettled(t.deps.database.db, 'account.request');
  }

  it('holds no live token in any GET response or log line, while queued and once delivered', async () => {
    await sendEveryKindOfLink();

    // Queued: the raw tokens wait in the outbox, which nothing shows.
    const queued = await walk();
    expect(queued.leaks).toEqual([]);
    expect(queued.requests).toBeGreaterThan(300);
    expect(routes).toContain('/api/emails/:id');

    await t.deps.delivery!.startWorkers();
    // Eight emails: the contact whose welcome was resent got two.
    const messages = await smtp.waitFor(8, 30_000);
    // The server's 250 reaches the worker a moment after the message is kept: wait until all are sent.
    for (let i = 0; i < 200; i++) {
      const pending = await db().selectFrom('emails').select('id').where('status', '!=', 'sent').execute();
      if (pending.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const live = await liveTokenHashes();
    const delivered = messages.flatMap((m) =>
      [...`${m.parsed!.text}\n${String(m.parsed!.html)}`.matchAll(/token=([\w-]+)/g)].map((x) => x[1]!),
    );
    // The links arrived and work: each kind's token is live (so the walk below has something to find),
    // but the first welcome of the contact whose email was resent, which the resend replaced.
    const working = [...new Set(delivered)].filter((token) => live.has(sha256(token)));
    expect(new Set(delivered).size).toBe(8);
    expect(working).toHaveLength(7);

    // A recipient opens a link: the server's log must not keep it.
    await t.anonymous.get(`/store/reset?token=${working[0]}`);

    const sent = await walk();
    expect(sent.leaks).toEqual([]);
    expect(liveTokensIn(logLines.join('\n'), live)).toEqual([]);
    expect(logLines.length).toBeGreaterThan(100);
    const rows = await db().selectFrom('emails').select(['subject', 'html', 'text', 'secrets']).execute();
    expect(rows.filter((r) => r.secrets !== null)).toEqual([]);
    expect(liveTokensIn(JSON.stringify(rows), live)).toEqual([]);

    // The detector itself finds a live token where there is one.
    expect(liveTokensIn(`x?token=${working[0]}&y`, live)).toEqual([working[0]]);
  }, 600_000);
});
