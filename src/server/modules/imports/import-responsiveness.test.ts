import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ImportCreated } from '../../../contracts/imports.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

const ROWS = 2_000;
let t: TestApp;
let admin: Client;

beforeAll(async () => {
  // On the embedded database the runner sizes batches to IMPORT_SLICE_MS (IMPORT_BATCH_ROWS is only a
  // ceiling; short slices make many batches on a fast machine too); on PostgreSQL small batches make many
  // of them, for requests to be answered between.
  t = await createTestApp(process.env.DATABASE_URL ? { IMPORT_BATCH_ROWS: '50' } : { IMPORT_SLICE_MS: '20' });
  admin = await t.employee(['administrator']);
});
afterAll(async () => t?.close());

/** How many of the rows the import created have an email, and a live activation link. */
async function loginsOf(domain: string) {
  const { rows } = await sql<{ emails: number; distinctUrls: number; links: number }>`SELECT
      (SELECT count(*)::int FROM emails e JOIN contacts c ON c.id = e.contact_id
        WHERE c.email LIKE ${`%@${domain}`} AND e.template_key = 'accountactivation') AS emails,
      (SELECT count(DISTINCT substring(e.text from 'token=\\[hidden:[0-9a-f]+\\]'))::int FROM emails e
        JOIN contacts c ON c.id = e.contact_id WHERE c.email LIKE ${`%@${domain}`}) AS "distinctUrls",
      (SELECT count(*)::int FROM one_time_tokens o JOIN contacts c ON c.id = o.subject_id
        WHERE c.email LIKE ${`%@${domain}`} AND o.purpose = 'activation' AND o.used_at IS NULL) AS links`.execute(
    t.deps.database.db,
  );
  return rows[0]!;
}

describe('an import with activation emails, while requests come in', () => {
  it('answers health checks and account searches between its batches, and still imports every row', async () => {
    const number = `RESP${Date.now().toString(36)}`;
    const account = await admin.post('/api/accounts', { kind: 'business', name: 'Responsive Ltd', number });
    expect(account.statusCode, account.body).toBe(201);
    const lines = Array.from(
      { length: ROWS },
      (_, i) => `r${i}@${number}.example,First${i},Last${i},${number}`,
    );
    const res = await admin.upload(
      '/api/imports',
      { type: 'contacts', options: JSON.stringify({ logins: 'activation' }) },
      [
        {
          field: 'file',
          filename: 'big.csv',
          content: `email,first name,last name,account number\n${lines.join('\n')}\n`,
        },
      ],
    );
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json<ImportCreated>();
    expect((await admin.post(`/api/imports/${id}/run`)).statusCode).toBe(202);

    // Each range of lines writes its activation emails in one call: the calls count the batches.
    const batches = vi.spyOn(t.deps.outbox, 'enqueueMany');
    let finished = false;
    const importing = t.deps.imports.process(id).then(() => (finished = true));
    while (batches.mock.calls.length === 0 && !finished) await new Promise((r) => setImmediate(r));

    const answered: { path: string; batchesWhileWaiting: number; importRunning: boolean }[] = [];
    for (let i = 0; i < 10 && !finished; i++) {
      const path = i % 2 ? '/api/health' : `/api/accounts?q=${number.toLowerCase()}`;
      const before = batches.mock.calls.length;
      const reply = await admin.get(path);
      expect(reply.statusCode, reply.body).toBe(200);
      if (path.startsWith('/api/accounts'))
        expect(reply.json<{ items: { number: string }[] }>().items.map((a) => a.number)).toEqual([number]);
      answered.push({
        path,
        batchesWhileWaiting: batches.mock.calls.length - before,
        importRunning: !finished,
      });
    }
    await importing;

    // Every request was answered while the import was still going, each after at most one batch or two.
    expect(answered).toHaveLength(10);
    expect(answered.every((a) => a.importRunning)).toBe(true);
    expect(Math.max(...answered.map((a) => a.batchesWhileWaiting))).toBeLessThanOrEqual(2);
    expect(batches.mock.calls.length).toBeGreaterThan(answered.length);
    batches.mockRestore();

    const done = (await admin.get(`/api/imports/${id}`)).json<{ status: string; counts: unknown }>();
    expect(done).toMatchObject({
      status: 'completed',
      counts: { created: ROWS, updated: 0, unchanged: 0, rejected: 0 },
    });
    // One activation email and one live link per new contact, each email with its own link.
    expect(await loginsOf(`${number}.example`)).toEqual({
      emails: ROWS,
      distinctUrls: ROWS,
      links: ROWS,
    });
    const sample = await t.deps.database.db
      .selectFrom('emails')
      .innerJoin('contacts', 'contacts.id', 'emails.contact_id')
      .select(['emails.to_address', 'emails.subject', 'emails.text', 'contacts.first_name'])
      .where('contacts.email', '=', `r7@${number}.example`)
      .executeTakeFirstOrThrow();
    expect(sample.to_address).toBe(`r7@${number}.example`);
    expect(sample.text).toContain('/store/activate?token=');
    expect(sample.text).toContain('First7');
  }, 300_000);
});
