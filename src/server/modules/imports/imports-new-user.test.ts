import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailMessage } from '../../../contracts/emails.ts';
import type { Import, ImportCreated, ImportSchedule } from '../../../contracts/imports.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { runDueSchedules } from './schedules.service.ts';

// What a new user hit with imports (issue 11): the report, stray quotes, login emails, empty files, uploads.
const dropDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-drop-'));
let t: TestApp;
let admin: Client;
let n = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${++n}`;

async function upload(content: string, type = 'contacts', options: unknown = undefined) {
  const fields: Record<string, string> = { type };
  if (options) fields.options = JSON.stringify(options);
  const res = await admin.upload('/api/imports', fields, [
    { field: 'file', filename: 'people.csv', content },
  ]);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<ImportCreated>();
}

async function waitFor(id: string) {
  for (let i = 0; i < 400; i++) {
    const imp = (await admin.get(`/api/imports/${id}`)).json<Import>();
    if (['checked', 'completed', 'failed', 'cancelled'].includes(imp.status)) return imp;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`import ${id} did not finish`);
}

async function importFile(content: string, type = 'contacts', options: unknown = undefined) {
  const created = await upload(content, type, options);
  const run = await admin.post(`/api/imports/${created.id}/run`);
  expect(run.statusCode, run.body).toBe(202);
  return waitFor(created.id);
}

async function report(id: string): Promise<string[][]> {
  const res = await admin.get(`/api/imports/${id}/report`);
  expect(res.statusCode).toBe(200);
  return Papa.parse<string[]>(res.body.replace(/^\ufeff/, ''), { skipEmptyLines: true }).data;
}

async function emailsTo(address: string) {
  const res = await admin.get(`/api/emails?to=${encodeURIComponent(address)}`);
  expect(res.statusCode).toBe(200);
  return res.json<{ items: EmailMessage[] }>().items;
}

async function createAccount(number: string) {
  const res = await admin.post('/api/accounts', { kind: 'business', name: `Co ${number}`, number });
  expect(res.statusCode, res.body).toBe(201);
}

beforeAll(async () => {
  t = await createTestApp({ IMPORT_DROP_DIR: dropDir });
  await t.deps.imports.startWorkers();
  admin = await t.employee(['administrator']);
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dropDir, { recursive: true, force: true });
});

describe('the rejected-rows report', () => {
  it('lists every rejected line once with its whole source row, file-wide rejections included, phones as typed', async () => {
    const number = unique('RR');
    await createAccount(number);
    const d = `${number.toLowerCase()}.example`;
    const csv = [
      'email,first name,last name,account number,phone',
      `a@${d},Ann,One,${number},+44 20 7946 0958`,
      `a@${d},Ann,Again,${number},+44 20 7946 0959`,
      `b@${d},Bob,Two,C99999${number},+1 (555) 010-0000`,
      `not-an-email,,Three,${number},=HYPERLINK("http://x")`,
      `c@${d},Cy,Four,${number},+33 1 23 45 67 89`,
    ].join('\n');
    const done = await importFile(csv);
    expect(done.counts).toMatchObject({ created: 2, rejected: 3 });
    const rows = await report(done.id);
    expect(rows[0]).toEqual([
      'Line',
      'Column',
      'Reason',
      'email',
      'first name',
      'last name',
      'account number',
      'phone',
    ]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['3', '4', '5']);
    expect(rows[1]).toEqual([
      '3',
      'email',
      'Same email as line 2',
      `a@${d}`,
      'Ann',
      'Again',
      number,
      '+44 20 7946 0959',
    ]);
    expect(rows[2]).toEqual([
      '4',
      'account number',
      `No account with number C99999${number}`,
      `b@${d}`,
      'Bob',
      'Two',
      `C99999${number}`,
      '+1 (555) 010-0000',
    ]);
    // Two problems on one line: one row, both reasons; the formula stays neutralised.
    expect(rows[3]![0]).toBe('5');
    expect(rows[3]![2]).toContain('; ');
    expect(rows[3]!.slice(3)).toEqual(['not-an-email', '', 'Three', number, `'=HYPERLINK("http://x")`]);
  });
});

describe('stray quotes in a CSV file', () => {
  it('rejects only the row with the stray quote and imports the valid rows after it', async () => {
    const number = unique('SQ');
    await createAccount(number);
    const d = `${number.toLowerCase()}.example`;
    for (const broken of [`=HYPERLINK("http://x","y")`, `"Acme" Ltd`]) {
      const tag = broken.startsWith('=') ? 'h' : 'q';
      const csv = [
        'email,first name,last name,account number',
        `${tag}1@${d},One,${broken},${number}`,
        `${tag}2@${d},Two,Valid,${number}`,
        `${tag}3@${d},"Three, Jr",Valid,${number}`,
        `${tag}4@${d},Four,Valid,${number}`,
      ].join('\r\n');
      const done = await importFile(csv);
      expect(done.counts).toMatchObject({ created: 3, rejected: 1 });
      const rows = await report(done.id);
      expect(rows).toHaveLength(2);
      expect(rows[1]![0]).toBe('2');
      expect(rows[1]![2]).toMatch(/quote/);
      const names = await t.deps.database.db
        .selectFrom('contacts')
        .select(['email', 'first_name'])
        .where('email', 'like', `${tag}%@${d}`)
        .orderBy('email')
        .execute();
      expect(names).toEqual([
        { email: `${tag}2@${d}`, first_name: 'Two' },
        { email: `${tag}3@${d}`, first_name: 'Three, Jr' },
        { email: `${tag}4@${d}`, first_name: 'Four' },
      ]);
    }
  });
});

describe('emails of a contacts import', () => {
  it('sends no activation email unless the employee chooses to', async () => {
    const number = unique('AE');
    await createAccount(number);
    const d = `${number.toLowerCase()}.example`;
    const quiet = await importFile(`email,first name,last name,account number\nq@${d},Q,Uiet,${number}\n`);
    expect(quiet.counts.created).toBe(1);
    expect(quiet.options).toMatchObject({ logins: 'none' });
    expect(await emailsTo(`q@${d}`)).toEqual([]);

    const chosen = await importFile(
      `email,first name,last name,account number\nw@${d},W,Elcome,${number}\n`,
      'contacts',
      {
        logins: 'activation',
      },
    );
    expect(chosen.counts.created).toBe(1);
    expect((await emailsTo(`w@${d}`)).map((e) => e.templateKey)).toEqual(['accountactivation']);
  });

  it('tells contacts given a generated password that their login exists, without the password', async () => {
    const number = unique('LC');
    await createAccount(number);
    const d = `${number.toLowerCase()}.example`;
    const done = await importFile(
      `email,first name,last name,account number\ngen@${d},Gen,Erated,${number}\n`,
      'contacts',
      { logins: 'generated', loginValidUntil: '2099-12-31' },
    );
    expect(done.counts.created).toBe(1);
    const [email, ...more] = await emailsTo(`gen@${d}`);
    expect(more).toEqual([]);
    expect(email).toMatchObject({ templateKey: 'login-created' });
    expect(email!.text).toContain(`gen@${d}`);
    expect(email!.text).toContain('/store/sign-in');
    expect(email!.text).toContain('2099');
    const credentials = (await admin.get(`/api/imports/${done.id}/credentials`)).body;
    const password = /gen@[^,]+,([^\r\n]+)/.exec(credentials)?.[1]?.trim();
    expect(password).toBeTruthy();
    expect(email!.text).not.toContain(password!);
    expect(email!.html).not.toContain(password!);
  });

  it('sends login-created to contacts a bulk add gives a generated password, not the activation email', async () => {
    const number = unique('BA');
    await createAccount(number);
    const d = `${number.toLowerCase()}.example`;
    const account = (await admin.get(`/api/accounts?q=${number}`)).json<{ items: { id: string }[] }>()
      .items[0]!;
    const res = await admin.post(`/api/contacts/bulk`, {
      accountId: account.id,
      text: `bulk@${d}, Bulk, Added`,
      logins: 'generated',
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    const body = res.body;
    const emails = await emailsTo(`bulk@${d}`);
    expect(emails.map((e) => e.templateKey)).toEqual(['login-created']);
    const password = /"password":"([^"]+)"/.exec(body)?.[1];
    expect(password).toBeTruthy();
    expect(emails[0]!.text).not.toContain(password!);
  });
});

describe('a file with only a header row', () => {
  it('gets a warning on upload and cannot run', async () => {
    const created = await upload('email,first name,last name,account number\n');
    expect(created.warnings).toEqual(['The file has only a header row: there is nothing to import.']);
    for (const pass of ['run', 'dry-run']) {
      const res = await admin.post(`/api/imports/${created.id}/${pass}`);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.message).toMatch(/only a header row/);
    }
    expect((await admin.get(`/api/imports/${created.id}`)).json<Import>()).toMatchObject({
      status: 'uploaded',
      warnings: [expect.stringMatching(/only a header row/)],
    });
    const normal = await upload('email,first name,last name,account number\nx@y.example,X,Y,Z\n');
    expect(normal.warnings).toEqual([]);
  });
});

describe('feeding a repeating import by upload', () => {
  it('queues the uploaded file in the schedule folder; the next run imports it', async () => {
    const number = unique('UP');
    await createAccount(number);
    const d = `${number.toLowerCase()}.example`;
    const res = await admin.post('/api/import-schedules', {
      name: `Uploads ${number}`,
      type: 'contacts',
      folder: `up-${number}`,
      cron: '0 2 * * *',
    });
    expect(res.statusCode, res.body).toBe(201);
    const schedule = res.json<ImportSchedule>();
    const csv = `email,first name,last name,account number\nup@${d},Up,Loaded,${number}\n`;
    const queued = await admin.upload(`/api/import-schedules/${schedule.id}/files`, {}, [
      { field: 'file', filename: '../../etc/export.csv', content: csv },
    ]);
    expect(queued.statusCode, queued.body).toBe(202);
    const body = queued.json<{ fileName: string; folder: string; nextRunAt: string }>();
    expect(body.folder).toBe(`up-${number}`);
    expect(body.fileName).toMatch(/-export\.csv$/);
    expect(fs.readdirSync(path.join(dropDir, body.folder)).filter((f) => !f.startsWith('.'))).toEqual([
      body.fileName,
    ]);

    await t.deps.database.db
      .updateTable('import_schedules')
      .set({ next_run_at: new Date(Date.now() - 1000) })
      .where('id', '=', schedule.id)
      .execute();
    const deps = { db: t.deps.database.db, jobs: t.deps.jobs, config: t.deps.config.imports };
    expect(await runDueSchedules(deps)).toBe(1);
    const last = (await admin.get('/api/import-schedules'))
      .json<{ items: ImportSchedule[] }>()
      .items.find((s) => s.id === schedule.id)!;
    const done = await waitFor(last.lastImport!.id);
    expect(done).toMatchObject({ status: 'completed', counts: { created: 1 } });
    const contact = await t.deps.database.db
      .selectFrom('contacts')
      .select('first_name')
      .where('email', '=', `up@${d}`)
      .executeTakeFirst();
    expect(contact).toEqual({ first_name: 'Up' });
  });

  it('refuses other file types, a missing file and an unknown schedule', async () => {
    const res = await admin.post('/api/import-schedules', {
      name: unique('Refusals '),
      type: 'accounts',
      cron: '0 2 * * *',
    });
    const id = res.json<ImportSchedule>().id;
    const pdf = await admin.upload(`/api/import-schedules/${id}/files`, {}, [
      { field: 'file', filename: 'report.pdf', content: 'x' },
    ]);
    expect(pdf.statusCode).toBe(422);
    expect(pdf.json().error.details[0]).toMatchObject({ path: 'file' });
    const none = await admin.upload(`/api/import-schedules/${id}/files`, { note: 'x' });
    expect(none.statusCode).toBe(400);
    const missing = await admin.upload(
      `/api/import-schedules/00000000-0000-4000-8000-000000000000/files`,
      {},
      [{ field: 'file', filename: 'a.csv', content: 'a\n1\n' }],
    );
    expect(missing.statusCode).toBe(404);
  });
});
