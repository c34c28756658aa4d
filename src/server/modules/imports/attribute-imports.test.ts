import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Import, ImportCreated, ImportType } from '../../../contracts/imports.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

let t: TestApp;
let admin: Client & { id: string };

let files = 0;
async function upload(type: ImportType, content: string, mapping?: object) {
  const fields: Record<string, string> = { type };
  if (mapping) fields.mapping = JSON.stringify(mapping);
  return admin.upload('/api/imports', fields, [{ field: 'file', filename: `attrs-${++files}.csv`, content }]);
}

async function waitFor(id: string) {
  for (let i = 0; i < 400; i++) {
    const imp = (await admin.get(`/api/imports/${id}`)).json<Import>();
    if (['checked', 'completed', 'failed', 'cancelled'].includes(imp.status)) return imp;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`import ${id} did not finish`);
}

async function importFile(type: ImportType, content: string, mapping?: object, pass = 'run') {
  const res = await upload(type, content, mapping);
  expect(res.statusCode, res.body).toBe(201);
  const created = res.json<ImportCreated>();
  const run = await admin.post(`/api/imports/${created.id}/${pass}`);
  expect(run.statusCode, run.body).toBe(202);
  return { created, done: await waitFor(created.id) };
}

const report = async (id: string) => (await admin.get(`/api/imports/${id}/report`)).body;

async function contactByEmail(email: string) {
  const res = await admin.get(`/api/contacts?q=${encodeURIComponent(email)}`);
  const id = res.json<{ items: { id: string }[] }>().items[0]?.id;
  return id ? (await admin.get(`/api/contacts/${id}`)).json<{ id: string; attributes: object }>() : null;
}

async function define(body: Record<string, unknown>) {
  const res = await admin.post('/api/attributes', body);
  expect(res.statusCode, res.body).toBe(201);
}

beforeAll(async () => {
  t = await createTestApp();
  await t.deps.imports.startWorkers();
  admin = await t.employee(['administrator']);
  await define({
    entity: 'contact',
    key: 'shirt_size',
    type: 'select',
    label: 'Shirt size',
    options: [
      { value: 's', label: 'Small' },
      { value: 'l', label: 'Large' },
    ],
  });
  await define({ entity: 'contact', key: 'loyalty_points', type: 'number', label: 'Loyalty points' });
  await define({ entity: 'contact', key: 'hobby', type: 'text', label: 'Hobby' });
  await define({ entity: 'account', key: 'industry', type: 'text', label: 'Industry', mandatory: true });
  await define({ entity: 'account', key: 'hobby', type: 'text', label: 'Account hobby' });
  const acc = await admin.post('/api/accounts', {
    kind: 'business',
    name: 'Acme',
    number: 'C1',
    attributes: { industry: 'Food' },
  });
  expect(acc.statusCode, acc.body).toBe(201);
});
afterAll(async () => t?.close());

describe('custom attributes as import targets', () => {
  it('offers the active attributes of the type and suggests them from a label or key', async () => {
    const res = await upload(
      'contacts',
      'Account number,Email,First name,Last name,Shirt Size,loyalty_points\n',
    );
    const body = res.json<ImportCreated>();
    // In position order, then by key.
    expect(body.attributeTargets.map((a) => a.target)).toEqual([
      'attributes.hobby',
      'attributes.loyalty_points',
      'attributes.shirt_size',
    ]);
    expect(body.mapping).toMatchObject({
      'attributes.shirt_size': { column: 'Shirt Size' },
      'attributes.loyalty_points': { column: 'loyalty_points' },
    });
    // Individuals fill both: a key on both entities is named with its entity.
    const both = (await upload('individuals', 'Email\n')).json<ImportCreated>();
    expect(both.attributeTargets.map((a) => a.target)).toEqual([
      'attributes.contact.hobby',
      'attributes.loyalty_points',
      'attributes.shirt_size',
      'attributes.account.hobby',
      'attributes.industry',
    ]);
    expect((await upload('invoices', 'number\n')).json<ImportCreated>().attributeTargets).toEqual([]);
  });

  it('stores values by option label or value, merges them with the stored ones and audits the change', async () => {
    const first = await importFile(
      'contacts',
      'Account number,Email,First name,Last name,Shirt size,Loyalty points,Hobby\n' +
        'C1,ann@example.com,Ann,Lee,LARGE,12,chess\n' +
        'C1,bob@example.com,Bob,Ray,s,,\n',
    );
    expect(first.done.counts, first.done.error ?? '').toEqual({
      created: 2,
      updated: 0,
      unchanged: 0,
      rejected: 0,
    });
    expect((await contactByEmail('ann@example.com'))?.attributes).toEqual({
      shirt_size: 'l',
      loyalty_points: 12,
      hobby: 'chess',
    });
    expect((await contactByEmail('bob@example.com'))?.attributes).toEqual({ shirt_size: 's' });

    // A file with only the shirt size keeps the other values; the same file again changes nothing.
    const file = 'Account number,Email,First name,Last name,Shirt size\nC1,ann@example.com,Ann,Lee,Small\n';
    const second = await importFile('contacts', file);
    expect(second.done.counts).toEqual({ created: 0, updated: 1, unchanged: 0, rejected: 0 });
    const ann = await contactByEmail('ann@example.com');
    expect(ann?.attributes).toEqual({ shirt_size: 's', loyalty_points: 12, hobby: 'chess' });
    const audit = await t.deps.database.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id', 'before', 'after'])
      .where('import_id', '=', second.created.id)
      .execute();
    expect(audit).toEqual([
      {
        action: 'contact.updated',
        entity_id: ann!.id,
        before: { attributes: { shirt_size: 'l' } },
        after: { attributes: { shirt_size: 's' } },
      },
    ]);
    const third = await importFile('contacts', file);
    expect(third.done.counts).toEqual({ created: 0, updated: 0, unchanged: 1, rejected: 0 });
  });

  it('rejects a value the definition refuses with the message of the API, keeping the other rows', async () => {
    const api = await admin.patch(`/api/contacts/${(await contactByEmail('bob@example.com'))!.id}`, {
      attributes: { shirt_size: 'xxl' },
    });
    expect(api.statusCode).toBe(422);
    const message = api.json<{ error: { message: string } }>().error.message;
    expect(message).toBe('Shirt size: "xxl" is not one of the options');

    const { created, done } = await importFile(
      'contacts',
      'Account number,Email,First name,Last name,Shirt size,Loyalty points\n' +
        'C1,cat@example.com,Cat,Ng,xxl,1\n' +
        'C1,dan@example.com,Dan,Ox,large,many\n' +
        'C1,eve@example.com,Eve,Po,small,3\n',
    );
    expect(done.counts).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 2 });
    const text = await report(created.id);
    expect(text).toContain('Shirt size: ""xxl"" is not one of the options');
    expect(text).toContain('Loyalty points must be a number');
    expect(await contactByEmail('cat@example.com')).toBeNull();
    expect((await contactByEmail('eve@example.com'))?.attributes).toEqual({
      shirt_size: 's',
      loyalty_points: 3,
    });
  });

  it('rejects new accounts without a mandatory attribute, naming it; updates of existing ones need none', async () => {
    const { created, done } = await importFile(
      'accounts',
      'Account number,Company name,Industry\nC1,Acme Inc,\nC2,Globex,\nC3,Initech,Software\n',
    );
    expect(done.counts).toEqual({ created: 1, updated: 1, unchanged: 0, rejected: 1 });
    const text = await report(created.id);
    expect(text).toMatch(/3,Industry,Industry is required/);
    const accounts = (await admin.get('/api/accounts?q=Initech')).json<{ items: { id: string }[] }>();
    const initech = (await admin.get(`/api/accounts/${accounts.items[0]!.id}`)).json<{
      attributes: object;
    }>();
    expect(initech.attributes).toEqual({ industry: 'Software' });

    // Without the column at all: the new account is rejected, the known one still updated.
    const noColumn = await importFile('accounts', 'Account number,Company name\nC1,Acme Corp\nC4,Umbrella\n');
    expect(noColumn.done.counts).toEqual({ created: 0, updated: 1, unchanged: 0, rejected: 1 });
    expect(await report(noColumn.created.id)).toContain('Industry is required');
  });

  it('asks a new account of a mixed file for its mandatory attributes once, on any of its rows', async () => {
    const old = await admin.post('/api/accounts', {
      kind: 'business',
      name: 'Old Mix',
      number: 'MX-OLD',
      attributes: { industry: 'Food' },
    });
    expect(old.statusCode, old.body).toBe(201);
    const { created, done } = await importFile(
      'mixed',
      'Account number,Company name,Email,First name,Last name,Industry\n' +
        // The value on the second row of a new account is enough, and reaches the account.
        'MX-1,Mix One,mx1a@example.com,A,One,\n' +
        'MX-1,Mix One,mx1b@example.com,B,One,Retail\n' +
        // On the first row: the rows after it only name the account the file creates.
        'MX-2,Mix Two,mx2a@example.com,A,Two,Food\n' +
        'MX-2,Mix Two,mx2b@example.com,B,Two,\n' +
        'MX-2,Mix Two,mx2c@example.com,C,Two,\n' +
        // Rows that differ: the earliest value wins.
        'MX-4,Mix Four,mx4a@example.com,A,Four,Food\n' +
        'MX-4,Mix Four,mx4b@example.com,B,Four,Retail\n' +
        // No row carries it: every row of that account is rejected, naming the attribute.
        'MX-3,Mix Three,mx3a@example.com,A,Three,\n' +
        'MX-3,Mix Three,mx3b@example.com,B,Three,\n' +
        // An existing account needs none.
        'MX-OLD,Old Mix,mxold@example.com,O,Ld,\n',
    );
    expect(done.counts, done.error ?? '').toMatchObject({ rejected: 2 });
    const text = await report(created.id);
    expect(text.match(/Industry is required/g)).toHaveLength(2);
    expect(text).toContain('mx3a@example.com');
    expect(text).toContain('mx3b@example.com');
    const industries = await t.deps.database.db
      .selectFrom('accounts')
      .select(['number', 'custom'])
      .where('number', 'in', ['MX-1', 'MX-2', 'MX-3', 'MX-4', 'MX-OLD'])
      .orderBy('number')
      .execute();
    expect(industries).toEqual([
      { number: 'MX-1', custom: { industry: 'Retail' } },
      { number: 'MX-2', custom: { industry: 'Food' } },
      { number: 'MX-4', custom: { industry: 'Food' } },
      { number: 'MX-OLD', custom: { industry: 'Food' } },
    ]);
    for (const email of ['mx1a', 'mx1b', 'mx2a', 'mx2b', 'mx2c', 'mx4a', 'mx4b', 'mxold'])
      expect(await contactByEmail(`${email}@example.com`), email).not.toBeNull();
    expect(await contactByEmail('mx3a@example.com')).toBeNull();
  });

  it('individuals fill the contact and its personal account; a dry run writes nothing', async () => {
    const file =
      'Email,First name,Last name,Industry,attributes hobby,Account hobby\n' +
      'ind@example.com,In,Di,Retail,golf,sailing\n' +
      'nope@example.com,No,Pe,,golf,\n';
    const mapping = {
      email: { column: 'Email' },
      firstName: { column: 'First name' },
      lastName: { column: 'Last name' },
      'attributes.industry': { column: 'Industry' },
      'attributes.contact.hobby': { column: 'attributes hobby' },
      'attributes.account.hobby': { column: 'Account hobby' },
    };
    const dry = await importFile('individuals', file, mapping, 'dry-run');
    expect(dry.done.dryRunCounts).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 1 });
    expect(await contactByEmail('ind@example.com')).toBeNull();

    const { done } = await importFile('individuals', file, mapping);
    expect(done.counts).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 1 });
    const contact = await contactByEmail('ind@example.com');
    expect(contact?.attributes).toEqual({ hobby: 'golf' });
    const accountId = (contact as unknown as { accounts: { id: string }[] }).accounts[0]!.id;
    const account = (await admin.get(`/api/accounts/${accountId}`)).json<{ attributes: object }>();
    expect(account.attributes).toEqual({ industry: 'Retail', hobby: 'sailing' });
  });

  it('refuses to run a mapping naming an unknown attribute', async () => {
    const res = await upload(
      'contacts',
      'Account number,Email,First name,Last name,X\nC1,x@example.com,X,Y,1\n',
      {
        accountNumber: { column: 'Account number' },
        email: { column: 'Email' },
        firstName: { column: 'First name' },
        lastName: { column: 'Last name' },
        'attributes.nothing': { column: 'X' },
      },
    );
    expect(res.statusCode, res.body).toBe(201);
    const run = await admin.post(`/api/imports/${res.json<ImportCreated>().id}/run`);
    expect(run.statusCode).toBe(422);
    expect(run.body).toContain('Unknown attribute \\"nothing\\"');
  });
});
