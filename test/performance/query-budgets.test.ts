import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, createTestApp, type Client, type TestApp } from '../helpers/app.ts';
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
    );
  });
  afterAll(() => t.close());

  /** The statements of one request, with their SQL in the failure message. */
  async function budget(
    run: () => Promise<{ statusCode: number; body: string }>,
    status: number,
  ): Promise<StatementLog> {
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

  it('lists a page of accounts in at most 3 statements', async () => {
    const log = await budget(() => api.get('/api/accounts?limit=10'), 200);
    expect(log.queries.length, listing(log)).toBeLessThanOrEqual(3);
    expect(log.commits).toBe(0);
  });

  it('lists a page of contacts, and a search, in at most 3 statements', async () => {
    for (const url of ['/api/contacts?limit=10', '/api/contacts?limit=10&q=budget']) {
      const log = await budget(() => api.get(url), 200);
      expect(log.queries.length, listing(log)).toBeLessThanOrEqual(3);
      expect(log.commits).toBe(0);
    }
  });

  it('reads an account in at most 2 statements', async () => {
    const log = await budget(() => api.get(`/api/accounts/${accountId}`), 200);
    expect(log.queries.length, listing(log)).toBeLessThanOrEqual(2);
    expect(log.commits).toBe(0);
  });
});
