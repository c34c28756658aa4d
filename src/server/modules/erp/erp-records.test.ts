import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectErp } from './erp.test-helpers.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

type InvoiceResult = {
  status: string;
  invoice: { id: string; number: string; accountId: string; date: string; amount: number; currency: string };
};
type CodeResult = {
  status: string;
  commercialCode: { code: string; name: string; active: boolean; accountCount: number };
};

describe('the ERP’s invoices and commercial lists', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let erp: Client;
  let webAccount: { id: string; number: string };
  let erpAccountId: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    ({ erp } = await connectErp(t, admin));
    webAccount = (await admin.post('/api/accounts', { kind: 'business', name: 'Invoice Web Ltd' })).json();
    const erpAccount = await erp.put('/api/erp/accounts/R-1', { name: 'Invoice Erp GmbH' });
    expect(erpAccount.statusCode, erpAccount.body).toBe(201);
    erpAccountId = erpAccount.json<{ account: { id: string } }>().account.id;
  });
  afterAll(() => t.close());

  const auditOf = (entityType: string, id: string) =>
    t.deps.database.db
      .selectFrom('audit_log')
      .select(['action', 'source', 'before', 'after'])
      .where('entity_type', '=', entityType)
      .where('entity_id', '=', id)
      .orderBy('at')
      .orderBy('id')
      .execute();

  describe('PUT /api/erp/invoices/{number}', () => {
    it('records the invoice; the same request again changes nothing; new content updates it', async () => {
      const body = { accountNumber: webAccount.number, date: '2026-11-02', amount: 1250.5, currency: 'eur' };
      const res = await erp.put('/api/erp/invoices/INV-9001', body);
      expect(res.statusCode, res.body).toBe(201);
      const created = res.json<InvoiceResult>();
      expect(created).toMatchObject({
        status: 'created',
        invoice: {
          number: 'INV-9001',
          accountId: webAccount.id,
          date: '2026-11-02',
          amount: 1250.5,
          currency: 'EUR',
        },
      });
      const id = created.invoice.id;
      expect((await auditOf('invoice', id)).map((e) => [e.action, e.source])).toEqual([
        ['invoice.created', 'erp'],
      ]);

      const again = await erp.put('/api/erp/invoices/inv-9001', { ...body, amount: 1250.5 });
      expect(again.statusCode).toBe(200);
      expect(again.json<InvoiceResult>()).toMatchObject({
        status: 'unchanged',
        invoice: { id, number: 'INV-9001' },
      });
      expect(await auditOf('invoice', id)).toHaveLength(1);

      // The ERP corrects the invoice: by its ERP number, onto another account, with another amount.
      const corrected = await erp.put('/api/erp/invoices/INV-9001', {
        erpNumber: 'r-1',
        date: '2026-11-02',
        amount: 1300,
        currency: 'EUR',
      });
      expect(corrected.statusCode).toBe(200);
      expect(corrected.json<InvoiceResult>()).toMatchObject({
        status: 'updated',
        invoice: { id, accountId: erpAccountId, amount: 1300, number: 'INV-9001' },
      });
      const audit = await auditOf('invoice', id);
      expect(audit.slice(1)).toEqual([
        {
          action: 'invoice.updated',
          source: 'erp',
          before: { accountId: webAccount.id, amount: 1250.5 },
          after: { accountId: erpAccountId, amount: 1300, accountNumber: 'R-1' },
        },
      ]);
      const listed = (await admin.get(`/api/accounts/${erpAccountId}/invoices`)).json<{
        items: { id: string }[];
      }>();
      expect(listed.items.map((i) => i.id)).toEqual([id]);
    });

    it('two identical requests at once record one invoice: one created, the other unchanged', async () => {
      const body = { erpNumber: 'R-1', date: '2026-11-03', amount: 9.99, currency: 'USD' };
      const answers = await Promise.all([1, 2].map(() => erp.put('/api/erp/invoices/INV-TWIN', body)));
      expect(answers.map((a) => a.json<InvoiceResult>().status).sort()).toEqual(['created', 'unchanged']);
      const [first] = answers.map((a) => a.json<InvoiceResult>().invoice.id);
      expect(await auditOf('invoice', first!)).toHaveLength(1);
    });

    it('refuses bad fields naming them, and stores nothing', async () => {
      const noAccount = await erp.put('/api/erp/invoices/INV-BAD-1', {
        erpNumber: 'R-404',
        date: '2026-11-02',
        amount: 1,
        currency: 'EUR',
      });
      expect(noAccount.statusCode).toBe(422);
      expect(noAccount.json().error.details).toEqual([{ path: 'erpNumber', message: 'No account R-404' }]);
      const both = await erp.put('/api/erp/invoices/INV-BAD-2', {
        accountNumber: webAccount.number,
        erpNumber: 'R-1',
        date: '2026-11-02',
        amount: 1,
        currency: 'EUR',
      });
      expect(both.statusCode).toBe(400);
      expect(JSON.stringify(both.json().error.details)).toContain('accountNumber');
      const bad = await erp.put('/api/erp/invoices/INV-BAD-3', {
        accountNumber: webAccount.number,
        date: '2026-13-45',
        amount: 'lots',
        currency: 'EURO',
      });
      expect(bad.statusCode).toBe(400);
      const paths = JSON.stringify(bad.json().error.details);
      for (const field of ['date', 'amount', 'currency']) expect(paths).toContain(field);
      const rows = await t.deps.database.db
        .selectFrom('invoices')
        .select('id')
        .where('number', 'like', 'INV-BAD-%')
        .execute();
      expect(rows).toEqual([]);
    });
  });

  describe.each([
    ['payment-terms', 'payment_terms', 'NET45'],
    ['price-groups', 'price_group', 'PG-GOLD'],
    ['sales-reps', 'sales_rep', 'REP 7'],
  ])('PUT /api/erp/%s/{code}', (list, entity, code) => {
    it('creates the code; the same request again changes nothing; a new name or flag updates it', async () => {
      const url = `/api/erp/${list}/${encodeURIComponent(code)}`;
      const res = await erp.put(url, { name: 'From the ERP' });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json<CodeResult>()).toEqual({
        status: 'created',
        commercialCode: { code, name: 'From the ERP', active: true, accountCount: 0 },
      });
      const again = await erp.put(url, { name: 'From the ERP', active: true });
      expect(again.statusCode).toBe(200);
      expect(again.json<CodeResult>().status).toBe('unchanged');
      expect((await auditOf(entity, code)).map((e) => [e.action, e.source])).toEqual([
        [`${entity}.created`, 'erp'],
      ]);
      const updated = await erp.put(url, { name: 'Renamed by the ERP', active: false });
      expect(updated.json<CodeResult>()).toMatchObject({
        status: 'updated',
        commercialCode: { name: 'Renamed by the ERP', active: false },
      });
      expect((await auditOf(entity, code)).slice(1)).toEqual([
        {
          action: `${entity}.updated`,
          source: 'erp',
          before: { name: 'From the ERP', active: true },
          after: { name: 'Renamed by the ERP', active: false },
        },
      ]);
      // Absent `active` leaves it as it is.
      expect((await erp.put(url, { name: 'Renamed by the ERP' })).json<CodeResult>().status).toBe(
        'unchanged',
      );
      const listed = (await admin.get(`/api/${list}`)).json<{ items: { code: string; active: boolean }[] }>();
      expect(listed.items).toContainEqual(expect.objectContaining({ code, active: false }));
    });

    it('two identical requests at once create the code once', async () => {
      const answers = await Promise.all(
        [1, 2].map(() => erp.put(`/api/erp/${list}/TWIN-1`, { name: 'Twin' })),
      );
      expect(answers.map((a) => a.json<CodeResult>().status).sort()).toEqual(['created', 'unchanged']);
      expect(await auditOf(entity, 'TWIN-1')).toHaveLength(1);
    });

    it('refuses a bad code or name naming the field, and needs the erp permission', async () => {
      const noName = await erp.put(`/api/erp/${list}/OK-1`, { name: '  ' });
      expect(noName.statusCode).toBe(400);
      expect(JSON.stringify(noName.json().error.details)).toContain('name');
      const badCode = await erp.put(`/api/erp/${list}/${encodeURIComponent('A  B')}`, {
        name: 'Double space',
      });
      expect(badCode.statusCode).toBe(400);
      expect(JSON.stringify(badCode.json().error.details)).toContain('code');
      const settings = await t.employee(['settingsEdit']);
      const denied = await settings.put(`/api/erp/${list}/OK-2`, { name: 'Not the ERP' });
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error.details).toEqual({ permission: 'erp' });
      const rows = await t.deps.database.db
        .selectFrom('commercial_codes')
        .select('code')
        .where('list', '=', list as 'payment-terms')
        .where('code', 'like', 'OK-%')
        .execute();
      expect(rows).toEqual([]);
    });
  });

  it('needs the erp permission for invoices (403 naming it)', async () => {
    const editor = await t.employee(['companyEdit']);
    const res = await editor.put('/api/erp/invoices/INV-403', {
      accountNumber: webAccount.number,
      date: '2026-11-02',
      amount: 1,
      currency: 'EUR',
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.details).toEqual({ permission: 'erp' });
  });
});
