import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Import, ImportCreated } from '../../../contracts/imports.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

let t: TestApp;
let admin: Client & { id: string };

let files = 0;
// A file name of its own each time: the mapping is remembered per source name.
async function upload(client: Client, content: string) {
  return client.upload('/api/imports', { type: 'invoices' }, [
    { field: 'file', filename: `invoices-${++files}.csv`, content },
  ]);
}

async function waitFor(id: string) {
  for (let i = 0; i < 400; i++) {
    const imp = (await admin.get(`/api/imports/${id}`)).json<Import>();
    if (['checked', 'completed', 'failed', 'cancelled'].includes(imp.status)) return imp;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`import ${id} did not finish`);
}

async function importFile(content: string, pass: 'run' | 'dry-run' = 'run') {
  const res = await upload(admin, content);
  expect(res.statusCode, res.body).toBe(201);
  const created = res.json<ImportCreated>();
  const run = await admin.post(`/api/imports/${created.id}/${pass}`);
  expect(run.statusCode, run.body).toBe(202);
  return { created, done: await waitFor(created.id) };
}

async function report(id: string) {
  const res = await admin.get(`/api/imports/${id}/report`);
  expect(res.statusCode).toBe(200);
  return res.body.replace(/^\ufeff/, '');
}

// Read as text: a `date` as a JavaScript Date shifts with the time zone, a numeric comes back as text anyway.
const sqlDate = sql<string>`date::text`.as('date');
const sqlAmount = sql<string>`amount::text`.as('amount');
const invoicesOf = (accountId: string) =>
  t.deps.database.db
    .selectFrom('invoices')
    .select(['number', sqlDate, sqlAmount, 'currency'])
    .where('account_id', '=', accountId)
    .orderBy('number')
    .execute();
let acme: string;
let globex: string;

beforeAll(async () => {
  t = await createTestApp();
  await t.deps.imports.startWorkers();
  admin = await t.employee(['administrator']);
  const create = async (body: object) => {
    const res = await admin.post('/api/accounts', { kind: 'business', ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  };
  acme = await create({ name: 'Acme', number: 'C1001', code: 'ACME' });
  globex = await create({ name: 'Globex', number: 'C1002' });
});
afterAll(async () => t?.close());

describe('invoices imports', () => {
  const FILE =
    'Invoice No;Customer No;Invoice Date;Total;Currency\n' +
    'INV-1;C1001;2026-11-02;1,234.50;usd\n' +
    'INV-2;c1001;2026-11-03;99;EUR\n' +
    'INV-3;C1002;2026-10-01;10.5;USD\n';

  it('suggests the mapping from the headers and previews the rows', async () => {
    const res = await upload(admin, FILE);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<ImportCreated>();
    expect(body.mapping).toEqual({
      number: { column: 'Invoice No' },
      accountNumber: { column: 'Customer No' },
      date: { column: 'Invoice Date' },
      amount: { column: 'Total' },
      currency: { column: 'Currency' },
    });
  });

  it('records invoices by number, then a second run of the same file changes nothing', async () => {
    const first = await importFile(FILE);
    expect(first.done.status).toBe('completed');
    expect(first.done.counts).toEqual({ created: 3, updated: 0, unchanged: 0, rejected: 0 });
    expect(await invoicesOf(acme)).toEqual([
      { number: 'INV-1', date: '2026-11-02', amount: '1234.50', currency: 'USD' },
      { number: 'INV-2', date: '2026-11-03', amount: '99.00', currency: 'EUR' },
    ]);
    const audit = await t.deps.database.db
      .selectFrom('audit_log')
      .select(['action', 'entity_type', 'source', 'actor_id', 'after'])
      .where('import_id', '=', first.created.id)
      .execute();
    expect(audit).toHaveLength(3);
    expect(audit[0]).toMatchObject({ action: 'invoice.created', entity_type: 'invoice', source: 'import' });
    expect(audit.map((a) => (a.after as { number: string }).number).sort()).toEqual([
      'INV-1',
      'INV-2',
      'INV-3',
    ]);

    const second = await importFile(FILE);
    expect(second.done.counts).toEqual({ created: 0, updated: 0, unchanged: 3, rejected: 0 });
    const secondAudit = await t.deps.database.db
      .selectFrom('audit_log')
      .select('id')
      .where('import_id', '=', second.created.id)
      .execute();
    expect(secondAudit).toHaveLength(0);
    // The API sees them as the same invoices.
    const api = await admin.get(`/api/accounts/${globex}/invoices`);
    expect(api.json()).toMatchObject({ items: [{ number: 'INV-3', amount: 10.5, currency: 'USD' }] });
  });

  it('updates an invoice whose amount changed, matching the number in any case, audited with the change', async () => {
    const { created, done } = await importFile(
      'number,account code,date,amount,currency\ninv-1,acme,2026-11-02,1300,USD\n',
    );
    expect(done.counts).toEqual({ created: 0, updated: 1, unchanged: 0, rejected: 0 });
    expect((await invoicesOf(acme))[0]).toEqual({
      number: 'INV-1',
      date: '2026-11-02',
      amount: '1300.00',
      currency: 'USD',
    });
    const audit = await t.deps.database.db
      .selectFrom('audit_log')
      .select(['action', 'before', 'after'])
      .where('import_id', '=', created.id)
      .execute();
    expect(audit).toEqual([
      { action: 'invoice.updated', before: { amount: 1234.5 }, after: { amount: 1300 } },
    ]);
  });

  it('rejects rows naming an unknown account, a repeated number, another account or bad cells, and keeps the rest', async () => {
    const file =
      'number,account number,date,amount,currency\n' +
      'INV-10,C1001,2026-11-05,5,USD\n' +
      'INV-11,C9999,2026-11-05,5,USD\n' +
      'INV-10,C1001,2026-11-06,6,USD\n' +
      'INV-3,C1001,2026-10-01,10.5,USD\n' +
      'INV-12,C1001,2026-02-30,5,USD\n' +
      'INV-13,C1001,2026-11-05,12.345,US\n' +
      'INV-14,C1001,,5,USD\n';
    const { created, done } = await importFile(file);
    expect(done.counts).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 6 });
    const text = await report(created.id);
    expect(text).toContain('No account with number C9999');
    expect(text).toContain('Same invoice number as line 2');
    expect(text).toContain('Invoice INV-3 belongs to account C1002');
    expect(text).toContain('Use a date such as 2026-11-23');
    expect(text).toContain('Use an amount such as 1234.50');
    expect(text).toContain('Use a three-letter currency code such as USD');
    expect(text).toMatch(/8,date,Required/);
    // Nothing of the rejected rows was stored; INV-3 stayed on its account.
    expect((await invoicesOf(acme)).map((i) => i.number)).toEqual(['INV-1', 'INV-10', 'INV-2']);
    expect((await invoicesOf(globex)).map((i) => i.number)).toEqual(['INV-3']);
  });

  it('a dry run counts what a run would do and writes nothing', async () => {
    const { done } = await importFile(
      'number,account number,date,amount,currency\nINV-20,C1002,2026-11-07,1,USD\nINV-3,C1002,2026-10-01,11,USD\n',
      'dry-run',
    );
    expect(done.status).toBe('checked');
    expect(done.dryRunCounts).toEqual({ created: 1, updated: 1, unchanged: 0, rejected: 0 });
    expect(await invoicesOf(globex)).toEqual([
      { number: 'INV-3', date: '2026-10-01', amount: '10.50', currency: 'USD' },
    ]);
  });

  it('refuses a mapping without the invoice fields', async () => {
    const res = await upload(admin, 'number,account number\nINV-30,C1001\n');
    expect(res.statusCode).toBe(201);
    const run = await admin.post(`/api/imports/${res.json<ImportCreated>().id}/run`);
    expect(run.statusCode).toBe(422);
    expect(run.body).toContain('Invoice date');
  });
});
