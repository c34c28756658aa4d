import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

type Invoice = {
  id: string;
  number: string;
  accountId: string;
  date: string;
  amount: number;
  currency: string;
  createdAt: string;
};

describe('invoices API', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let account: { id: string; number: string };
  let other: { id: string; number: string };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    account = (
      await admin.post('/api/accounts', { kind: 'business', name: 'Invoice Co', number: 'C-1001' })
    ).json();
    other = (await admin.post('/api/accounts', { kind: 'business', name: 'Other Co' })).json();
  });
  afterAll(() => t.close());

  const db = () => t.deps.database.db;
  const invoiceRows = (number: string) =>
    db()
      .selectFrom('invoices')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['number']), '=', number.toLowerCase()))
      .execute();

  describe('recording', () => {
    it('records an invoice for an account given by id', async () => {
      const res = await admin.post('/api/invoices', {
        number: 'INV-2026-001',
        accountId: account.id,
        date: '2026-03-14',
        amount: 1234.5,
        currency: 'usd',
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toEqual({
        id: expect.any(String),
        number: 'INV-2026-001',
        accountId: account.id,
        date: '2026-03-14',
        amount: 1234.5,
        currency: 'USD',
        createdAt: expect.any(String),
      });
      const rows = await invoiceRows('INV-2026-001');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ scope_id: t.deps.scopeId, account_id: account.id, currency: 'USD' });
      expect(Number(rows[0]!.amount)).toBe(1234.5);
    });

    it('records an invoice for an account given by number, whatever its case', async () => {
      const res = await admin.post('/api/invoices', {
        number: 'INV-2026-002',
        accountNumber: 'c-1001',
        date: '2026-04-01',
        amount: 99,
        currency: 'EUR',
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json<Invoice>().accountId).toBe(account.id);
    });

    it('answers 200 with the stored invoice when the same one is sent again, number in any case', async () => {
      const first = (await admin.get(`/api/accounts/${account.id}/invoices`)).json<{ items: Invoice[] }>()
        .items;
      const stored = first.find((i) => i.number === 'INV-2026-001')!;
      const again = await admin.post('/api/invoices', {
        number: 'inv-2026-001',
        accountNumber: account.number,
        date: '2026-03-14',
        amount: 1234.5,
        currency: 'USD',
      });
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json()).toEqual(stored);
      expect(await invoiceRows('INV-2026-001')).toHaveLength(1);
    });

    it('refuses the same number with other content with 409 naming what differs', async () => {
      const res = await admin.post('/api/invoices', {
        number: 'INV-2026-001',
        accountId: other.id,
        date: '2026-03-14',
        amount: 1200,
        currency: 'USD',
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'conflict',
        message: expect.stringContaining('INV-2026-001 already exists'),
        details: [
          { path: 'accountId', message: expect.any(String) },
          { path: 'amount', message: 'Stored amount: 1234.50' },
        ],
      });
      const rows = await invoiceRows('INV-2026-001');
      expect(rows).toHaveLength(1);
      expect(rows[0]!.account_id).toBe(account.id);
    });

    it('refuses an unknown account with 422 naming the field', async () => {
      const byId = await admin.post('/api/invoices', {
        number: 'INV-X-1',
        accountId: '00000000-0000-4000-8000-000000000000',
        date: '2026-01-01',
        amount: 1,
        currency: 'USD',
      });
      expect(byId.statusCode).toBe(422);
      expect(byId.json().error.details).toEqual([{ path: 'accountId', message: expect.any(String) }]);
      const byNumber = await admin.post('/api/invoices', {
        number: 'INV-X-1',
        accountNumber: 'NOPE-1',
        date: '2026-01-01',
        amount: 1,
        currency: 'USD',
      });
      expect(byNumber.statusCode).toBe(422);
      expect(byNumber.json().error.details).toEqual([
        { path: 'accountNumber', message: 'No account NOPE-1' },
      ]);
      expect(await invoiceRows('INV-X-1')).toHaveLength(0);
    });

    it('validates the body: one account reference, a real date, a currency code', async () => {
      const base = { number: 'INV-V', date: '2026-01-01', amount: 1, currency: 'USD' };
      const both = await admin.post('/api/invoices', {
        ...base,
        accountId: account.id,
        accountNumber: 'C-1001',
      });
      expect(both.statusCode).toBe(400);
      expect(both.json().error.details).toContainEqual({ path: 'accountId', message: expect.any(String) });
      expect((await admin.post('/api/invoices', base)).statusCode).toBe(400);
      const date = await admin.post('/api/invoices', { ...base, accountId: account.id, date: '2026-02-30' });
      expect(date.statusCode).toBe(400);
      const currency = await admin.post('/api/invoices', { ...base, accountId: account.id, currency: 'US' });
      expect(currency.statusCode).toBe(400);
      expect(currency.json().error.details).toContainEqual({ path: 'currency', message: expect.any(String) });
    });

    it('records one invoice when the same one arrives twice at once', async () => {
      const body = {
        number: 'INV-RACE',
        accountId: account.id,
        date: '2026-05-05',
        amount: 10,
        currency: 'USD',
      };
      const results = await Promise.all([
        admin.post('/api/invoices', body),
        admin.post('/api/invoices', body),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 201]);
      const [first, second] = results;
      expect(first.json<Invoice>().id).toBe(second.json<Invoice>().id);
      expect(await invoiceRows('INV-RACE')).toHaveLength(1);
    });

    it('audits a recorded invoice', async () => {
      const id = (await invoiceRows('INV-2026-002'))[0]!.id;
      const entries = await db()
        .selectFrom('audit_log')
        .select(['action', 'actor_id', 'after'])
        .where('entity_type', '=', 'invoice')
        .where('entity_id', '=', id)
        .execute();
      expect(entries).toEqual([
        {
          action: 'invoice.created',
          actor_id: admin.id,
          after: {
            number: 'INV-2026-002',
            accountId: account.id,
            accountNumber: 'C-1001',
            date: '2026-04-01',
            amount: 99,
            currency: 'EUR',
          },
        },
      ]);
    });
  });

  describe('listing', () => {
    it('lists an account’s invoices newest first, in pages', async () => {
      for (const [number, date] of [
        ['INV-L-1', '2025-12-31'],
        ['INV-L-2', '2026-06-30'],
      ])
        expect(
          (
            await admin.post('/api/invoices', {
              number,
              accountId: account.id,
              date,
              amount: 5,
              currency: 'USD',
            })
          ).statusCode,
        ).toBe(201);
      const all = (await admin.get(`/api/accounts/${account.id}/invoices`)).json<{
        items: Invoice[];
        nextCursor: string | null;
      }>();
      expect(all.items.map((i) => [i.number, i.date])).toEqual([
        ['INV-L-2', '2026-06-30'],
        ['INV-RACE', '2026-05-05'],
        ['INV-2026-002', '2026-04-01'],
        ['INV-2026-001', '2026-03-14'],
        ['INV-L-1', '2025-12-31'],
      ]);
      expect(all.nextCursor).toBeNull();

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await admin.get(
          `/api/accounts/${account.id}/invoices?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json<{ items: Invoice[]; nextCursor: string | null }>();
        seen.push(...page.items.map((i) => i.number));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all.items.map((i) => i.number));
      expect((await admin.get(`/api/accounts/${other.id}/invoices`)).json().items).toEqual([]);
      expect((await admin.get(`/api/accounts/${account.id}/invoices?cursor=bogus`)).statusCode).toBe(400);
    });

    it('answers 404 for an account that does not exist', async () => {
      const res = await admin.get('/api/accounts/00000000-0000-4000-8000-000000000000/invoices');
      expect(res.statusCode).toBe(404);
    });
  });

  describe('permissions', () => {
    it('needs accounts.write to record and accounts.read to list', async () => {
      const viewer = await t.employee(['companyView']);
      const body = {
        number: 'INV-P-1',
        accountId: account.id,
        date: '2026-01-01',
        amount: 1,
        currency: 'USD',
      };
      expect((await viewer.post('/api/invoices', body)).statusCode).toBe(403);
      expect((await viewer.get(`/api/accounts/${account.id}/invoices`)).statusCode).toBe(200);
      const outsider = await t.employee(['emailTemplatesEdit', 'settingsEdit']);
      expect((await outsider.get(`/api/accounts/${account.id}/invoices`)).statusCode).toBe(200);
      const nobody = await t.employee(['auditView']);
      expect((await nobody.get(`/api/accounts/${account.id}/invoices`)).statusCode).toBe(403);
      expect((await t.anonymous.post('/api/invoices', body)).statusCode).toBe(401);
    });

    it('keeps employees restricted to assigned accounts to those accounts, and tells them nothing of others’ invoices', async () => {
      const crm = await t.employee(['crmCompanyEdit'], { assignedAccountIds: [other.id] });
      expect((await crm.get(`/api/accounts/${account.id}/invoices`)).statusCode).toBe(404);
      expect((await crm.get(`/api/accounts/${other.id}/invoices`)).statusCode).toBe(200);
      const body = { number: 'INV-CRM-1', date: '2026-01-01', amount: 1, currency: 'USD' };
      const hidden = await crm.post('/api/invoices', { ...body, accountId: account.id });
      expect(hidden.statusCode).toBe(422);
      const own = await crm.post('/api/invoices', { ...body, accountId: other.id });
      expect(own.statusCode, own.body).toBe(201);
      const taken = await crm.post('/api/invoices', {
        number: 'inv-2026-001',
        accountId: other.id,
        date: '2026-03-14',
        amount: 1234.5,
        currency: 'USD',
      });
      expect(taken.statusCode).toBe(409);
      expect(taken.json()).toEqual({
        error: {
          code: 'conflict',
          message: 'Invoice number inv-2026-001 is already taken; an invoice number is recorded once',
          details: [{ path: 'number', message: 'Already taken' }],
        },
      });
      expect(await invoiceRows('INV-2026-001')).toMatchObject([{ account_id: account.id }]);
    });
  });
});
