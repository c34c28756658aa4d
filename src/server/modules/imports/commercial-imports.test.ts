import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommercialCode } from '../../../contracts/commercial-terms.ts';
import type { Import, ImportCreated, ImportType } from '../../../contracts/imports.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

let t: TestApp;
let admin: Client & { id: string };

let files = 0;
// A file name of its own each time: the mapping is remembered per source name.
async function upload(client: Client, type: ImportType, content: string) {
  return client.upload('/api/imports', { type }, [
    { field: 'file', filename: `${type}-${++files}.csv`, content },
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

async function importFile(type: ImportType, content: string, pass: 'run' | 'dry-run' = 'run') {
  const res = await upload(admin, type, content);
  expect(res.statusCode, res.body).toBe(201);
  const created = res.json<ImportCreated>();
  const run = await admin.post(`/api/imports/${created.id}/${pass}`);
  expect(run.statusCode, run.body).toBe(202);
  return { created, done: await waitFor(created.id) };
}

async function codes(list: string) {
  const res = await admin.get(`/api/${list}`);
  expect(res.statusCode).toBe(200);
  return res
    .json<{ items: CommercialCode[] }>()
    .items.map(({ code, name, active }) => ({ code, name, active }));
}

const auditOf = (importId: string) =>
  t.deps.database.db
    .selectFrom('audit_log')
    .select(['action', 'entity_type', 'entity_id', 'source', 'before', 'after'])
    .where('import_id', '=', importId)
    .orderBy('entity_id')
    .execute();

beforeAll(async () => {
  t = await createTestApp();
  await t.deps.imports.startWorkers();
  admin = await t.employee(['administrator']);
});
afterAll(async () => t?.close());

describe('imports of the commercial lists', () => {
  const TERMS =
    'Code;Description;Active\nNET30;Net 30 days;yes\nNET60;Net 60 days;\nCOD;Cash on delivery;no\n';

  it('suggests code, name and active from the usual headers', async () => {
    const res = await upload(admin, 'payment-terms', TERMS);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<ImportCreated>();
    expect(body.mapping).toEqual({
      code: { column: 'Code' },
      name: { column: 'Description' },
      active: { column: 'Active' },
    });
    expect(body.preview.every((r) => r.errors.length === 0)).toBe(true);
    const names = await upload(admin, 'sales-reps', 'Sales Rep Code,Name\nR1,Ann\n');
    expect(names.json<ImportCreated>().mapping).toEqual({
      code: { column: 'Sales Rep Code' },
      name: { column: 'Name' },
    });
  });

  it('adds codes to their list, audited; a second run of the same file changes nothing', async () => {
    const first = await importFile('payment-terms', TERMS);
    expect(first.done.status, first.done.error ?? '').toBe('completed');
    expect(first.done.counts).toEqual({ created: 3, updated: 0, unchanged: 0, rejected: 0 });
    expect(await codes('payment-terms')).toEqual([
      { code: 'COD', name: 'Cash on delivery', active: false },
      { code: 'NET30', name: 'Net 30 days', active: true },
      { code: 'NET60', name: 'Net 60 days', active: true },
    ]);
    expect(await auditOf(first.created.id)).toEqual([
      {
        action: 'payment_terms.created',
        entity_type: 'payment_terms',
        entity_id: 'COD',
        source: 'import',
        before: null,
        after: { code: 'COD', name: 'Cash on delivery', active: false },
      },
      expect.objectContaining({ action: 'payment_terms.created', entity_id: 'NET30' }),
      expect.objectContaining({ action: 'payment_terms.created', entity_id: 'NET60' }),
    ]);
    // Other lists are untouched.
    expect(await codes('price-groups')).toEqual([]);

    const second = await importFile('payment-terms', TERMS);
    expect(second.done.counts).toEqual({ created: 0, updated: 0, unchanged: 3, rejected: 0 });
    expect(await auditOf(second.created.id)).toEqual([]);
  });

  it('updates a renamed or (de)activated code with only the changed fields audited', async () => {
    const { created, done } = await importFile(
      'payment-terms',
      'code,name,active\nNET30,Net 30,\nCOD,Cash on delivery,yes\nNET60,Net 60 days,true\n',
    );
    expect(done.counts).toEqual({ created: 0, updated: 2, unchanged: 1, rejected: 0 });
    expect(await auditOf(created.id)).toEqual([
      expect.objectContaining({
        action: 'payment_terms.updated',
        entity_id: 'COD',
        before: { active: false },
        after: { active: true },
      }),
      expect.objectContaining({
        action: 'payment_terms.updated',
        entity_id: 'NET30',
        before: { name: 'Net 30 days' },
        after: { name: 'Net 30' },
      }),
    ]);
    // A code imported is one the API gives to accounts.
    const acc = await admin.post('/api/accounts', { kind: 'business', name: 'Acme', paymentTerms: 'NET30' });
    expect(acc.statusCode, acc.body).toBe(201);
  });

  it('rejects a repeated code, a bad code, a bad active flag and a row without a name, keeping the rest', async () => {
    const { created, done } = await importFile(
      'price-groups',
      'code,name,active\nA,Retail,\nB/2,Bad,\nA,Retail again,\nC,Trade,maybe\nD,,\nE,Export,0\n',
    );
    expect(done.counts).toEqual({ created: 2, updated: 0, unchanged: 0, rejected: 4 });
    const report = (await admin.get(`/api/imports/${created.id}/report`)).body;
    expect(report).toContain('Same code as line 2');
    expect(report).toContain('Use no slash');
    expect(report).toContain('Use yes or no');
    expect(report).toMatch(/6,name,Required/);
    expect(await codes('price-groups')).toEqual([
      { code: 'A', name: 'Retail', active: true },
      { code: 'E', name: 'Export', active: false },
    ]);
  });

  it('a dry run counts what a run would do and writes nothing', async () => {
    const { done } = await importFile('sales-reps', 'code,name\nR1,Ann\nR2,Bob\n', 'dry-run');
    expect(done.status).toBe('checked');
    expect(done.dryRunCounts).toEqual({ created: 2, updated: 0, unchanged: 0, rejected: 0 });
    expect(await codes('sales-reps')).toEqual([]);
  });

  it('refuses a mapping without a name, and employees who may not edit settings', async () => {
    const noName = await upload(admin, 'sales-reps', 'code\nR1\n');
    const run = await admin.post(`/api/imports/${noName.json<ImportCreated>().id}/run`);
    expect(run.statusCode).toBe(422);
    expect(run.body).toContain('Map a column to Name');

    const importer = await t.employee(['importRun']);
    const res = await upload(importer, 'sales-reps', 'code,name\nR9,Zed\n');
    expect(res.statusCode, res.body).toBe(201);
    const refused = await importer.post(`/api/imports/${res.json<ImportCreated>().id}/run`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: { details: { permission: 'settings.write' } } });
  });
});
