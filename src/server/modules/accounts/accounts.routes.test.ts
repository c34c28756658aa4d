import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cookieOf,
  createTestApp,
  PASSWORD,
  type Client,
  type TestApp,
} from '../../../../test/helpers/app.ts';
import { encodeCursor } from '../../lib/cursor.ts';

type AccountBody = {
  id: string;
  name: string;
  number: string;
  code: string | null;
  kind: string;
  status: string;
};
type Page = { items: AccountBody[]; nextCursor: string | null };

describe('accounts API', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
  });
  afterAll(() => t.close());

  const create = async (body: Record<string, unknown>): Promise<AccountBody> => {
    const res = await admin.post('/api/accounts', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };

  /** Follows nextCursor from the first page to the last, returning every id seen. */
  async function allPages(url: string, limit: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const sep = url.includes('?') ? '&' : '?';
      const res = await admin.get(`${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<Page>();
      expect(page.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor;
      pages++;
      expect(pages).toBeLessThan(100);
    } while (cursor);
    return { ids, pages };
  }

  describe('creating', () => {
    it('creates a business account with a generated number, W plus an increasing integer', async () => {
      const res = await admin.post('/api/accounts', { kind: 'business', name: 'Acme Tools', code: 'ACME' });
      expect(res.statusCode).toBe(201);
      const first = res.json();
      expect(first).toMatchObject({
        kind: 'business',
        name: 'Acme Tools',
        code: 'ACME',
        status: 'active',
        contactCount: 0,
        assignedEmployeeIds: [],
      });
      expect(first.number).toMatch(/^W\d+$/);
      const second = await create({ kind: 'personal', name: 'Pat Person' });
      expect(second.number).toMatch(/^W\d+$/);
      expect(Number(second.number.slice(1))).toBeGreaterThan(Number(first.number.slice(1)));
      expect(second).toMatchObject({ kind: 'personal', code: null });

      const row = await t.deps.database.db
        .selectFrom('accounts')
        .select(['name', 'number', 'scope_id'])
        .where('id', '=', first.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ name: 'Acme Tools', number: first.number, scope_id: t.deps.scopeId });
    });

    it('keeps the account number given by the ERP, trimmed', async () => {
      const account = await create({ kind: 'business', name: 'ERP Co', number: '  E-1000 ' });
      expect(account.number).toBe('E-1000');
    });

    it('uses the configured number prefix', async () => {
      await t.deps.database.db
        .insertInto('settings')
        .values({ scope_id: t.deps.scopeId, key: 'accountNumberPrefix', value: JSON.stringify('C') })
        .execute();
      try {
        const account = await create({ kind: 'personal', name: 'Prefixed' });
        expect(account.number).toMatch(/^C\d+$/);
      } finally {
        await t.deps.database.db.deleteFrom('settings').where('key', '=', 'accountNumberPrefix').execute();
      }
    });

    it('records who created the account in the audit log', async () => {
      const account = await create({ kind: 'business', name: 'Audited Ltd', code: 'AUD' });
      const res = await admin.get(`/api/audit?entityType=account&entityId=${account.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json().items).toEqual([
        expect.objectContaining({
          action: 'account.created',
          actorType: 'employee',
          actorId: admin.id,
          source: 'portal',
          before: null,
          after: {
            kind: 'business',
            name: 'Audited Ltd',
            code: 'AUD',
            number: account.number,
            status: 'active',
            paymentTerms: null,
            priceGroup: null,
            salesRepCode: null,
            customerGroups: [],
          },
        }),
      ]);
    });

    it('refuses a duplicate account number, whatever its case, with 409 on number', async () => {
      await create({ kind: 'business', name: 'Numbered', number: 'DUP-1' });
      const res = await admin.post('/api/accounts', {
        kind: 'business',
        name: 'Numbered again',
        number: 'dup-1',
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'conflict',
        details: [{ path: 'number', message: expect.any(String) }],
      });
      const rows = await t.deps.database.db
        .selectFrom('accounts')
        .select('id')
        .where('name', '=', 'Numbered again')
        .execute();
      expect(rows).toEqual([]);
    });

    it('refuses a duplicate code, whatever its case, with 409 on code', async () => {
      await create({ kind: 'business', name: 'Coded', code: 'DUPCODE' });
      const res = await admin.post('/api/accounts', {
        kind: 'business',
        name: 'Coded again',
        code: 'dupcode',
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.details).toEqual([{ path: 'code', message: expect.any(String) }]);
    });

    it('treats an empty code as no code, so several accounts may leave it empty', async () => {
      const a = await create({ kind: 'business', name: 'No code one', code: '' });
      const b = await create({ kind: 'business', name: 'No code two', code: '  ' });
      expect(a.code).toBeNull();
      expect(b.code).toBeNull();
    });

    it('refuses a missing name, an overlong name and an unknown kind with invalid_input and the field paths', async () => {
      const missing = await admin.post('/api/accounts', { kind: 'business' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error.code).toBe('invalid_input');
      expect(missing.json().error.details).toContainEqual(expect.objectContaining({ path: 'name' }));

      const blank = await admin.post('/api/accounts', { kind: 'business', name: '   ' });
      expect(blank.statusCode).toBe(400);
      expect(blank.json().error.details).toContainEqual(expect.objectContaining({ path: 'name' }));

      const long = await admin.post('/api/accounts', { kind: 'business', name: 'x'.repeat(201) });
      expect(long.statusCode).toBe(400);
      expect(long.json().error.details).toContainEqual(expect.objectContaining({ path: 'name' }));

      const kind = await admin.post('/api/accounts', { kind: 'company', name: 'Bad kind' });
      expect(kind.statusCode).toBe(400);
      expect(kind.json().error.details).toContainEqual(expect.objectContaining({ path: 'kind' }));

      const longCode = await admin.post('/api/accounts', {
        kind: 'business',
        name: 'Long code',
        code: 'c'.repeat(65),
      });
      expect(longCode.statusCode).toBe(400);
      expect(longCode.json().error.details).toContainEqual(expect.objectContaining({ path: 'code' }));

      const rows = await t.deps.database.db
        .selectFrom('accounts')
        .select('id')
        .where('name', 'in', ['Bad kind', 'Long code', 'x'.repeat(200)])
        .execute();
      expect(rows).toEqual([]);
    });

    it('accepts a name of exactly 200 characters', async () => {
      const account = await create({ kind: 'business', name: 'y'.repeat(200) });
      expect(account.name).toHaveLength(200);
    });
  });

  describe('reading and finding', () => {
    let cafe: AccountBody;
    let bakery: AccountBody;
    let person: AccountBody;
    let pending: AccountBody;
    beforeAll(async () => {
      cafe = await create({ kind: 'business', name: 'Café Müller', code: 'CAFEMU', number: 'N-7781' });
      bakery = await create({ kind: 'business', name: 'Bäckerei Ölmann', code: 'BAKE1' });
      person = await create({ kind: 'personal', name: 'Zoë Ågren', number: 'P-555' });
      pending = await create({ kind: 'business', name: 'Pending Partners', status: 'pending' });
    });
    const search = async (query: string) => {
      const res = await admin.get(`/api/accounts?${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<Page>().items.map((a) => a.id);
    };

    it('reads an account by id, and answers 404 for an unknown one and 400 for a non-UUID', async () => {
      const res = await admin.get(`/api/accounts/${cafe.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(cafe);
      const unknown = await admin.get('/api/accounts/00000000-0000-4000-8000-000000000000');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('not_found');
      const bad = await admin.get('/api/accounts/not-a-uuid');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('invalid_input');
      expect(bad.json().error.details).toContainEqual(expect.objectContaining({ path: 'id' }));
    });

    it('finds accounts by code, number or part of the name, ignoring case and accents', async () => {
      expect(await search('q=cafe%20mu')).toEqual([cafe.id]);
      expect(await search('q=CAFÉ')).toEqual([cafe.id]);
      expect(await search('q=muller')).toEqual([cafe.id]);
      expect(await search('q=cafemu')).toEqual([cafe.id]);
      expect(await search('q=n-7781')).toEqual([cafe.id]);
      expect(await search('q=7781')).toEqual([cafe.id]);
      expect(await search('q=baeckerei')).toEqual([]);
      expect(await search('q=backerei%20olm')).toEqual([bakery.id]);
      expect(await search('q=OLMANN')).toEqual([bakery.id]);
      expect(await search('q=bake1')).toEqual([bakery.id]);
      expect(await search('q=zoe%20agren')).toEqual([person.id]);
      expect(await search('q=p-555')).toEqual([person.id]);
      expect(await search('q=nothing-like-this')).toEqual([]);
    });

    it('treats % and _ in the search text literally', async () => {
      expect(await search('q=%25')).toEqual([]);
      expect(await search('q=_')).toEqual([]);
      const pct = await create({ kind: 'business', name: '100% Organic_Farm' });
      expect(await search('q=%25%20organic')).toEqual([pct.id]);
      expect(await search('q=c_f')).toEqual([pct.id]);
    });

    it('filters by kind and status, with and without a search', async () => {
      const personal = (await admin.get('/api/accounts?kind=personal&limit=200')).json<Page>();
      expect(personal.items.length).toBeGreaterThan(0);
      expect(personal.items.every((a) => a.kind === 'personal')).toBe(true);
      expect(personal.items.map((a) => a.id)).toContain(person.id);
      expect(personal.items.map((a) => a.id)).not.toContain(cafe.id);

      const pend = (await admin.get('/api/accounts?status=pending&limit=200')).json<Page>();
      expect(pend.items.map((a) => a.id)).toEqual([pending.id]);

      expect(await search('q=cafe&kind=personal')).toEqual([]);
      expect(await search('q=cafe&kind=business&status=active')).toEqual([cafe.id]);
      expect(await search('q=partners&status=active')).toEqual([]);
      expect(await search('q=partners&status=pending')).toEqual([pending.id]);

      const bad = await admin.get('/api/accounts?kind=company');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details).toContainEqual(expect.objectContaining({ path: 'kind' }));
    });

    it('lists accounts ordered by name, case-insensitively', async () => {
      const page = (await admin.get('/api/accounts?limit=200')).json<Page>();
      const names = page.items.map((a) => a.name.toLowerCase());
      expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });

    it('refuses a limit above 200, below 1 or not a number', async () => {
      for (const limit of ['201', '100000', '0', '-1', 'abc', '1.5']) {
        const res = await admin.get(`/api/accounts?limit=${limit}`);
        expect(res.statusCode, limit).toBe(400);
        expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: 'limit' }));
      }
    });

    it('refuses a cursor that is not one of ours with 400, never 500', async () => {
      const cursors = [
        'garbage',
        encodeCursor({ nope: 'x' }),
        encodeCursor({ name: 'a', id: 'not-a-uuid' }),
        encodeCursor({ id: 'not-a-uuid' }),
        Buffer.from('[1,2]').toString('base64url'),
        Buffer.from('null').toString('base64url'),
      ];
      for (const cursor of cursors) {
        for (const q of ['', '&q=cafe']) {
          const res = await admin.get(`/api/accounts?cursor=${cursor}${q}`);
          expect(res.statusCode, `${cursor}${q}: ${res.body}`).toBe(400);
          expect(res.json().error.code).toBe('invalid_input');
          expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: 'cursor' }));
        }
      }
    });
  });

  describe('paging', () => {
    const names = [
      'Ångström AB',
      'angstrom ab',
      'Éclair Bakery',
      'eclair bakery',
      'İstanbul Trading',
      'istanbul trading',
      'Straße GmbH',
      'STRASSE GMBH',
      'Œuvre SARL',
      'zebra',
      'Zebra',
      'ZEBRA',
      '123 Numbers',
      '_underscore',
      ' spaced',
    ];
    const ids = new Set<string>();
    beforeAll(async () => {
      for (let i = 0; i < 30; i++) {
        const name = `${names[i % names.length]} page${i % 3}`;
        ids.add((await create({ kind: i % 4 ? 'business' : 'personal', name, code: `PG${i}` })).id);
      }
    });

    it('visits every account exactly once, page by page', async () => {
      const total = (await t.deps.database.db.selectFrom('accounts').select('id').execute()).length;
      const { ids: seen, pages } = await allPages('/api/accounts', 7);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toHaveLength(total);
      for (const id of ids) expect(seen).toContain(id);
      expect(pages).toBe(Math.ceil(total / 7) + (total % 7 === 0 ? 1 : 0));
    });

    it('visits every match of a search exactly once, page by page', async () => {
      const { ids: seen } = await allPages('/api/accounts?q=page', 7);
      expect(new Set(seen).size).toBe(seen.length);
      expect(new Set(seen)).toEqual(ids);
      const { ids: some } = await allPages('/api/accounts?q=page1', 4);
      expect(some).toHaveLength(10);
    });

    it('pages through a filtered list exactly once', async () => {
      const { ids: seen } = await allPages('/api/accounts?kind=personal', 3);
      const expected = await t.deps.database.db
        .selectFrom('accounts')
        .select('id')
        .where('kind', '=', 'personal')
        .execute();
      expect(new Set(seen).size).toBe(seen.length);
      expect(new Set(seen)).toEqual(new Set(expected.map((r) => r.id)));
    });

    it('ends with a null cursor when the last page is full', async () => {
      const res = await admin.get('/api/accounts?q=page&limit=30');
      expect(res.json().items).toHaveLength(30);
      expect(res.json().nextCursor).toBeNull();
    });
  });

  describe('changing', () => {
    it('changes only the fields given and audits just those, before and after', async () => {
      const account = await create({ kind: 'business', name: 'Old Name', code: 'OLDC' });
      const res = await admin.patch(`/api/accounts/${account.id}`, {
        name: 'New Name',
        code: 'OLDC',
        status: 'disabled',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        name: 'New Name',
        code: 'OLDC',
        status: 'disabled',
        number: account.number,
      });

      const entries = await t.deps.database.db
        .selectFrom('audit_log')
        .select(['action', 'before', 'after', 'actor_id', 'source'])
        .where('entity_id', '=', account.id)
        .where('action', '=', 'account.updated')
        .execute();
      expect(entries).toEqual([
        {
          action: 'account.updated',
          before: { name: 'Old Name', status: 'active' },
          after: { name: 'New Name', status: 'disabled' },
          actor_id: admin.id,
          source: 'portal',
        },
      ]);

      // A change that changes nothing writes no audit entry.
      expect((await admin.patch(`/api/accounts/${account.id}`, { name: 'New Name' })).statusCode).toBe(200);
      const after = await t.deps.database.db
        .selectFrom('audit_log')
        .select('id')
        .where('entity_id', '=', account.id)
        .where('action', '=', 'account.updated')
        .execute();
      expect(after).toHaveLength(1);
    });

    it('leaves pending only through the approval queue, and never goes back to it', async () => {
      const waiting = await create({ kind: 'business', name: 'Waiting Works', status: 'pending' });
      for (const status of ['active', 'disabled'] as const) {
        const res = await admin.patch(`/api/accounts/${waiting.id}`, { name: 'Renamed', status });
        expect(res.statusCode).toBe(422);
        expect(res.json().error.message).toMatch(/approval queue/);
        expect(res.json().error.details).toEqual([
          { path: 'status', message: 'Approve or reject the account in the approval queue' },
        ]);
      }
      // Nothing of the refused change was stored; other fields still change.
      const renamed = await admin.patch(`/api/accounts/${waiting.id}`, {
        name: 'Renamed',
        status: 'pending',
      });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json()).toMatchObject({ name: 'Renamed', status: 'pending' });

      const active = await create({ kind: 'business', name: 'Settled Supplies' });
      const back = await admin.patch(`/api/accounts/${active.id}`, { status: 'pending' });
      expect(back.statusCode).toBe(422);
      expect(back.json().error.details).toEqual([{ path: 'status', message: 'Choose active or disabled' }]);
      expect((await admin.get(`/api/accounts/${active.id}`)).json().status).toBe('active');
    });

    it('clears the code with null', async () => {
      const account = await create({ kind: 'business', name: 'Clear me', code: 'CLEARME' });
      const res = await admin.patch(`/api/accounts/${account.id}`, { code: null });
      expect(res.statusCode).toBe(200);
      expect(res.json().code).toBeNull();
    });

    it('refuses to change the number to one another account has, with 409 on number', async () => {
      const a = await create({ kind: 'business', name: 'Keeper', number: 'KEEP-1' });
      const b = await create({ kind: 'business', name: 'Taker' });
      const res = await admin.patch(`/api/accounts/${b.id}`, { number: 'keep-1' });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.details).toEqual([{ path: 'number', message: expect.any(String) }]);
      expect((await admin.get(`/api/accounts/${b.id}`)).json().number).toBe(b.number);
      expect(a.number).toBe('KEEP-1');
    });

    it('refuses invalid changes with 400 and unknown accounts with 404', async () => {
      const account = await create({ kind: 'business', name: 'Valid' });
      const blank = await admin.patch(`/api/accounts/${account.id}`, { name: '' });
      expect(blank.statusCode).toBe(400);
      expect(blank.json().error.details).toContainEqual(expect.objectContaining({ path: 'name' }));
      const status = await admin.patch(`/api/accounts/${account.id}`, { status: 'deleted' });
      expect(status.statusCode).toBe(400);
      expect(status.json().error.details).toContainEqual(expect.objectContaining({ path: 'status' }));
      const unknown = await admin.patch('/api/accounts/00000000-0000-4000-8000-000000000000', {
        name: 'Ghost',
      });
      expect(unknown.statusCode).toBe(404);
    });

    it('sets the employees assigned to an account, and audits the change', async () => {
      const account = await create({ kind: 'business', name: 'Assigned Co' });
      const e1 = await t.employee(['crmCompanyView']);
      const e2 = await t.employee(['crmCompanyEdit']);
      const res = await admin.put(`/api/accounts/${account.id}/assignees`, {
        employeeIds: [e1.id, e2.id, e1.id],
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().assignedEmployeeIds).toEqual([e1.id, e2.id].sort());
      const rows = await t.deps.database.db
        .selectFrom('employee_accounts')
        .select('employee_id')
        .where('account_id', '=', account.id)
        .execute();
      expect(rows.map((r) => r.employee_id).sort()).toEqual([e1.id, e2.id].sort());

      // The assigned employee now reaches it.
      expect((await e1.get(`/api/accounts/${account.id}`)).statusCode).toBe(200);

      const cleared = await admin.put(`/api/accounts/${account.id}/assignees`, { employeeIds: [] });
      expect(cleared.json().assignedEmployeeIds).toEqual([]);
      expect((await e1.get(`/api/accounts/${account.id}`)).statusCode).toBe(404);

      const audit = await t.deps.database.db
        .selectFrom('audit_log')
        .select(['before', 'after'])
        .where('entity_id', '=', account.id)
        .where('action', '=', 'account.assignees_changed')
        .orderBy('id')
        .execute();
      expect(audit).toEqual([
        { before: { assignedEmployeeIds: [] }, after: { assignedEmployeeIds: [e1.id, e2.id].sort() } },
        { before: { assignedEmployeeIds: [e1.id, e2.id].sort() }, after: { assignedEmployeeIds: [] } },
      ]);
    });

    it('refuses an unknown employee among the assignees with 422, changing nothing', async () => {
      const account = await create({ kind: 'business', name: 'Assign unknown' });
      const res = await admin.put(`/api/accounts/${account.id}/assignees`, {
        employeeIds: ['00000000-0000-4000-8000-000000000000'],
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toEqual([{ path: 'employeeIds', message: expect.any(String) }]);
      const bad = await admin.put(`/api/accounts/${account.id}/assignees`, { employeeIds: ['nope'] });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details).toContainEqual(expect.objectContaining({ path: 'employeeIds.0' }));
    });
  });

  describe('hostile requests', () => {
    it('refuses NUL characters in text with 400, never 500', async () => {
      const res = await admin.post('/api/accounts', { kind: 'business', name: 'Nul\u0000Co' });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: 'name' }));
      const search = await admin.get('/api/accounts?q=a%00b');
      expect(search.statusCode, search.body).toBe(400);
      const cursor = await admin.get(
        `/api/accounts?cursor=${encodeCursor({ name: 'a\u0000', id: '00000000-0000-4000-8000-000000000000' })}`,
      );
      expect(cursor.statusCode, cursor.body).toBe(400);
    });

    it('answers a malformed JSON body with 400 invalid_input', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/accounts',
        headers: { cookie: await cookieFor(), 'content-type': 'application/json' },
        payload: '{"kind": "business", "name": ',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
      expect(res.json().error.message).toMatch(/JSON/);
    });

    it('answers an empty JSON body with 400', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/accounts',
        headers: { cookie: await cookieFor(), 'content-type': 'application/json' },
        payload: '',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
    });

    it('answers a body that is not an object with 400', async () => {
      for (const payload of ['[]', '"text"', '42', 'null']) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/accounts',
          headers: { cookie: await cookieFor(), 'content-type': 'application/json' },
          payload,
        });
        expect(res.statusCode, payload).toBe(400);
        expect(res.json().error.code).toBe('invalid_input');
      }
    });

    it('answers a body of another content type with 415', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/accounts',
        headers: { cookie: await cookieFor(), 'content-type': 'application/xml' },
        payload: '<account kind="business" name="x"/>',
      });
      expect(res.statusCode).toBe(415);
      expect(res.json().error.code).toBe('invalid_input');
      expect(res.json().error.message).toMatch(/JSON/);
      // text/plain is parsed as a string, which is not an account.
      const text = await t.app.inject({
        method: 'POST',
        url: '/api/accounts',
        headers: { cookie: await cookieFor(), 'content-type': 'text/plain' },
        payload: 'kind=business&name=x',
      });
      expect(text.statusCode).toBe(400);
    });

    it('answers a body over the size limit with 413', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/accounts',
        headers: { cookie: await cookieFor(), 'content-type': 'application/json' },
        payload: JSON.stringify({ kind: 'business', name: 'x'.repeat(2 * 1024 * 1024) }),
      });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('invalid_input');
    });

    it('answers a repeated query parameter with 400', async () => {
      const res = await admin.get('/api/accounts?q=a&q=b');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: 'q' }));
      expect((await admin.get('/api/accounts?limit=1&limit=2')).statusCode).toBe(400);
    });

    it('refuses a body that tries to set __proto__ with 400', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/accounts',
        headers: { cookie: await cookieFor(), 'content-type': 'application/json' },
        payload: '{"kind":"business","name":"Proto","__proto__":{"admin":true}}',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
    });

    it('searches for backslashes and quotes literally', async () => {
      for (const q of ['\\', "'", '"', "'; drop table accounts; --", '%5C%25']) {
        const res = await admin.get(`/api/accounts?q=${encodeURIComponent(q)}`);
        expect(res.statusCode, q).toBe(200);
        expect(res.json().items).toEqual([]);
      }
    });

    it('answers an overlong search text with 400', async () => {
      const res = await admin.get(`/api/accounts?q=${'a'.repeat(201)}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: 'q' }));
    });

    it('ignores unknown fields rather than storing them', async () => {
      const res = await admin.post('/api/accounts', {
        kind: 'business',
        name: 'Extra',
        id: '00000000-0000-4000-8000-000000000001',
        contactCount: 99,
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().id).not.toBe('00000000-0000-4000-8000-000000000001');
      expect(res.json().contactCount).toBe(0);
    });
  });

  let cookie: string | undefined;
  /** A raw session cookie, for requests the client helper cannot make (bodies that are not JSON). */
  async function cookieFor(): Promise<string> {
    if (cookie) return cookie;
    const e = await t.employee(['administrator']);
    const res = await t.anonymous.post('/api/session', { email: e.email, password: PASSWORD });
    cookie = cookieOf(res);
    return cookie;
  }
});
