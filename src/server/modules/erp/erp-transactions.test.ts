import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { countStatements } from '../../../../test/helpers/statements.ts';
import { connectErp } from './erp.test-helpers.ts';

type AccountBody = {
  id: string;
  number: string;
  name: string;
  erpNumber: string | null;
  erpSync: { state: string };
};

describe('ERP upserts are one transaction each', () => {
  let t: TestApp;
  let admin: Client;
  let erp: Client;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    ({ erp } = await connectErp(t, admin));
  });
  afterAll(() => t.close());

  const begins = (all: string[]) => all.filter((s) => /^\s*begin\b/i.test(s)).length;
  const auditOf = (entityId: string) =>
    t.deps.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', entityId)
      .orderBy('id')
      .execute();

  it('an account linked and updated commits once; a refusal half-way (unknown payment term) writes nothing', async () => {
    const web = (
      await admin.post('/api/accounts', { kind: 'business', name: 'Half Way' })
    ).json<AccountBody>();
    const auditBefore = await auditOf(web.id);
    const refused = await countStatements(() =>
      erp.put('/api/erp/accounts/TX-1', {
        name: 'Half Way AG',
        webAccountNumber: web.number,
        paymentTerms: 'NOPE',
      }),
    );
    expect(refused.result.statusCode, refused.result.body).toBe(422);
    expect(refused.result.json().error.details).toEqual([expect.objectContaining({ path: 'paymentTerms' })]);
    expect(begins(refused.all)).toBe(1);
    expect(refused.commits).toBe(0);
    // The link (ERP number, synced) was the first write: it is gone with the rest.
    const after = (await admin.get(`/api/accounts/${web.id}`)).json<AccountBody>();
    expect(after).toMatchObject({ name: 'Half Way', erpNumber: null, erpSync: { state: 'not-synced' } });
    expect(await auditOf(web.id)).toEqual(auditBefore);

    const linked = await countStatements(() =>
      erp.put('/api/erp/accounts/TX-1', { name: 'Half Way AG', webAccountNumber: web.number }),
    );
    expect(linked.result.statusCode, linked.result.body).toBe(200);
    expect(begins(linked.all)).toBe(1);
    expect(linked.commits).toBe(1);
    expect((await auditOf(web.id)).slice(auditBefore.length).map((a) => a.action)).toEqual([
      'account.erp_linked',
      'account.updated',
    ]);
  });

  it('an account created under the ERP number commits once', async () => {
    const created = await countStatements(() =>
      erp.put('/api/erp/accounts/TX-2', {
        name: 'Created Once',
        billingAddress: { line1: '1 Way', city: 'Bonn', postalCode: '53111', country: 'DE' },
      }),
    );
    expect(created.result.statusCode, created.result.body).toBe(201);
    expect(begins(created.all)).toBe(1);
    expect(created.commits).toBe(1);
  });

  it('a contact updated and linked to a second account commits once; a refusal leaves the contact as it was', async () => {
    expect((await erp.put('/api/erp/accounts/TX-3', { name: 'First' })).statusCode).toBe(201);
    expect((await erp.put('/api/erp/accounts/TX-4', { name: 'Second' })).statusCode).toBe(201);
    const first = await erp.put('/api/erp/accounts/TX-3/contacts/tx@contact.test', {
      firstName: 'Tia',
      lastName: 'Ex',
    });
    expect(first.statusCode, first.body).toBe(201);
    const contactId = first.json<{ contact: { id: string } }>().contact.id;
    const both = await countStatements(() =>
      erp.put('/api/erp/accounts/TX-4/contacts/tx@contact.test', { firstName: 'Tina', lastName: 'Ex' }),
    );
    expect(both.result.statusCode, both.result.body).toBe(200);
    expect(both.result.json()).toMatchObject({
      status: 'updated',
      contact: {
        firstName: 'Tina',
        accounts: expect.arrayContaining([expect.anything(), expect.anything()]),
      },
    });
    expect(begins(both.all)).toBe(1);
    expect(both.commits).toBe(1);

    const auditBefore = await auditOf(contactId);
    const refused = await erp.put('/api/erp/accounts/TX-4/contacts/tx@contact.test', {
      firstName: 'Tonia',
      lastName: 'Ex',
      language: 'xx',
    });
    expect(refused.statusCode).toBe(422);
    expect((await admin.get(`/api/contacts/${contactId}`)).json()).toMatchObject({ firstName: 'Tina' });
    expect(await auditOf(contactId)).toEqual(auditBefore);
  });

  it('an invoice and a commercial code commit once each', async () => {
    const code = await countStatements(() => erp.put('/api/erp/payment-terms/TX30', { name: 'Net 30' }));
    expect(code.result.statusCode, code.result.body).toBe(201);
    expect([begins(code.all), code.commits]).toEqual([1, 1]);
    const renamed = await countStatements(() =>
      erp.put('/api/erp/payment-terms/TX30', { name: 'Net thirty' }),
    );
    expect(renamed.result.json()).toMatchObject({ status: 'updated' });
    expect([begins(renamed.all), renamed.commits]).toEqual([1, 1]);
    const invoice = await countStatements(() =>
      erp.put('/api/erp/invoices/TX-INV-1', {
        erpNumber: 'TX-3',
        date: '2026-11-01',
        amount: 10,
        currency: 'EUR',
      }),
    );
    expect(invoice.result.statusCode, invoice.result.body).toBe(201);
    expect([begins(invoice.all), invoice.commits]).toEqual([1, 1]);
  });
});
