import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { jobsSettled } from '../../../../test/helpers/jobs.ts';
import { encodeCursor } from '../../lib/cursor.ts';
import { startAccountRequestWorker } from '../auth/account-requests.job.ts';

type Message = {
  id: string;
  to: string;
  templateKey: string | null;
  status: string;
  subject: string;
  contactId: string | null;
};
type Page = { items: Message[]; nextCursor: string | null };

describe('email log API', () => {
  let t: TestApp;
  let admin: Client;
  const sent: Record<string, { contactId: string }> = {};

  beforeAll(async () => {
    t = await createTestApp();
    // A forgotten-password request is answered in a job: its worker writes the email.
    await startAccountRequestWorker(t.deps);
    admin = await t.employee(['administrator']);
    const account = (await admin.post('/api/accounts', { kind: 'business', name: 'Mail Co' })).json();
    for (const email of ['Anna@Mail.test', 'bert@mail.test', 'carla@mail.test', 'dora@mail.test']) {
      const res = await admin.post(`/api/accounts/${account.id}/contacts`, {
        email,
        firstName: email.split('@')[0],
        lastName: 'Mail',
        sendEmail: 'accountactivation',
      });
      expect(res.statusCode).toBe(201);
      sent[email.toLowerCase()] = { contactId: res.json().id };
    }
    // One delivered email and one of another template, as SMTP and other features will write them.
    const db = t.deps.database.db;
    await db
      .updateTable('emails')
      .set({ status: 'sent', sent_at: new Date() })
      .where('to_address', '=', 'bert@mail.test')
      .execute();
    await db
      .updateTable('emails')
      .set({ template_key: 'password-reset' })
      .where('to_address', '=', 'carla@mail.test')
      .execute();
  });
  afterAll(() => t.close());

  const list = async (query = '') => {
    const res = await admin.get(`/api/emails${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Page>();
  };

  it('lists the email log, newest first', async () => {
    const page = await list();
    expect(page.items.map((m) => m.to)).toEqual([
      'dora@mail.test',
      'carla@mail.test',
      'bert@mail.test',
      'Anna@Mail.test',
    ]);
    expect(page.nextCursor).toBeNull();
  });

  it('filters by recipient, whatever its case', async () => {
    const page = await list('?to=anna@mail.TEST');
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      to: 'Anna@Mail.test',
      contactId: sent['anna@mail.test']!.contactId,
    });
    expect((await list('?to=%20ANNA@MAIL.TEST%20')).items).toHaveLength(1);
    expect((await list('?to=anna')).items).toEqual([]);
  });

  it('filters by template and by status', async () => {
    expect((await list('?templateKey=password-reset')).items.map((m) => m.to)).toEqual(['carla@mail.test']);
    expect((await list('?templateKey=accountactivation')).items).toHaveLength(3);
    expect((await list('?status=sent')).items.map((m) => m.to)).toEqual(['bert@mail.test']);
    expect((await list('?status=captured')).items).toHaveLength(3);
    expect((await list('?status=captured&to=bert@mail.test')).items).toEqual([]);
    const bad = await admin.get('/api/emails?status=lost');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toContainEqual(expect.objectContaining({ path: 'status' }));
  });

  it('filters by the day an email was written, and refuses a malformed date', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const all = (await admin.get('/api/emails?limit=200')).json().items.length;
    expect(all).toBeGreaterThan(0);
    expect(
      (await admin.get(`/api/emails?since=${today}&until=${today}&limit=200`)).json().items,
    ).toHaveLength(all);
    expect((await admin.get(`/api/emails?since=${tomorrow}`)).json().items).toEqual([]);
    expect((await admin.get('/api/emails?until=2000-01-01')).json().items).toEqual([]);
    const bad = await admin.get('/api/emails?since=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('since');
  });

  it('reads one email with its rendered bodies', async () => {
    const [first] = (await list('?to=dora@mail.test')).items;
    const res = await admin.get(`/api/emails/${first!.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: first!.id,
      to: 'dora@mail.test',
      templateKey: 'accountactivation',
      language: 'en',
      cc: [],
      bcc: [],
      status: 'captured',
      sentAt: null,
    });
    expect(res.json().html).toContain('<!doctype html>');
    expect(res.json().text).toContain('Welcome, dora!');
  });

  it('answers 404 for an unknown email and 400 for a malformed id', async () => {
    const unknown = await admin.get('/api/emails/00000000-0000-4000-8000-000000000000');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('not_found');
    const bad = await admin.get('/api/emails/not-an-id');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toContainEqual(expect.objectContaining({ path: 'id' }));
  });

  it('pages through the log exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
    expect(seen).toEqual((await list()).items.map((m) => m.id));
  });

  it('refuses a bad limit or a forged cursor with 400, never 500', async () => {
    for (const query of ['?limit=0', '?limit=201', '?limit=x']) {
      const res = await admin.get(`/api/emails${query}`);
      expect(res.statusCode, query).toBe(400);
    }
    for (const cursor of [
      'nonsense',
      encodeCursor({ at: 'yesterday', id: '00000000-0000-4000-8000-000000000000' }),
      encodeCursor({ at: '2025-02-30 10:00:00.000000+00', id: '00000000-0000-4000-8000-000000000000' }),
      encodeCursor({ at: '2025-01-01 10:00:00+00', id: 'x' }),
    ]) {
      const res = await admin.get(`/api/emails?cursor=${cursor}`);
      expect(res.statusCode, `${cursor}: ${res.body}`).toBe(400);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: 'cursor' }));
    }
  });

  describe('resending an email that carried a link', () => {
    const logOf = async (to: string) =>
      (await admin.get(`/api/emails?to=${encodeURIComponent(to)}`)).json<Page>().items;
    const liveTokens = (contactId: string) =>
      t.deps.database.db
        .selectFrom('one_time_tokens')
        .select('token_hash')
        .where('subject_id', '=', contactId)
        .where('purpose', '=', 'activation')
        .where('used_at', 'is', null)
        .execute();

    it('issues a fresh link through the sending code, and the earlier link stops working', async () => {
      // bert's welcome email (carla's is relabelled a password reset in beforeAll).
      const { contactId } = sent['bert@mail.test']!;
      const [original] = await logOf('bert@mail.test');
      const before = await liveTokens(contactId);
      expect(before).toHaveLength(1);
      const res = await admin.post(`/api/emails/${original!.id}/resend`);
      expect(res.statusCode, res.body).toBe(202);
      const after = await liveTokens(contactId);
      expect(after).toHaveLength(1);
      expect(after[0]!.token_hash).not.toBe(before[0]!.token_hash);
      const emails = await logOf('bert@mail.test');
      expect(emails.filter((e) => e.templateKey === 'accountactivation')).toHaveLength(2);
      const fresh = (await admin.get(`/api/emails/${res.json().emailId}`)).json<{ text: string }>();
      expect(fresh.text).toContain('/store/activate?token=[hidden]');
    });

    it('refuses with 422 when the link cannot be issued again', async () => {
      const { contactId } = sent['dora@mail.test']!;
      const [original] = await logOf('dora@mail.test');
      await t.deps.database.db
        .updateTable('contacts')
        .set({ status: 'disabled' })
        .where('id', '=', contactId)
        .execute();
      const res = await admin.post(`/api/emails/${original!.id}/resend`);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.message).toMatch(/one-time link.*contact is disabled/);
      expect(res.json().error.details).toEqual([{ path: 'id', message: 'disabled' }]);
      expect(await logOf('dora@mail.test')).toHaveLength(1);
    });

    it('refuses with 422 to copy an email whose link is hidden, whatever its template', async () => {
      const [original] = await logOf('anna@mail.test');
      await t.deps.database.db
        .updateTable('emails')
        .set({ template_key: 'account-approved' })
        .where('id', '=', original!.id)
        .execute();
      const res = await admin.post(`/api/emails/${original!.id}/resend`);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.message).toMatch(/one-time link/);
    });

    it('sends a fresh employee reset link, or 422 when the employee is gone', async () => {
      const someone = await t.employee(['customerView']);
      expect(
        (await t.anonymous.post('/api/session/password-reset', { email: someone.email })).statusCode,
      ).toBeLessThan(300);
      await jobsSettled(t.deps.database.db, 'account.request');
      const [reset] = await logOf(someone.email);
      expect(reset).toMatchObject({ templateKey: 'employee-password-reset' });
      const again = await admin.post(`/api/emails/${reset!.id}/resend`);
      expect(again.statusCode, again.body).toBe(202);
      expect(await logOf(someone.email)).toHaveLength(2);
      await t.deps.database.db
        .updateTable('employees')
        .set({ status: 'disabled' })
        .where('id', '=', someone.id)
        .execute();
      const refused = await admin.post(`/api/emails/${reset!.id}/resend`);
      expect(refused.statusCode).toBe(422);
      expect(refused.json().error.details).toEqual([{ path: 'id', message: 'no_employee' }]);
    });
  });

  it('is readable only with emails.read', async () => {
    const auditor = await t.employee(['auditView']);
    expect((await auditor.get('/api/emails')).statusCode).toBe(403);
    const templates = await t.employee(['emailTemplatesEdit']);
    expect((await templates.get('/api/emails')).statusCode).toBe(200);
    expect((await t.anonymous.get('/api/emails')).statusCode).toBe(401);
  });
});
