import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Import, ImportCreated, ImportSchedule } from '../../../contracts/imports.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { runDueSchedules } from './schedules.service.ts';

const dropDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-drop-'));
let t: TestApp;
let admin: Client;

async function waitFor(id: string) {
  for (let i = 0; i < 400; i++) {
    const imp = (await admin.get(`/api/imports/${id}`)).json<Import>();
    if (['checked', 'completed', 'failed', 'cancelled'].includes(imp.status)) return imp;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the import did not finish');
}

beforeAll(async () => {
  t = await createTestApp({ IMPORT_DROP_DIR: dropDir });
  await t.deps.imports.startWorkers();
  admin = await t.employee(['administrator']);
  await admin.post('/api/accounts', { kind: 'business', name: 'Drop Co', number: 'DROP-1' });
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dropDir, { recursive: true, force: true });
});

describe('scheduled imports from a drop folder', () => {
  it('imports each settled file once, keeps it out of the folder and records the outcome', async () => {
    const res = await admin.post('/api/import-schedules', {
      name: 'Nightly ERP contacts',
      type: 'contacts',
      cron: '0 2 * * *',
      timezone: 'Europe/Paris',
      options: { logins: 'none' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const schedule = res.json<ImportSchedule>();
    expect(schedule.folder).toBe('contacts');
    expect(new Date(schedule.nextRunAt!).getUTCHours()).toBe(
      new Date('2026-01-15T02:00:00+01:00').getUTCHours(),
    );

    const file = path.join(dropDir, 'contacts', 'export.csv');
    fs.writeFileSync(
      file,
      'Email,First Name,Last Name,Customer No.\nnight@drop.example,Night,Owl,DROP-1\nbad,No,Way,DROP-1\n',
    );
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    const fresh = path.join(dropDir, 'contacts', 'still-copying.csv');
    fs.writeFileSync(fresh, 'Email\n');

    // Not due yet: nothing happens.
    const deps = { db: t.deps.database.db, jobs: t.deps.jobs, config: t.deps.config.imports };
    expect(await runDueSchedules(deps)).toBe(0);
    await t.deps.database.db
      .updateTable('import_schedules')
      .set({ next_run_at: new Date(Date.now() - 1000) })
      .where('id', '=', schedule.id)
      .execute();
    // Two instances tick at once: one claims the schedule.
    const started = await Promise.all([runDueSchedules(deps), runDueSchedules(deps)]);
    expect(started.sort()).toEqual([0, 1]);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(fresh)).toBe(true);
    expect(fs.readdirSync(path.join(dropDir, 'contacts', '.done'))).toHaveLength(1);

    const listed = (await admin.get('/api/import-schedules')).json<{ items: ImportSchedule[] }>();
    const last = listed.items[0]!.lastImport!;
    const done = await waitFor(last.id);
    expect(done).toMatchObject({
      status: 'completed',
      sourceName: 'Nightly ERP contacts',
      fileName: 'export.csv',
    });
    expect(done.counts).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 1 });
    expect(new Date(listed.items[0]!.nextRunAt!).getTime()).toBeGreaterThan(Date.now());
  });

  it('refuses a cron it cannot read and a folder outside the drop folder', async () => {
    const bad = await admin.post('/api/import-schedules', {
      name: 'x',
      type: 'accounts',
      cron: 'every night',
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details[0].path).toBe('cron');
    const escape = await admin.post('/api/import-schedules', {
      name: 'y',
      type: 'accounts',
      cron: '0 2 * * *',
      folder: '../etc',
    });
    expect(escape.statusCode).toBe(400);
    const zone = await admin.post('/api/import-schedules', {
      name: 'z',
      type: 'accounts',
      cron: '0 2 * * *',
      timezone: 'Mars/Olympus',
    });
    expect(zone.statusCode).toBe(422);
    expect(zone.json().error.details[0]).toEqual({
      path: 'timezone',
      message: 'Unknown time zone Mars/Olympus',
    });
  });

  it('without IMPORT_DROP_DIR, schedules are refused with the reason', async () => {
    const other = await createTestApp();
    try {
      const boss = await other.employee(['administrator']);
      const res = await boss.post('/api/import-schedules', {
        name: 'z',
        type: 'accounts',
        cron: '0 2 * * *',
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.message).toMatch(/IMPORT_DROP_DIR/);
    } finally {
      await other.close();
    }
  });
});

describe('spreadsheet and encoded files through the API', () => {
  it('reads the chosen sheet of a workbook', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Notes').addRow(['nothing here']);
    const sheet = wb.addWorksheet('Contacts');
    sheet.addRow(['Email', 'First Name', 'Last Name', 'Customer No.']);
    sheet.addRow(['xl@drop.example', 'Excel', 'Sheet', 'DROP-1']);
    const buffer = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await admin.upload('/api/imports', { type: 'contacts', options: '{"logins":"none"}' }, [
      { field: 'file', filename: 'contacts.xlsx', content: buffer },
    ]);
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<ImportCreated>();
    expect(created).toMatchObject({ format: 'xlsx', sheets: ['Notes', 'Contacts'], sheet: 'Notes' });
    const switched = await admin.patch(`/api/imports/${created.id}`, {
      options: { logins: 'none', sheet: 'Contacts' },
    });
    expect(switched.statusCode, switched.body).toBe(200);
    expect(switched.json<Import>().columns).toEqual(['Email', 'First Name', 'Last Name', 'Customer No.']);
    await admin.patch(`/api/imports/${created.id}`, { mapping: switched.json<Import>().suggestedMapping });
    const preview = (await admin.get(`/api/imports/${created.id}/preview`)).json<{
      rows: { cells: string[] }[];
    }>();
    expect(preview.rows[0]!.cells[0]).toBe('xl@drop.example');
    expect((await admin.post(`/api/imports/${created.id}/run`)).statusCode).toBe(202);
    expect((await waitFor(created.id)).counts.created).toBe(1);
  });

  it('decodes UTF-16 and Windows-1252 files', async () => {
    const text = 'Email;First Name;Last Name;Customer No.\nzoe@drop.example;Zoë;Lefèvre;DROP-1\n';
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const res = await admin.upload('/api/imports', { type: 'contacts' }, [
      { field: 'file', filename: 'u16.csv', content: utf16 },
    ]);
    expect(res.json<ImportCreated>()).toMatchObject({ encoding: 'utf-16le', delimiter: ';' });
    expect(res.json<ImportCreated>().preview[0]!.cells[1]).toBe('Zoë');
    const latin = Buffer.from(text.replace('zoe@', 'zoe2@'), 'latin1');
    const res2 = await admin.upload('/api/imports', { type: 'contacts' }, [
      { field: 'file', filename: 'cp1252.csv', content: latin },
    ]);
    expect(res2.json<ImportCreated>()).toMatchObject({ encoding: 'windows-1252' });
    expect(res2.json<ImportCreated>().preview[0]!.cells.slice(1, 3)).toEqual(['Zoë', 'Lefèvre']);
  });
});
