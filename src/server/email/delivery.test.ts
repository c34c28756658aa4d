import type { AddressObject } from 'mailparser';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../test/helpers/app.ts';
import { withDatabase } from '../../../test/helpers/global-setup.ts';
import { startSmtpServer, type CapturingSmtp } from '../../../test/helpers/smtp.ts';
import { countStatements } from '../../../test/helpers/statements.ts';
import { openDatabase, type Db } from '../db/client.ts';
import { createEmailDelivery, defaultRetryDelay, type DeliveryOptions } from './delivery.ts';
import { redactSecrets } from './secrets.ts';

const PASSWORD = 'a-fine-store-password';

/** Polls until `check` passes (it throws while it does not), for what workers do in the background. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address));

const emailRow = (db: Db, id: string) =>
  db.selectFrom('emails').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const attemptsOf = (db: Db, id: string) =>
  db.selectFrom('email_attempts').selectAll().where('email_id', '=', id).orderBy('id').execute();

type Added = { email: string; contactId: string; emailId: string };

/** A test app with SMTP delivery to its own capturing server, an administrator and an account. */
async function setUp() {
  const smtp = await startSmtpServer();
  const t = await createTestApp({ SMTP_URL: smtp.url });
  const admin = await t.employee(['administrator']);
  const account = (await admin.post('/api/accounts', { kind: 'business', name: 'Mail Test Co' })).json<{
    id: string;
  }>();
  let n = 0;
  /** Adds a contact with the welcome email; returns the contact and its email row id. */
  const addContact = async (fields: Record<string, unknown> = {}): Promise<Added> => {
    const email = `buyer${++n}-${Date.now()}@example.com`;
    const res = await admin.post(`/api/accounts/${account.id}/contacts`, {
      email,
      firstName: 'Ada',
      lastName: 'Buyer',
      sendEmail: 'accountactivation',
      ...fields,
    });
    expect(res.statusCode, res.body).toBe(201);
    const contactId = res.json<{ id: string }>().id;
    const row = await t.deps.database.db
      .selectFrom('emails')
      .select('id')
      .where('contact_id', '=', contactId)
      .executeTakeFirstOrThrow();
    return { email, contactId, emailId: row.id };
  };
  const options = (overrides: Partial<DeliveryOptions> = {}): DeliveryOptions => ({
    smtpUrl: smtp.url,
    defaultFrom: t.deps.config.emailFrom,
    horizonMs: t.deps.config.emailRetryHorizonMs,
    leaseMs: 2 * 60_000,
    retryDelayMs: defaultRetryDelay,
    ...overrides,
  });
  return { smtp, t, admin, db: t.deps.database.db, addContact, options };
}

describe('SMTP delivery through the API, by the workers', () => {
  let smtp: CapturingSmtp;
  let t: TestApp;
  let admin: Client;
  let db: Db;
  let addContact: Awaited<ReturnType<typeof setUp>>['addContact'];

  beforeAll(async () => {
    ({ smtp, t, admin, db, addContact } = await setUp());
    await t.deps.delivery!.startWorkers();
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });
  afterEach(() => smtp.clear());

  it('delivers the welcome email once, with its headers, both parts and a link that works', async () => {
    const c = await addContact();
    const [message] = await smtp.waitFor(1);
    const row = await eventually(async () => {
      const r = await emailRow(db, c.emailId);
      expect(r.status).toBe('sent');
      return r;
    });
    const mail = message!.parsed!;
    expect(mail.messageId).toBe(row.message_id);
    expect(row.message_id).toMatch(/^<[0-9a-f-]{36}@clientele\.test>$/);
    expect(mail.from?.value).toEqual([{ name: 'Clientele', address: 'no-reply@clientele.test' }]);
    expect(addresses(mail.to)).toEqual([c.email]);
    expect(mail.cc).toBeUndefined();
    expect(mail.subject).toBe('Welcome to Clientele: activate your account');
    expect(mail.subject).toBe(row.subject);
    expect(message!.envelope).toEqual({ from: 'no-reply@clientele.test', to: [c.email] });
    expect(mail.text).toContain('Welcome, Ada!');
    expect(mail.html).toContain('<h1');
    expect(mail.html).toContain('Welcome, Ada!');
    // What arrives is what the email log shows, but for the link's token, which only the recipient gets.
    const hide = (body: string) => body.replace(/token=[\w-]+/g, 'token=[hidden]');
    expect(hide(String(mail.html))).toBe(redactSecrets(row.html));
    expect(hide(mail.text ?? '')).toBe(redactSecrets(row.text));
    expect(row.html).not.toMatch(/token=[\w-]/);
    // Once sent, the raw token is kept nowhere but in its hash.
    expect(row.secrets).toBeNull();

    const fromText = /http:\/\/clientele\.test\/store\/activate\?token=([\w-]+)/.exec(mail.text ?? '');
    const fromHtml = /href="http:\/\/clientele\.test\/store\/activate\?token=([\w-]+)"/.exec(
      String(mail.html),
    );
    expect(fromText?.[1]).toBeTruthy();
    expect(fromHtml?.[1]).toBe(fromText?.[1]);
    const activated = await t.anonymous.post('/api/store/activate', {
      token: fromHtml![1],
      password: PASSWORD,
    });
    expect(activated.statusCode, activated.body).toBe(200);
    expect(
      (await t.anonymous.post('/api/store/session', { email: c.email, password: PASSWORD })).statusCode,
    ).toBe(200);

    expect(row).toMatchObject({ attempts: 1, last_error: null, lease_until: null, next_attempt_at: null });
    expect(row.sent_at).toBeInstanceOf(Date);
    const attempts = await attemptsOf(db, c.emailId);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ outcome: 'sent', response: null });
    // Nothing is waiting to send it again.
    expect(await t.deps.delivery!.deliver(c.emailId)).toBe('skipped');
    await new Promise((r) => setTimeout(r, 600));
    expect(smtp.messages).toHaveLength(1);
  });

  it('copies the cc recipients in the headers and the bcc ones only in the envelope; copies of a link email get the link hidden', async () => {
    const settings = await admin.patch('/api/email-templates/accountactivation', {
      cc: ['sales@seller.test'],
      bcc: ['audit@seller.test', 'archive@seller.test'],
    });
    expect(settings.statusCode, settings.body).toBe(200);
    try {
      const c = await addContact();
      const messages = await smtp.waitFor(2);
      // The welcome email carries a one-time link: its recipient gets it alone, the copies a message of their own.
      const own = messages.find((m) => m.envelope.to.includes(c.email))!;
      const message = messages.find((m) => m !== own)!;
      expect(own.envelope.to).toEqual([c.email]);
      expect(own.parsed!.text).toMatch(/\/store\/activate\?token=[\w-]{20,}/);
      const mail = message.parsed!;
      expect(addresses(mail.to)).toEqual([]);
      expect(addresses(mail.cc)).toEqual(['sales@seller.test']);
      expect(mail.bcc).toBeUndefined();
      const headerText = mail.headerLines.map((h) => h.line).join('\n');
      expect(headerText).not.toMatch(/audit@seller\.test|archive@seller\.test/);
      expect(headerText).not.toMatch(/^bcc:/im);
      expect([...message.envelope.to].sort()).toEqual(
        ['sales@seller.test', 'audit@seller.test', 'archive@seller.test'].sort(),
      );
      expect(mail.text).toContain('/store/activate?token=[hidden]');
      expect(String(mail.html)).not.toMatch(/token=[\w-]{20,}/);
      expect(mail.messageId).not.toBe(own.parsed!.messageId);
      const row = await emailRow(db, c.emailId);
      expect(row).toMatchObject({
        cc: ['sales@seller.test'],
        bcc: ['audit@seller.test', 'archive@seller.test'],
      });
    } finally {
      await admin.patch('/api/email-templates/accountactivation', { cc: [], bcc: [] });
    }
  });

  it('sends an email without a link to its recipient and its copies as one message', async () => {
    const settings = await admin.patch('/api/email-templates/account-approved', {
      cc: ['sales@seller.test'],
      bcc: ['audit@seller.test'],
    });
    expect(settings.statusCode, settings.body).toBe(200);
    try {
      const emailId = await t.deps.database.db.transaction().execute((tx) =>
        t.deps.outbox.enqueue(tx, {
          scopeId: t.deps.scopeId,
          templateKey: 'account-approved',
          language: 'en',
          to: 'approved@buyer.test',
          variables: {
            contact: { firstName: 'Ann' },
            account: { name: 'Ann Ltd', number: 'W1' },
            signInUrl: 'http://clientele.test/store/sign-in',
          },
        }),
      );
      expect(emailId).toBeTruthy();
      const [message] = await smtp.waitFor(1);
      expect([...message!.envelope.to].sort()).toEqual(
        ['approved@buyer.test', 'sales@seller.test', 'audit@seller.test'].sort(),
      );
      expect(addresses(message!.parsed!.cc)).toEqual(['sales@seller.test']);
    } finally {
      await admin.patch('/api/email-templates/account-approved', { cc: [], bcc: [] });
    }
  });

  it('uses the sender set for the system email', async () => {
    await admin.patch('/api/email-templates/accountactivation', {
      fromName: 'Sales at Seller',
      fromAddress: 'sales@seller.test',
    });
    try {
      await addContact();
      const [message] = await smtp.waitFor(1);
      expect(message!.parsed!.from?.value).toEqual([
        { name: 'Sales at Seller', address: 'sales@seller.test' },
      ]);
      expect(message!.envelope.from).toBe('sales@seller.test');
    } finally {
      await admin.patch('/api/email-templates/accountactivation', { fromName: null, fromAddress: null });
    }
  });

  it('resends a link email as a new message with a fresh link and a new Message-ID, and lists the attempts', async () => {
    const c = await addContact();
    const [first] = await smtp.waitFor(1);
    await eventually(async () => expect((await emailRow(db, c.emailId)).status).toBe('sent'));

    const res = await admin.post(`/api/emails/${c.emailId}/resend`);
    expect(res.statusCode, res.body).toBe(202);
    const { emailId } = res.json<{ emailId: string }>();
    expect(emailId).not.toBe(c.emailId);
    const messages = await smtp.waitFor(2);
    const second = messages[1]!.parsed!;
    expect(second.messageId).not.toBe(first!.parsed!.messageId);
    expect(second.messageId).toBe((await emailRow(db, emailId)).message_id);
    expect(second.subject).toBe(first!.parsed!.subject);
    // The same email, but with a new link: the first one stopped working.
    const tokenOf = (text: string | undefined) => /\/store\/activate\?token=([\w-]+)/.exec(text ?? '')![1]!;
    const [oldToken, newToken] = [tokenOf(first!.parsed!.text), tokenOf(second.text)];
    expect(newToken).not.toBe(oldToken);
    expect(second.text!.replace(newToken, 'T')).toBe(first!.parsed!.text!.replace(oldToken, 'T'));
    const withOld = await t.anonymous.post('/api/store/activate', { token: oldToken, password: PASSWORD });
    expect(withOld.statusCode).toBe(422);
    expect(withOld.json().error.details).toEqual([{ path: 'token', message: 'used' }]);
    expect(addresses(second.to)).toEqual([c.email]);
    await eventually(async () => expect((await emailRow(db, emailId)).status).toBe('sent'));

    const attempts = await admin.get(`/api/emails/${c.emailId}/attempts`);
    expect(attempts.statusCode).toBe(200);
    expect(attempts.json()).toEqual([
      { at: expect.any(String), outcome: 'sent', response: null, durationMs: expect.any(Number) },
    ]);
    const log = await admin.get(`/api/emails/${emailId}`);
    expect(log.json()).toMatchObject({ status: 'sent', attempts: 1, lastError: null, to: c.email });
    expect(smtp.messages).toHaveLength(2);
  });
});

describe('the outbox is transactional', () => {
  let smtp: CapturingSmtp;
  let t: TestApp;
  let admin: Client;
  let db: Db;

  beforeAll(async () => {
    ({ smtp, t, admin, db } = await setUp());
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const counts = async () => ({
    emails: Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM emails`.execute(db)).rows[0]!.n),
  });

  it('writes the email, queued and due, with the change that causes it', async () => {
    const before = await counts();
    const account = (await admin.post('/api/accounts', { kind: 'business', name: 'Tx Co' })).json<{
      id: string;
    }>();
    const res = await admin.post(`/api/accounts/${account.id}/contacts`, {
      email: 'committed@example.com',
      firstName: 'Com',
      lastName: 'Mitted',
      sendEmail: 'accountactivation',
    });
    expect(res.statusCode).toBe(201);
    expect(await counts()).toEqual({ emails: before.emails + 1 });
    const row = await db
      .selectFrom('emails')
      .selectAll()
      .where('to_address', '=', 'committed@example.com')
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('queued');
    expect(row.next_attempt_at!.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('leaves no email when the change fails', async () => {
    const before = await counts();
    const account = (await admin.post('/api/accounts', { kind: 'business', name: 'Tx Co 2' })).json<{
      id: string;
    }>();
    const res = await admin.post(`/api/accounts/${account.id}/contacts`, {
      email: 'never@example.com',
      firstName: 'Ne',
      lastName: 'Ver',
      roles: ['no-such-role'],
      sendEmail: 'accountactivation',
    });
    expect(res.statusCode).toBe(422);
    expect(await counts()).toEqual(before);
    expect((await admin.get('/api/emails?to=never@example.com')).json().items).toEqual([]);
  });

  it('rolls back an email already written when its transaction fails afterwards', async () => {
    const before = await counts();
    let written: string | null = null;
    await expect(
      db.transaction().execute(async (tx) => {
        written = await t.deps.outbox.enqueue(tx, {
          scopeId: t.deps.scopeId,
          templateKey: 'password-reset',
          language: 'en',
          to: 'rolled-back@example.com',
          variables: {
            contact: { firstName: 'Rol', lastName: 'Back', email: 'rolled-back@example.com' },
            account: null,
            resetUrl: 'http://clientele.test/store/reset?token=x',
            expiresAt: new Date(),
          },
        });
        // Inside the transaction the email exists…
        expect(await tx.selectFrom('emails').select('id').where('id', '=', written).execute()).toHaveLength(
          1,
        );
        throw new Error('the change fails after the email was written');
      }),
    ).rejects.toThrow('the change fails');
    expect(written).toBeTruthy();
    // …and does not survive the rollback.
    expect(await counts()).toEqual(before);
  });
});

describe('delivery faults', () => {
  let s: Awaited<ReturnType<typeof setUp>>;
  let smtp: CapturingSmtp;
  let db: Db;

  beforeAll(async () => {
    s = await setUp();
    ({ smtp, db } = s);
  });
  afterAll(async () => {
    await s?.t.close();
    await smtp?.close();
  });
  afterEach(async () => {
    smtp.setMode('accept');
    await smtp.up();
    smtp.clear();
  });

  /** Moves an email's next attempt to now, as if its retry delay had passed. */
  const makeDue = (id: string) =>
    db.updateTable('emails').set({ next_attempt_at: new Date() }).where('id', '=', id).execute();

  it('schedules a retry within a minute, then backs off', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(defaultRetryDelay)).toEqual([
      30_000, 120_000, 480_000, 1_920_000, 7_200_000, 7_200_000, 7_200_000,
    ]);
  });

  it('keeps emails queued while SMTP is down and delivers each exactly once when it is back', async () => {
    const delivery = s.t.deps.delivery!;
    await smtp.down();
    const contacts: Added[] = [];
    for (let i = 0; i < 4; i++) contacts.push(await s.addContact());
    const started = Date.now();
    for (const c of contacts) expect(await delivery.deliver(c.emailId)).toBe('retry');

    for (const c of contacts) {
      const row = await emailRow(db, c.emailId);
      expect(row.status).toBe('queued');
      expect(row.attempts).toBe(1);
      expect(row.lease_until).toBeNull();
      expect(row.last_error).toMatch(/ECONNREFUSED|connect/i);
      const next = row.next_attempt_at!.getTime();
      expect(next).toBeGreaterThanOrEqual(started + 29_000);
      expect(next).toBeLessThanOrEqual(Date.now() + 35_000);
      const attempts = await attemptsOf(db, c.emailId);
      expect(attempts).toHaveLength(1);
      expect(attempts[0]).toMatchObject({ outcome: 'temporary-failure' });
      expect(attempts[0]!.response).toMatch(/ECONNREFUSED|connect/i);
    }
    // A stray claim before the retry is due does not cut the backoff short.
    expect(await delivery.deliver(contacts[0]!.emailId)).toBe('skipped');
    expect(await attemptsOf(db, contacts[0]!.emailId)).toHaveLength(1);
    // Still down when the retry is due: the next one backs off further.
    await makeDue(contacts[0]!.emailId);
    expect(await delivery.deliver(contacts[0]!.emailId)).toBe('retry');
    const second = await emailRow(db, contacts[0]!.emailId);
    expect(second.attempts).toBe(2);
    expect(second.next_attempt_at!.getTime()).toBeGreaterThan(Date.now() + 110_000);
    expect(smtp.messages).toEqual([]);

    await smtp.up();
    // Once SMTP is back each email is claimed (and claimed again to no effect): one message each.
    for (const c of contacts) {
      await makeDue(c.emailId);
      expect(await delivery.deliver(c.emailId)).toBe('sent');
      expect(await delivery.deliver(c.emailId)).toBe('skipped');
    }
    await smtp.waitFor(contacts.length);
    const counts = smtp.countsByMessageId();
    for (const c of contacts) {
      const row = await emailRow(db, c.emailId);
      expect(row).toMatchObject({ status: 'sent', last_error: null, next_attempt_at: null });
      expect(counts.get(row.message_id)).toBe(1);
      expect((await attemptsOf(db, c.emailId)).map((a) => a.outcome).at(-1)).toBe('sent');
    }
    expect(smtp.messages).toHaveLength(contacts.length);
  });

  it('treats a 4xx answer as temporary', async () => {
    smtp.setMode({ kind: 'temporary', at: 'data' });
    const c = await s.addContact();
    expect(await s.t.deps.delivery!.deliver(c.emailId)).toBe('retry');
    const row = await emailRow(db, c.emailId);
    expect(row.status).toBe('queued');
    expect(row.last_error).toMatch(/^451 /);
    smtp.setMode('accept');
    await makeDue(c.emailId);
    expect(await s.t.deps.delivery!.deliver(c.emailId)).toBe('sent');
    expect((await attemptsOf(db, c.emailId)).map((a) => a.outcome)).toEqual(['temporary-failure', 'sent']);
    expect(smtp.messages).toHaveLength(1);
  });

  it('gives up at once on a permanent 5xx, with the reason, and schedules nothing more', async () => {
    smtp.setMode('permanent');
    const c = await s.addContact();
    expect(await s.t.deps.delivery!.deliver(c.emailId)).toBe('failed');
    const row = await emailRow(db, c.emailId);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, next_attempt_at: null, lease_until: null });
    expect(row.last_error).toMatch(/550/);
    expect(row.last_error).toContain('Mailbox unavailable');
    const attempts = await attemptsOf(db, c.emailId);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ outcome: 'permanent-failure' });
    // Nothing due any more: a worker looking for it later does nothing.
    smtp.setMode('accept');
    expect(await s.t.deps.delivery!.deliver(c.emailId)).toBe('skipped');
    expect(await attemptsOf(db, c.emailId)).toHaveLength(1);
    expect(smtp.messages).toEqual([]);

    const log = await s.admin.get(`/api/emails/${c.emailId}`);
    expect(log.json()).toMatchObject({ status: 'failed', attempts: 1, nextAttemptAt: null });
    expect(log.json().lastError).toMatch(/550/);
    const logged = await s.admin.get(`/api/emails/${c.emailId}/attempts`);
    expect(logged.json()).toEqual([
      {
        at: expect.any(String),
        outcome: 'permanent-failure',
        response: expect.stringMatching(/550/),
        durationMs: expect.any(Number),
      },
    ]);
  });

  it('fails an email whose recipient the server refused, even though its copies went out', async () => {
    smtp.refuseRecipients(['gone@customer.test']);
    try {
      const settings = await s.admin.patch('/api/email-templates/accountactivation', {
        cc: ['sales@seller.test'],
      });
      expect(settings.statusCode, settings.body).toBe(200);
      const c = await s.addContact({ email: 'gone@customer.test' });
      expect(await s.t.deps.delivery!.deliver(c.emailId)).toBe('failed');
      const row = await emailRow(db, c.emailId);
      expect(row).toMatchObject({ status: 'failed', attempts: 1, next_attempt_at: null });
      expect(row.last_error).toContain('No such user: gone@customer.test');
      expect(await attemptsOf(db, c.emailId)).toEqual([
        expect.objectContaining({ outcome: 'permanent-failure', response: expect.stringContaining('550') }),
      ]);
      // The copy reached the seller: the log says why the email still counts as failed.
      expect(smtp.messages.map((m) => m.envelope.to)).toEqual([['sales@seller.test']]);
    } finally {
      smtp.refuseRecipients([]);
      await s.admin.patch('/api/email-templates/accountactivation', { cc: [] });
    }
  });

  it('sends an email whose only refused address is a copy, and says so in the attempt', async () => {
    smtp.refuseRecipients(['old-sales@seller.test']);
    try {
      await s.admin.patch('/api/email-templates/accountactivation', { cc: ['old-sales@seller.test'] });
      const c = await s.addContact();
      expect(await s.t.deps.delivery!.deliver(c.emailId)).toBe('sent');
      expect(await emailRow(db, c.emailId)).toMatchObject({ status: 'sent', last_error: null });
      expect(await attemptsOf(db, c.emailId)).toEqual([
        expect.objectContaining({
          outcome: 'sent',
          response: expect.stringMatching(/^Not delivered to old-sales@seller\.test \(.*No such user/),
        }),
      ]);
      expect(smtp.messages.map((m) => m.envelope.to)).toEqual([[c.email]]);
    } finally {
      smtp.refuseRecipients([]);
      await s.admin.patch('/api/email-templates/accountactivation', { cc: [] });
    }
  });

  it('treats a 5xx after DATA as permanent too', async () => {
    smtp.setMode({ kind: 'permanent', at: 'data', message: 'Message rejected as spam' });
    const c = await s.addContact();
    expect(await s.t.deps.delivery!.deliver(c.emailId)).toBe('failed');
    expect((await emailRow(db, c.emailId)).last_error).toMatch(/550.*spam/);
  });

  it('gives up on temporary failures after the horizon', async () => {
    const delivery = createEmailDelivery(db, s.options({ horizonMs: 1 }));
    try {
      smtp.setMode('temporary');
      const c = await s.addContact();
      expect(await delivery.deliver(c.emailId)).toBe('failed');
      const row = await emailRow(db, c.emailId);
      expect(row).toMatchObject({ status: 'failed', attempts: 1, next_attempt_at: null });
      expect(row.last_error).toMatch(/^Gave up after 1 attempts: 451 /);
      expect((await attemptsOf(db, c.emailId)).map((a) => a.outcome)).toEqual(['temporary-failure']);
      expect(await delivery.deliver(c.emailId)).toBe('skipped');
    } finally {
      delivery.close();
    }
  });

  it('delivers once an email whose worker died while sending it', async () => {
    // A worker claims the email and never finishes (its SMTP conversation hangs, then the process dies).
    const dying = createEmailDelivery(db, s.options({ leaseMs: 1500 }), {
      sendMail: () => new Promise(() => {}),
    });
    const c = await s.addContact();
    void dying.deliver(c.emailId);
    await eventually(async () => expect((await emailRow(db, c.emailId)).status).toBe('sending'));
    const claimed = await emailRow(db, c.emailId);
    expect(claimed.attempts).toBe(1);
    expect(claimed.lease_until!.getTime()).toBeGreaterThan(Date.now() - 1000);
    // While it is alive it renews its lease…
    await eventually(async () =>
      expect((await emailRow(db, c.emailId)).lease_until!.getTime()).toBeGreaterThan(
        claimed.lease_until!.getTime(),
      ),
    );
    // …and then its process dies: nothing renews the lease any more.
    dying.close();
    const lapsing = await emailRow(db, c.emailId);

    // While the lease holds, nobody else sends it.
    const delivery = s.t.deps.delivery!;
    if (lapsing.lease_until!.getTime() > Date.now() + 500)
      expect(await delivery.deliver(c.emailId)).toBe('skipped');
    await new Promise((r) => setTimeout(r, Math.max(0, lapsing.lease_until!.getTime() - Date.now() + 50)));

    // Once it has lapsed, a live worker's next look for due emails takes it over and delivers it.
    expect(await delivery.deliverDue()).toBeGreaterThanOrEqual(1);
    expect(await delivery.deliver(c.emailId)).toBe('skipped');
    await smtp.waitFor(1);
    expect(smtp.messages).toHaveLength(1);
    const row = await emailRow(db, c.emailId);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, lease_until: null });
    expect(smtp.messages[0]!.messageId).toBe(row.message_id);
  });

  it('takes over an email left in sending with a lapsed lease, as after a restart', async () => {
    const c = await s.addContact();
    await db
      .updateTable('emails')
      .set({ status: 'sending', lease_until: new Date(Date.now() - 1000), attempts: 1 })
      .where('id', '=', c.emailId)
      .execute();
    expect(await s.t.deps.delivery!.deliver(c.emailId)).toBe('sent');
    await smtp.waitFor(1);
    expect(smtp.messages).toHaveLength(1);
    expect((await emailRow(db, c.emailId)).status).toBe('sent');
  });

  it('finds due emails in the table alone, and leaves those not yet due', async () => {
    const [early, later] = [await s.addContact(), await s.addContact()];
    await db
      .updateTable('emails')
      .set({ next_attempt_at: new Date(Date.now() + 10 * 60_000) })
      .where('id', '=', later.emailId)
      .execute();
    expect(await s.t.deps.delivery!.deliverDue()).toBe(1);
    expect(await s.t.deps.delivery!.deliverDue()).toBe(0);
    expect(await emailRow(db, early.emailId)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await emailRow(db, later.emailId)).toMatchObject({ status: 'queued', attempts: 0 });
    await smtp.waitFor(1);
    expect(smtp.messages.map((m) => m.envelope.to)).toEqual([[early.email]]);
  });
});

describe('a batch of emails', () => {
  let s: Awaited<ReturnType<typeof setUp>>;

  beforeAll(async () => {
    s = await setUp();
  });
  afterAll(async () => {
    await s?.t.close();
    await s?.smtp.close();
  });
  afterEach(() => s.smtp.clear());

  /** Writes `count` password-reset emails in one transaction; returns their ids. */
  const writeEmails = (count: number, to = (i: number) => `batch${i}@buyer.test`) =>
    s.db.transaction().execute(async (tx) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++)
        ids.push(
          (await s.t.deps.outbox.enqueue(tx, {
            scopeId: s.t.deps.scopeId,
            templateKey: 'password-reset',
            language: 'en',
            to: to(i),
            variables: {
              contact: { firstName: `B${i}`, lastName: 'Batch', email: to(i) },
              account: null,
              resetUrl: `http://clientele.test/store/reset?token=t${i}`,
              expiresAt: new Date(),
            },
          }))!,
        );
      return ids;
    });

  it('renders emails written one at a time in a transaction with one read of settings, templates and branding', async () => {
    const { result, queries } = await countStatements(() => writeEmails(10));
    // One read of what rendering needs, then one insert per email.
    expect(queries).toHaveLength(11);
    expect(queries.filter((q) => /email_templates/.test(q))).toHaveLength(1);
    const rows = await s.db.selectFrom('emails').selectAll().where('id', 'in', result).execute();
    expect(new Set(rows.map((r) => r.subject)).size).toBe(1);
    expect(rows.map((r) => r.to_address).sort()).toEqual(result.map((_, i) => `batch${i}@buyer.test`).sort());
    // Not for the tests that follow to deliver.
    await s.db.deleteFrom('emails').where('id', 'in', result).execute();
  });

  it('claims, sends and records 50 emails in two statements', async () => {
    const ids = await writeEmails(50);
    const delivery = createEmailDelivery(s.db, s.options({ concurrency: 50 }));
    try {
      const { result, queries, commits } = await countStatements(() => delivery.deliverDue());
      expect(result).toBe(50);
      // The claim (UPDATE … SKIP LOCKED … RETURNING) and the record (statuses and attempts), each its own commit.
      expect(queries).toHaveLength(2);
      expect(queries[0]).toMatch(/FOR UPDATE SKIP LOCKED/);
      expect(queries[1]).toMatch(/INSERT INTO email_attempts/);
      expect(commits).toBe(0);
    } finally {
      delivery.close();
    }
    await s.smtp.waitFor(50);
    const rows = await s.db.selectFrom('emails').selectAll().where('id', 'in', ids).execute();
    expect(rows.map((r) => r.status)).toEqual(Array(50).fill('sent'));
    expect(rows.every((r) => r.attempts === 1 && r.lease_until === null && r.sent_at)).toBe(true);
    const attempts = await s.db
      .selectFrom('email_attempts')
      .selectAll()
      .where('email_id', 'in', ids)
      .execute();
    expect(attempts.map((a) => a.outcome)).toEqual(Array(50).fill('sent'));
    expect(new Set(s.smtp.messages.map((m) => m.messageId))).toEqual(new Set(rows.map((r) => r.message_id)));
  });

  it('fails only the email the server refuses; the others of its batch are sent', async () => {
    s.smtp.refuseRecipients(['batch2@buyer.test']);
    try {
      const ids = await writeEmails(5);
      expect(await s.t.deps.delivery!.deliverDue()).toBe(5);
      const rows = await s.db.selectFrom('emails').selectAll().where('id', 'in', ids).execute();
      const byTo = new Map(rows.map((r) => [r.to_address, r]));
      expect(byTo.get('batch2@buyer.test')).toMatchObject({ status: 'failed', next_attempt_at: null });
      expect(byTo.get('batch2@buyer.test')!.last_error).toMatch(/550/);
      for (const i of [0, 1, 3, 4]) expect(byTo.get(`batch${i}@buyer.test`)!.status).toBe('sent');
      expect((await s.smtp.waitFor(4)).length).toBe(4);
    } finally {
      s.smtp.refuseRecipients([]);
    }
  });

  it('fails an email whose template cannot render, and sends the others written with it', async () => {
    const email = (to: string, firstName: string) => ({
      scopeId: s.t.deps.scopeId,
      templateKey: 'password-reset',
      language: 'en',
      to,
      variables: { contact: { firstName, email: to }, account: null, resetUrl: 'http://clientele.test/x' },
    });
    const ids = await s.db.transaction().execute((tx) =>
      // A name longer than a rendered part may be: only this email fails.
      s.t.deps.outbox.enqueueMany(tx, [
        email('fine@buyer.test', 'Fine'),
        email('broken@buyer.test', 'x'.repeat(600_000)),
      ]),
    );
    const rows = await s.db
      .selectFrom('emails')
      .selectAll()
      .where('id', 'in', ids as string[])
      .execute();
    const byTo = new Map(rows.map((r) => [r.to_address, r]));
    expect(byTo.get('broken@buyer.test')).toMatchObject({ status: 'failed', subject: '(not rendered)' });
    expect(byTo.get('broken@buyer.test')!.last_error).toMatch(/longer than/);
    expect(byTo.get('fine@buyer.test')!.status).toBe('queued');
    expect(await s.t.deps.delivery!.deliverDue()).toBe(1);
    expect((await s.smtp.waitFor(1)).map((m) => m.envelope.to)).toEqual([['fine@buyer.test']]);
  });
});

describe('retries by the workers', () => {
  let s: Awaited<ReturnType<typeof setUp>>;

  beforeAll(async () => {
    s = await setUp();
  });
  afterAll(async () => {
    await s?.t.close();
    await s?.smtp.close();
  });

  it('delivers every email exactly once after SMTP was down for a while', async () => {
    const { smtp, db } = s;
    // The app's delivery, with retries after half a second instead of 30 s.
    const delivery = createEmailDelivery(db, s.options({ retryDelayMs: () => 500 }));
    await delivery.startWorkers();
    try {
      await smtp.down();
      const contacts: Added[] = [];
      for (let i = 0; i < 5; i++) contacts.push(await s.addContact());
      // Every email fails at least once while the server is down…
      await eventually(async () => {
        for (const c of contacts) expect((await attemptsOf(db, c.emailId)).length).toBeGreaterThanOrEqual(1);
      });
      for (const c of contacts) expect((await emailRow(db, c.emailId)).status).not.toBe('sent');
      await smtp.up();
      // …and arrives once it is back.
      await smtp.waitFor(contacts.length, 20_000);
      await eventually(async () => {
        for (const c of contacts) expect((await emailRow(db, c.emailId)).status).toBe('sent');
      });
      // No late duplicates.
      await new Promise((r) => setTimeout(r, 1500));
      expect(smtp.messages).toHaveLength(contacts.length);
      const counts = smtp.countsByMessageId();
      for (const c of contacts) {
        const row = await emailRow(db, c.emailId);
        expect(counts.get(row.message_id)).toBe(1);
        const outcomes = (await attemptsOf(db, c.emailId)).map((a) => a.outcome);
        expect(outcomes.at(-1)).toBe('sent');
        expect(outcomes.slice(0, -1).every((o) => o === 'temporary-failure')).toBe(true);
        expect(row.attempts).toBe(outcomes.length);
      }
    } finally {
      delivery.close();
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)('two workers on one PostgreSQL', () => {
  let s: Awaited<ReturnType<typeof setUp>>;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    s = await setUp();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await s?.t.close();
    await s?.smtp.close();
  });

  /** A second instance: its own connection pool and delivery, on the same database. */
  async function instance() {
    const name = (await sql<{ name: string }>`SELECT current_database() AS name`.execute(s.db)).rows[0]!.name;
    const database = await openDatabase({
      databaseUrl: withDatabase(process.env.DATABASE_URL!, name),
      poolSize: 5,
    });
    const delivery = createEmailDelivery(database.db, s.options());
    cleanups.push(async () => {
      await delivery.stop();
      delivery.close();
      await database.close();
    });
    return delivery;
  }

  it('never sends an email twice when two instances deliver the same emails at once', async () => {
    const [a, b] = [await instance(), await instance()];
    const contacts: Added[] = [];
    for (let i = 0; i < 10; i++) contacts.push(await s.addContact());
    const results = await Promise.all(contacts.flatMap((c) => [a.deliver(c.emailId), b.deliver(c.emailId)]));
    for (let i = 0; i < contacts.length; i++)
      expect([results[2 * i], results[2 * i + 1]].sort()).toEqual(['sent', 'skipped']);
    await s.smtp.waitFor(contacts.length);
    expect(s.smtp.messages).toHaveLength(contacts.length);
    expect([...s.smtp.countsByMessageId().values()].every((n) => n === 1)).toBe(true);
  });

  it('shares the queue between the workers of two instances: each email is sent once', async () => {
    s.smtp.clear();
    const [a, b] = [await instance(), await instance()];
    await a.startWorkers();
    await b.startWorkers();
    const contacts: Added[] = [];
    for (let i = 0; i < 20; i++) contacts.push(await s.addContact());
    await s.smtp.waitFor(contacts.length, 30_000);
    await eventually(async () => {
      for (const c of contacts) expect((await emailRow(s.db, c.emailId)).status).toBe('sent');
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(s.smtp.messages).toHaveLength(contacts.length);
    const counts = s.smtp.countsByMessageId();
    for (const c of contacts) {
      expect(counts.get((await emailRow(s.db, c.emailId)).message_id)).toBe(1);
      expect(await attemptsOf(s.db, c.emailId)).toHaveLength(1);
    }
  });
});
