import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Import, ImportCreated } from '../../../contracts/imports.ts';
import {
  cookieOf,
  createTestApp,
  PASSWORD,
  type Client,
  type TestApp,
} from '../../../../test/helpers/app.ts';

let t: TestApp;
let admin: Client;
let n = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${++n}`;

async function upload(
  client: Client,
  type: string,
  content: string | Buffer,
  extra: Record<string, unknown> = {},
  filename = 'customers.csv',
) {
  const fields: Record<string, string> = { type };
  for (const [k, v] of Object.entries(extra)) fields[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return client.upload('/api/imports', fields, [{ field: 'file', filename, content }]);
}

async function waitFor(
  client: Client,
  id: string,
  statuses = ['checked', 'completed', 'failed', 'cancelled'],
) {
  for (let i = 0; i < 400; i++) {
    const imp = (await client.get(`/api/imports/${id}`)).json<Import>();
    if (statuses.includes(imp.status)) return imp;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`import ${id} did not finish`);
}

/** Uploads, runs and waits: the whole import of a file. */
async function importFile(
  type: string,
  content: string | Buffer,
  extra: Record<string, unknown> = {},
  filename?: string,
) {
  const res = await upload(admin, type, content, extra, filename);
  expect(res.statusCode, res.body).toBe(201);
  const created = res.json<ImportCreated>();
  const run = await admin.post(`/api/imports/${created.id}/run`);
  expect(run.statusCode, run.body).toBe(202);
  return { created, done: await waitFor(admin, created.id) };
}

async function rejections(id: string) {
  const res = await admin.get(`/api/imports/${id}/report`);
  expect(res.statusCode).toBe(200);
  return res.body.replace(/^\ufeff/, '');
}

async function createAccount(number: string, name = 'Acme') {
  const res = await admin.post('/api/accounts', { kind: 'business', name, number });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

beforeAll(async () => {
  t = await createTestApp();
  await t.deps.imports.startWorkers();
  admin = await t.employee(['administrator']);
});
afterAll(async () => t?.close());

describe('contact imports', () => {
  it('uploads, suggests a mapping from the headers and previews rows with per-cell errors', async () => {
    const number = unique('ACC');
    await createAccount(number);
    const csv = `E-mail;First Name;Last Name;Customer No.\nada@${number}.example;Ada;Lovelace;${number}\nnot-an-email;Bob;Smith;${number}\n`;
    const res = await upload(admin, 'contacts', csv);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<ImportCreated>();
    expect(body.status).toBe('uploaded');
    expect(body.delimiter).toBe(';');
    expect(body.columns).toEqual(['E-mail', 'First Name', 'Last Name', 'Customer No.']);
    expect(body.mapping).toMatchObject({
      email: { column: 'E-mail' },
      firstName: { column: 'First Name' },
      lastName: { column: 'Last Name' },
      accountNumber: { column: 'Customer No.' },
    });
    expect(body.preview).toHaveLength(2);
    expect(body.preview[0]).toMatchObject({ line: 2, errors: [] });
    expect(body.preview[1]!.line).toBe(3);
    expect(body.preview[1]!.errors[0]).toMatchObject({ column: 'E-mail', field: 'email' });
  });

  it('creates, then on a second run of the same file changes nothing', async () => {
    const number = unique('ACC');
    const accountId = await createAccount(number);
    const rows = Array.from(
      { length: 30 },
      (_, i) => `c${i}@${number}.example,First${i},Last${i},${number},+1 555 ${i}`,
    );
    const csv = `email,first name,last name,account number,phone\n${rows.join('\n')}\n`;
    const first = await importFile('contacts', csv, { options: { logins: 'none' } });
    expect(first.done.status).toBe('completed');
    expect(first.done.counts).toEqual({ created: 30, updated: 0, unchanged: 0, rejected: 0 });
    const listed = (await admin.get(`/api/contacts?accountId=${accountId}&limit=100`)).json<{
      items: unknown[];
    }>();
    expect(listed.items).toHaveLength(30);

    const second = await importFile('contacts', csv, { options: { logins: 'none' } });
    expect(second.done.counts).toEqual({ created: 0, updated: 0, unchanged: 30, rejected: 0 });
    const audit = await t.deps.database.db
      .selectFrom('audit_log')
      .select(['action', 'source'])
      .where('import_id', '=', second.created.id)
      .execute();
    expect(audit).toEqual([]);

    // One changed cell: one update, audited with only that field.
    const changed = csv.replace('First7,', 'Seventh,');
    const third = await importFile('contacts', changed, { options: { logins: 'none' } });
    expect(third.done.counts).toEqual({ created: 0, updated: 1, unchanged: 29, rejected: 0 });
    const entries = await t.deps.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('import_id', '=', third.created.id)
      .execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      source: 'import',
      action: 'contact.updated',
      before: { firstName: 'First7' },
      after: { firstName: 'Seventh' },
    });
  });

  it('a dry run reports what the run then does, and writes nothing', async () => {
    const number = unique('ACC');
    await createAccount(number);
    const csv = `email,first name,last name,account number\nx@${number}.example,X,Y,${number}\nbad,Z,W,${number}\n`;
    const res = await upload(admin, 'contacts', csv, { options: { logins: 'none' } });
    const { id } = res.json<ImportCreated>();
    expect((await admin.post(`/api/imports/${id}/dry-run`)).statusCode).toBe(202);
    const checked = await waitFor(admin, id);
    expect(checked.status).toBe('checked');
    expect(checked.dryRunCounts).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 1 });
    const none = await t.deps.database.db
      .selectFrom('contacts')
      .select('id')
      .where('email', '=', `x@${number}.example`)
      .execute();
    expect(none).toEqual([]);
    expect((await admin.post(`/api/imports/${id}/run`)).statusCode).toBe(202);
    const done = await waitFor(admin, id, ['completed', 'failed']);
    expect(done.counts).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 1 });
  });

  it('rejects bad rows with line, column and reason, and imports the rest', async () => {
    const number = unique('ACC');
    await createAccount(number);
    const long = 'x'.repeat(150);
    const csv = [
      'email,first name,last name,account number',
      `ok1@${number}.example,"<b>Bold</b>",O'Brien,${number}`,
      `ok1@${number}.example,Dup,Licate,${number}`,
      `long@${number}.example,${long},Name,${number}`,
      `nobody@${number}.example,No,Account,NOPE-${number}`,
      `=cmd@${number}.example,=HYPERLINK("x"),Formula,${number}`,
      `ok2@${number}.example,"Multi`,
      `line",Person,${number}`,
    ].join('\n');
    const { created, done } = await importFile('contacts', csv, { options: { logins: 'none' } });
    expect(done.counts).toEqual({ created: 2, updated: 0, unchanged: 0, rejected: 4 });
    const html = await t.deps.database.db
      .selectFrom('contacts')
      .select(['first_name', 'last_name'])
      .where('email', '=', `ok1@${number}.example`)
      .executeTakeFirstOrThrow();
    expect(html).toEqual({ first_name: '<b>Bold</b>', last_name: "O'Brien" });
    const multi = await t.deps.database.db
      .selectFrom('contacts')
      .select('first_name')
      .where('email', '=', `ok2@${number}.example`)
      .executeTakeFirstOrThrow();
    expect(multi.first_name).toBe('Multi\nline');
    const report = await rejections(created.id);
    expect(report).toContain('3,email,Same email as line 2');
    expect(report).toMatch(/4,first name,Use at most 100 characters/);
    expect(report).toContain(`5,account number,No account with number NOPE-${number}`);
    expect(report).toMatch(/6,email,Enter a valid email address/);
    // A cell a spreadsheet would run is neutralised in the report.
    expect(report).toContain(`'=HYPERLINK`);
    expect(report).not.toMatch(/(^|,)=HYPERLINK/m);
  });

  it('all or nothing: one bad row stores nothing', async () => {
    const number = unique('ACC');
    await createAccount(number);
    const csv = `email,first name,last name,account number\na@${number}.example,A,A,${number}\nbad,B,B,${number}\n`;
    const { done } = await importFile('contacts', csv, { options: { logins: 'none', allOrNothing: true } });
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/nothing was imported/);
    const rows = await t.deps.database.db
      .selectFrom('contacts')
      .select('id')
      .where('email', 'like', `%@${number}.example`)
      .execute();
    expect(rows).toEqual([]);
  });
});

describe('account, individual and mixed imports', () => {
  it('imports accounts with billing addresses and customer groups, updating by number', async () => {
    const group = unique('grp').toLowerCase();
    await t.deps.database.db
      .insertInto('customer_groups')
      .values({ scope_id: t.deps.scopeId, key: group, name: 'Group' })
      .execute();
    // Payment terms come from the seller's list (Settings → Customer data).
    await t.deps.database.db
      .insertInto('commercial_codes')
      .values({ scope_id: t.deps.scopeId, list: 'payment-terms', code: 'NET30', name: 'Net 30 days' })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const a = unique('A');
    const b = unique('B');
    const csv = [
      'Customer No.,Company Name,Address1,City,Zip,Country,Payment Terms,Groups',
      `${a},Alpha Ltd,1 Main St,Springfield,12345,US,NET30,${group}`,
      `${b},Beta GmbH,Hauptstr. 2,Berlin,10115,DE,,`,
    ].join('\n');
    const first = await importFile('accounts', csv);
    expect(first.done.counts).toEqual({ created: 2, updated: 0, unchanged: 0, rejected: 0 });
    const alpha = await t.deps.database.db
      .selectFrom('accounts')
      .selectAll()
      .where('number', '=', a)
      .executeTakeFirstOrThrow();
    expect(alpha).toMatchObject({ name: 'Alpha Ltd', kind: 'business', payment_terms: 'NET30' });
    const address = await t.deps.database.db
      .selectFrom('addresses')
      .selectAll()
      .where('account_id', '=', alpha.id)
      .executeTakeFirstOrThrow();
    expect(address).toMatchObject({
      type: 'billing',
      is_default: true,
      city: 'Springfield',
      postal_code: '12345',
    });
    const membership = await t.deps.database.db
      .selectFrom('account_customer_groups')
      .select('account_id')
      .where('account_id', '=', alpha.id)
      .execute();
    expect(membership).toHaveLength(1);

    const again = await importFile('accounts', csv.replace('Springfield', 'Shelbyville'));
    expect(again.done.counts).toEqual({ created: 0, updated: 1, unchanged: 1, rejected: 0 });
  });

  it('imports individuals as a personal account and its contact per row', async () => {
    const domain = unique('ind');
    const csv = `First Name,Last Name,Email,Address1,City,Zip,Country\nIda,Ind,ida@${domain}.example,5 Elm,Oslo,0150,NO\n`;
    const first = await importFile('individuals', csv, { options: { logins: 'none' } });
    expect(first.done.counts).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 0 });
    const row = await t.deps.database.db
      .selectFrom('contacts')
      .innerJoin('contact_accounts', 'contact_accounts.contact_id', 'contacts.id')
      .innerJoin('accounts', 'accounts.id', 'contact_accounts.account_id')
      .select(['accounts.kind', 'accounts.name', 'accounts.number', 'contact_accounts.is_primary'])
      .where('contacts.email', '=', `ida@${domain}.example`)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ kind: 'personal', name: 'Ida Ind', is_primary: true });
    expect(row.number).toMatch(/^W\d+$/);
    const second = await importFile('individuals', csv, { options: { logins: 'none' } });
    expect(second.done.counts).toEqual({ created: 0, updated: 0, unchanged: 1, rejected: 0 });
  });

  it('imports one sheet of accounts and their contacts', async () => {
    const a = unique('M');
    const csv = [
      'Account Number,Company,Email,First Name,Last Name',
      `${a},Mixed Co,m1@${a}.example,One,Person`,
      `${a},Mixed Co,m2@${a}.example,Two,Person`,
      `${a}-2,Other Co,,,`,
    ].join('\n');
    const first = await importFile('mixed', csv, { options: { logins: 'none' } });
    expect(first.done.counts).toEqual({ created: 3, updated: 0, unchanged: 0, rejected: 0 });
    const contacts = await t.deps.database.db
      .selectFrom('contacts')
      .innerJoin('contact_accounts', 'contact_accounts.contact_id', 'contacts.id')
      .innerJoin('accounts', 'accounts.id', 'contact_accounts.account_id')
      .select(['contacts.email', 'accounts.number'])
      .where('accounts.number', '=', a)
      .execute();
    expect(contacts.map((c) => c.email).sort()).toEqual([`m1@${a}.example`, `m2@${a}.example`]);
    const second = await importFile('mixed', csv, { options: { logins: 'none' } });
    expect(second.done.counts).toEqual({ created: 0, updated: 0, unchanged: 3, rejected: 0 });
  });
});

describe('import logins, limits and control', () => {
  it('generated passwords work at sign-in and can be downloaded once', async () => {
    const number = unique('ACC');
    await createAccount(number);
    const csv = `email,first name,last name,account number\ngen@${number}.example,Gen,Erated,${number}\n`;
    const { created, done } = await importFile('contacts', csv, { options: { logins: 'generated' } });
    expect(done).toMatchObject({ status: 'completed', hasCredentials: true });
    const file = await admin.get(`/api/imports/${created.id}/credentials`);
    expect(file.statusCode).toBe(200);
    const password = new RegExp(`gen@${number}\\.example,(\\S+)`).exec(file.body.replace(/^\ufeff/, ''))?.[1];
    expect(password).toBeDefined();
    const signIn = await t.anonymous.post('/api/store/session', { email: `gen@${number}.example`, password });
    expect(signIn.statusCode, signIn.body).toBe(200);
    expect((await admin.get(`/api/imports/${created.id}/credentials`)).statusCode).toBe(404);
    const row = await t.deps.database.db
      .selectFrom('contacts')
      .select('password_hash')
      .where('email', '=', `gen@${number}.example`)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).not.toContain(password!);
  });

  it('sends the activation email to each new contact when chosen', async () => {
    const number = unique('ACC');
    await createAccount(number);
    const csv = `email,first name,last name,account number\nact@${number}.example,Act,Ivation,${number}\n`;
    const { done } = await importFile('contacts', csv, { options: { logins: 'activation' } });
    expect(done.counts.created).toBe(1);
    const emails = (await admin.get(`/api/emails?to=${encodeURIComponent(`act@${number}.example`)}`)).json<{
      items: { templateKey: string }[];
    }>();
    expect(emails.items.map((e) => e.templateKey)).toEqual(['accountactivation']);
  });

  it('refuses files over the size limit, unreadable workbooks and a bad type, storing nothing', async () => {
    const small = await createTestApp({ IMPORT_MAX_FILE_MB: '0.001' });
    try {
      const boss = await small.employee(['administrator']);
      const big = await upload(boss, 'contacts', 'email\n' + 'x@example.com\n'.repeat(200));
      expect(big.statusCode).toBe(400);
      expect(big.json().error.message).toMatch(/larger than/);
    } finally {
      await small.close();
    }
    const broken = await upload(admin, 'contacts', Buffer.from('PK\u0003\u0004garbage'), {}, 'list.xlsx');
    expect(broken.statusCode).toBe(422);
    expect(broken.json().error.details[0].path).toBe('file');
    const badType = await upload(admin, 'customers', 'email\nx@example.com\n');
    expect(badType.statusCode).toBe(400);
    expect(badType.json().error.details[0].path).toBe('type');
    const badOptions = await upload(admin, 'contacts', 'email\nx@example.com\n', {
      options: { logins: 'magic' },
    });
    expect(badOptions.statusCode).toBe(422);
    expect(badOptions.json().error.details[0].path).toBe('options.logins');
  });

  it('answers a body that only claims to be multipart, or text PostgreSQL cannot hold, with 400', async () => {
    const count = async () =>
      (
        await t.deps.database.db
          .selectFrom('imports')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    const before = await count();
    const session = await t.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: (await t.employee(['administrator'])).email, password: PASSWORD },
    });
    const headers = { cookie: cookieOf(session), origin: 'http://clientele.test' };
    for (const [contentType, payload] of [
      ['multipart/form-data', 'not multipart at all'],
      ['multipart/form-data; boundary=xyz', 'no boundary in here'],
      [
        'multipart/form-data; boundary=xyz',
        '--xyz\r\nContent-Disposition: form-data; name="type"\r\n\r\nacc',
      ],
      ['multipart/form-data; boundary=xyz', '--xyz\r\nnot a header\r\n\r\n'],
    ] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/imports',
        headers: { ...headers, 'content-type': contentType },
        payload,
      });
      expect(res.statusCode, `${contentType} ${payload}: ${res.body}`).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'invalid_input', details: [{ path: 'file' }] });
    }
    const nulSource = await upload(admin, 'contacts', 'email\nx@example.com\n', { sourceName: 'crm\u0000' });
    expect(nulSource.statusCode).toBe(400);
    expect(nulSource.json().error.details).toEqual([
      { path: 'sourceName', message: 'Contains NUL characters' },
    ]);
    const escaped = await upload(admin, 'contacts', 'email\nx@example.com\n', {
      mapping: '{"email": {"column": "em\\ud800ail"}}',
    });
    expect(escaped.statusCode).toBe(400);
    expect(escaped.json().error.details).toEqual([
      { path: 'mapping.email.column', message: 'Contains lone UTF-16 surrogates' },
    ]);
    expect(await count()).toBe(before);
  });

  it('an incomplete mapping cannot run; a cancelled import stops', async () => {
    const res = await upload(admin, 'contacts', 'Surname,Given\nSmith,Ann\n');
    const { id } = res.json<ImportCreated>();
    const run = await admin.post(`/api/imports/${id}/run`);
    expect(run.statusCode).toBe(422);
    expect(run.json().error.details.map((d: { path: string }) => d.path)).toContain('mapping.email');
    const cancel = await admin.post(`/api/imports/${id}/cancel`);
    expect(cancel.statusCode).toBe(202);
    expect(cancel.json<Import>().status).toBe('cancelled');
    expect((await admin.post(`/api/imports/${id}/run`)).statusCode).toBe(409);
  });

  it('runs at a chosen time', async () => {
    const number = unique('ACC');
    await createAccount(number);
    const csv = `email,first name,last name,account number\nlater@${number}.example,La,Ter,${number}\n`;
    const at = new Date(Date.now() + 1500).toISOString();
    const res = await upload(admin, 'contacts', csv, { options: { logins: 'none', scheduledAt: at } });
    const { id } = res.json<ImportCreated>();
    const run = await admin.post(`/api/imports/${id}/run`);
    expect(run.json<Import>()).toMatchObject({ status: 'scheduled', scheduledAt: at });
    const done = await waitFor(admin, id);
    expect(done.status).toBe('completed');
    expect(new Date(done.startedAt!).getTime()).toBeGreaterThanOrEqual(new Date(at).getTime() - 50);
  });

  it('only employees who may import can', async () => {
    const viewer = await t.employee(['companyView']);
    expect((await upload(viewer, 'contacts', 'email\nx@example.com\n')).statusCode).toBe(403);
    const importer = await t.employee(['importRun']);
    const number = unique('ACC');
    await createAccount(number);
    const csv = `email,first name,last name,account number\nimp@${number}.example,Im,Porter,${number}\n`;
    const res = await upload(importer, 'contacts', csv, { options: { logins: 'none' } });
    expect(res.statusCode).toBe(201);
    expect((await importer.post(`/api/imports/${res.json<ImportCreated>().id}/run`)).statusCode).toBe(202);
    expect((await waitFor(importer, res.json<ImportCreated>().id)).counts.created).toBe(1);
  });
});

describe('stopping and shared passwords', () => {
  it('cancel stops a running import after its current batch; rows already imported stay', async () => {
    const slow = await createTestApp({ IMPORT_BATCH_ROWS: '200' });
    try {
      await slow.deps.imports.startWorkers();
      const boss = await slow.employee(['administrator']);
      const number = unique('ACC');
      expect((await boss.post('/api/accounts', { kind: 'business', name: 'C', number })).statusCode).toBe(
        201,
      );
      const rows = Array.from({ length: 20_000 }, (_, i) => `s${i}@${number}.example,S,${i},${number}`);
      const res = await upload(
        boss,
        'contacts',
        `email,first name,last name,account number\n${rows.join('\n')}`,
        {
          options: { logins: 'none' },
        },
      );
      const { id } = res.json<ImportCreated>();
      await boss.post(`/api/imports/${id}/run`);
      for (let i = 0; i < 400; i++) {
        const imp = (await boss.get(`/api/imports/${id}`)).json<Import>();
        if (imp.progress.rowsRead > 0) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect((await boss.post(`/api/imports/${id}/cancel`)).statusCode).toBe(202);
      const done = await waitFor(boss, id);
      expect(done.status).toBe('cancelled');
      const stored = await slow.deps.database.db
        .selectFrom('contacts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('email', 'like', `%@${number}.example`)
        .executeTakeFirstOrThrow();
      expect(Number(stored.n)).toBe(done.counts.created);
      expect(Number(stored.n)).toBeLessThan(20_000);
    } finally {
      await slow.close();
    }
  }, 120_000);

  it('gives new contacts the shared password of the chosen group, within its validity window', async () => {
    const key = unique('shared').toLowerCase();
    const password = 'group-password-2026';
    const { hashPassword } = await import('../../lib/secrets.ts');
    await t.deps.database.db
      .insertInto('customer_groups')
      .values({
        scope_id: t.deps.scopeId,
        key,
        name: 'Shared',
        password_hash: await hashPassword(password),
        login_valid_until: new Date(Date.now() + 86_400_000),
      })
      .execute();
    const number = unique('ACC');
    await createAccount(number);
    const csv = `email,first name,last name,account number\ngrp@${number}.example,G,P,${number}\n`;
    const { done } = await importFile('contacts', csv, {
      options: { logins: 'group-password', customerGroups: [key] },
    });
    expect(done.counts.created).toBe(1);
    const row = await t.deps.database.db
      .selectFrom('contacts')
      .innerJoin('contact_customer_groups', 'contact_customer_groups.contact_id', 'contacts.id')
      .select(['contacts.login_valid_until'])
      .where('contacts.email', '=', `grp@${number}.example`)
      .executeTakeFirstOrThrow();
    expect(row.login_valid_until).not.toBeNull();
    const signIn = await t.anonymous.post('/api/store/session', { email: `grp@${number}.example`, password });
    expect(signIn.statusCode, signIn.body).toBe(200);

    const none = await upload(admin, 'contacts', csv, { options: { logins: 'group-password' } });
    const run = await admin.post(`/api/imports/${none.json<ImportCreated>().id}/run`);
    expect(run.statusCode).toBe(422);
    expect(run.json().error.message).toMatch(/shared password/);
  });
});

describe('remembered mappings', () => {
  it('reuses the mapping of the last run from the same source, with fixed values and skipped columns', async () => {
    const number = unique('ACC');
    await createAccount(number);
    const source = unique('ERP export ');
    const csv = `Mail,Vorname,Nachname,Notes\nmem@${number}.example,Mem,Ory,ignore me\n`;
    const mapping = {
      email: { column: 'Mail' },
      firstName: { column: 'Vorname' },
      lastName: { column: 'Nachname' },
      accountNumber: { value: number },
    };
    const first = await upload(admin, 'contacts', csv, {
      sourceName: source,
      mapping,
      options: { logins: 'none' },
    });
    const { id } = first.json<ImportCreated>();
    expect((await admin.post(`/api/imports/${id}/run`)).statusCode).toBe(202);
    expect((await waitFor(admin, id)).counts.created).toBe(1);

    const again = await upload(admin, 'contacts', csv.replace('Mem,', 'Memo,'), {
      sourceName: source.toUpperCase(),
    });
    expect(again.json<ImportCreated>().mapping).toEqual(mapping);
    expect(again.json<ImportCreated>().preview[0]!.errors).toEqual([]);
    const other = await upload(admin, 'contacts', csv, { sourceName: `${source} (another)` });
    expect(other.json<ImportCreated>().mapping.accountNumber).toBeUndefined();
  });
});
