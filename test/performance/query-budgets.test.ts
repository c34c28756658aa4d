import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, createTestApp, type Client, type TestApp } from '../helpers/app.ts';
import { startSmtpServer, type CapturingSmtp } from '../helpers/smtp.ts';
import { countStatements, type StatementLog } from '../helpers/statements.ts';

/**
 * The statement budgets of the hot paths (docs/performance.md): each request is counted from the moment it
 * arrives until its answer, authentication included. A change that adds a query to one of these paths
 * fails here; raise a budget only with a reason written down beside it.
 */
describe('query budgets', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let api: Client;
  let accountId: string;
  let contactId: string;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    const ok = async (res: Promise<{ statusCode: number; body: string; json(): unknown }>) => {
      const r = await res;
      if (r.statusCode >= 300) throw new Error(r.body);
      return r.json() as { id: string; key: string };
    };
    await ok(admin.post('/api/roles', { key: 'buyer', name: 'Buyer' }));
    await ok(admin.post('/api/roles', { key: 'approver', name: 'Approver' }));
    await ok(admin.post('/api/group-roles', { key: 'purchasing', name: 'Purchasing', roles: ['approver'] }));
    await ok(admin.post('/api/customer-groups', { key: 'vip', name: 'VIP' }));
    const { key } = await ok(
      admin.post('/api/api-keys', { name: 'ERP', roles: ['companyEdit', 'customerEdit'] }),
    );
    api = clientFor(t.app, { authorization: `Bearer ${key}` });
    accountId = (
      await ok(admin.post('/api/accounts', { kind: 'business', name: 'Budget Tools', code: 'BT' }))
    ).id;
    await ok(admin.post('/api/accounts', { kind: 'business', name: 'Second Budget' }));
    contactId = (
      await ok(
        admin.post('/api/contacts', {
          accountId,
          email: 'first@budget.test',
          firstName: 'First',
          lastName: 'Budget',
          roles: ['buyer'],
          groupRoles: ['purchasing'],
          customerGroups: ['vip'],
        }),
      )
    ).id;
  });
  afterAll(() => t.close());

  /** The statements of one request, with their SQL in the failure message. */
  async function budget(
    run: () => Promise<LightMyRequestResponse>,
    status: number,
  ): Promise<StatementLog & { result: LightMyRequestResponse }> {
    const log = await countStatements(run);
    expect(log.result.statusCode, log.result.body).toBe(status);
    return log;
  }
  const listing = (log: StatementLog) =>
    log.all.map((s, i) => `${i + 1}. ${s.replace(/\s+/g, ' ')}`).join('\n');

  it('counts the statements of a request and of its transactions, and nothing running beside it', async () => {
    const { db } = t.deps.database;
    const log = await countStatements(() =>
      db.transaction().execute(async (tx) => {
        await tx.selectFrom('scopes').select('id').execute();
        await tx.selectFrom('roles').select('id').execute();
      }),
    );
    expect(log.all.map((s) => s.toLowerCase())).toEqual([
      'begin',
      'select "id" from "scopes"',
      'select "id" from "roles"',
      'commit',
    ]);
    expect(log.queries).toHaveLength(2);
    expect(log.commits).toBe(1);
    // A request arriving through app.inject is counted, though inject does not carry the caller's context.
    const request = await countStatements(() => api.get(`/api/accounts/${accountId}`));
    expect(request.queries.length).toBeGreaterThan(0);
    // Statements started outside the counted work are not counted.
    const outside = db.selectFrom('scopes').select('id').execute();
    const quiet = await countStatements(async () => 'nothing');
    await outside;
    expect(quiet.all).toEqual([]);
  });

  const writes = (log: StatementLog) => log.queries.filter((q) => /^\s*(insert|update|delete)\b/i.test(q));

  it('authenticates an API key or an employee session in one statement that writes nothing', async () => {
    for (const [client, url] of [
      [api, `/api/accounts/${accountId}`],
      [admin, `/api/accounts/${accountId}`],
    ] as const) {
      const log = await budget(() => client.get(url), 200);
      expect(log.queries[0], listing(log)).toMatch(/from "(api_keys|sessions)"/);
      expect(log.queries.slice(1).join('\n')).not.toMatch(/"(api_keys|sessions)"/);
      expect(writes(log), listing(log)).toEqual([]);
    }
    const unknown = await budget(
      () => clientFor(t.app, { authorization: 'Bearer clt_made_up' }).get('/api/accounts'),
      401,
    );
    expect(unknown.all).toHaveLength(1);
  });

  it('lists a page of accounts, and a search and its next page, in at most 3 statements', async () => {
    const first = await budget(() => api.get('/api/accounts?limit=1&q=budget'), 200);
    const next = first.result.json<{ nextCursor: string | null }>().nextCursor;
    expect(next).toEqual(expect.any(String));
    const cursor = encodeURIComponent(next!);
    for (const url of [
      '/api/accounts?limit=10',
      '/api/accounts?limit=1&q=budget',
      `/api/accounts?limit=1&q=budget&cursor=${cursor}`,
      '/api/accounts?q=b',
    ]) {
      const log = await budget(() => api.get(url), 200);
      expect(log.queries.length, listing(log)).toBeLessThanOrEqual(3);
      expect(log.commits).toBe(0);
    }
  });

  it('lists a page of contacts, and a search (short terms too), in at most 3 statements', async () => {
    for (const url of [
      '/api/contacts?limit=10',
      '/api/contacts?limit=10&q=budget',
      '/api/contacts?q=fi',
      '/api/contacts?q=bt',
      '/api/contacts?q=%40',
    ]) {
      const log = await budget(() => api.get(url), 200);
      expect(log.queries.length, listing(log)).toBeLessThanOrEqual(3);
      expect(log.commits).toBe(0);
    }
  });

  it('reads a contact in 2 statements: the API key, then the contact with all its relations', async () => {
    const log = await budget(() => api.get(`/api/contacts/${contactId}`), 200);
    expect(log.queries.length, listing(log)).toBeLessThanOrEqual(2);
    expect(log.commits).toBe(0);
    expect(log.result.json()).toMatchObject({
      roles: ['buyer'],
      groupRoles: ['purchasing'],
      effectiveRoles: ['approver', 'buyer'],
      customerGroups: ['vip'],
      account: { id: accountId },
      accounts: [{ id: accountId, name: 'Budget Tools' }],
    });
    // A contact out of reach costs the same: one statement answers 404.
    const missing = await budget(() => api.get('/api/contacts/00000000-0000-4000-8000-000000000000'), 404);
    expect(missing.queries).toHaveLength(2);
  });

  // The key; everything the checks need in one read; the contact and every write of it in one chain of CTEs.
  // With SMTP delivery too (below): the emails table is the queue, there is no job to send.
  const CREATE_BUDGET = 3;

  it(`creates a contact with roles, a group and its activation email in ${CREATE_BUDGET} statements and one commit`, async () => {
    const log = await budget(
      () =>
        api.post('/api/contacts', {
          accountId,
          email: 'second@budget.test',
          firstName: 'Second',
          lastName: 'Budget',
          roles: ['buyer'],
          groupRoles: ['purchasing'],
          customerGroups: ['vip'],
          login: { mode: 'activation-email' },
        }),
      201,
    );
    expect(log.queries.length, listing(log)).toBeLessThanOrEqual(CREATE_BUDGET);
    expect(log.commits, listing(log)).toBe(1);
    // The audit rows and the email are written inside that one transaction.
    const commit = log.all.findIndex((q) => /^commit/i.test(q));
    const begin = log.all.findIndex((q) => /^begin/i.test(q));
    for (const table of ['audit_log', 'emails', 'one_time_tokens'])
      expect(
        log.all.findIndex((q) => q.includes(`insert into "${table}"`)),
        `${table}\n${listing(log)}`,
      ).toSatisfy((i: number) => i > begin && i < commit);
    const id = log.result.json<{ id: string }>().id;
    const { db } = t.deps.database;
    const audits = await db.selectFrom('audit_log').select('action').where('entity_id', '=', id).execute();
    expect(audits.map((a) => a.action)).toEqual(['contact.created']);
    const emails = await db
      .selectFrom('emails')
      .select('template_key')
      .where('contact_id', '=', id)
      .execute();
    expect(emails).toEqual([{ template_key: 'accountactivation' }]);
    expect(log.queries[1], listing(log)).toMatch(/^select now\(\)/i);
    expect(log.queries[2], listing(log)).toMatch(/^with "new_contact" as \(insert into "contacts"/i);
  });

  it('refuses a contact in the same statements, writing nothing: unknown role, taken email', async () => {
    const unknown = await budget(
      () =>
        api.post('/api/contacts', {
          accountId,
          email: 'third@budget.test',
          firstName: 'Third',
          lastName: 'Budget',
          roles: ['nobody'],
        }),
      422,
    );
    expect(unknown.queries.length, listing(unknown)).toBe(2);
    expect(writes(unknown)).toEqual([]);
    const taken = await budget(
      () =>
        api.post('/api/contacts', {
          accountId,
          email: 'FIRST@budget.test',
          firstName: 'First',
          lastName: 'Again',
        }),
      409,
    );
    expect(taken.queries.length, listing(taken)).toBe(3);
    expect(taken.commits).toBe(0);
  });

  it('lists a page of 50 contacts with their accounts and groups in at most 3 statements', async () => {
    const log = await budget(() => api.get('/api/contacts?limit=50'), 200);
    expect(log.queries.length, listing(log)).toBeLessThanOrEqual(3);
    expect(log.result.json<{ items: unknown[] }>().items.length).toBeGreaterThanOrEqual(2);
  });

  it('reads an account in at most 2 statements', async () => {
    const log = await budget(() => api.get(`/api/accounts/${accountId}`), 200);
    expect(log.queries.length, listing(log)).toBeLessThanOrEqual(2);
    expect(log.commits).toBe(0);
  });
});

describe('query budgets with SMTP delivery', () => {
  let smtp: CapturingSmtp;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({ SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('creates a contact with its activation email in 3 statements: the queued email row is the whole queue', async () => {
    const admin = await t.employee(['administrator']);
    const { key } = (await admin.post('/api/api-keys', { name: 'ERP', roles: ['customerEdit'] })).json<{
      key: string;
    }>();
    const api = clientFor(t.app, { authorization: `Bearer ${key}` });
    const { id: accountId } = (
      await admin.post('/api/accounts', { kind: 'business', name: 'Delivered Budget' })
    ).json<{ id: string }>();
    const log = await countStatements(() =>
      api.post('/api/contacts', {
        accountId,
        email: 'delivered@budget.test',
        firstName: 'Deli',
        lastName: 'Vered',
        login: { mode: 'activation-email' },
      }),
    );
    const listing = log.all.map((s, i) => `${i + 1}. ${s.replace(/\s+/g, ' ')}`).join('\n');
    expect(log.result.statusCode, log.result.body).toBe(201);
    expect(log.queries.length, listing).toBe(3);
    expect(log.commits, listing).toBe(1);
    expect(log.all.join('\n'), listing).not.toMatch(/pgboss/);
    const { db } = t.deps.database;
    const email = await db
      .selectFrom('emails')
      .selectAll()
      .where('to_address', '=', 'delivered@budget.test')
      .executeTakeFirstOrThrow();
    // Queued for the delivery's workers as `enqueue` queues it: due now, its link's token kept aside.
    expect(email).toMatchObject({ status: 'queued', template_key: 'accountactivation', sent_at: null });
    expect(email.next_attempt_at).toBeInstanceOf(Date);
    expect(email.message_id).toBe(`<${email.id}@clientele.test>`);
    expect(Object.keys(email.secrets!)).toHaveLength(1);
    expect(await t.deps.delivery!.deliverDue()).toBe(1);
    const [message] = await smtp.waitFor(1);
    expect(message!.messageId).toBe(email.message_id);
    const token = Object.values(email.secrets!)[0]!;
    expect(message!.parsed!.text).toContain(`token=${token}`);
  });
});
