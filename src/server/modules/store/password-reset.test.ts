import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PASSWORD,
  clientFor,
  cookieOf,
  createTestApp,
  type Client,
  type TestApp,
} from '../../../../test/helpers/app.ts';
import { startSmtpServer, type CapturedMessage, type CapturingSmtp } from '../../../../test/helpers/smtp.ts';
import { hashPassword, sha256 } from '../../lib/secrets.ts';
import { startAccountRequestWorker } from '../auth/account-requests.job.ts';
import { jobsSettled } from '../../../../test/helpers/jobs.ts';

const OLD_PASSWORD = 'my-old-store-password';
const NEW_PASSWORD = 'my-brand-new-password';

describe('password reset and activation links, delivered over SMTP', () => {
  let smtp: CapturingSmtp;
  let t: TestApp;
  let admin: Client;
  let account: { id: string };
  let n = 0;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({ SMTP_URL: smtp.url });
    await t.deps.delivery!.startWorkers();
    await startAccountRequestWorker(t.deps);
    admin = await t.employee(['administrator']);
    account = (await admin.post('/api/accounts', { kind: 'business', name: 'Reset Co' })).json();
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  /** Waits for the `count`-th message to this address. */
  async function messagesTo(address: string, count = 1, timeoutMs = 10_000): Promise<CapturedMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = smtp.messages.filter((m) => m.envelope.to.includes(address.toLowerCase()));
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`${found.length} of ${count} messages to ${address}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The token of the link `path?token=…` in a received message, the same in its text and HTML. */
  function tokenIn(message: CapturedMessage, path: string): string {
    const pattern = new RegExp(`http://clientele\\.test${path.replace(/[?]/g, '\\?')}\\?token=([\\w-]+)`);
    const fromText = pattern.exec(message.parsed!.text ?? '')?.[1];
    const fromHtml = pattern.exec(String(message.parsed!.html))?.[1];
    expect(fromText).toBeTruthy();
    expect(fromHtml).toBe(fromText);
    return fromText!;
  }

  /** Waits until no more messages arrive, then checks none went to this address. */
  async function noMessageTo(address: string) {
    await jobsSettled(t.deps.database.db, 'account.request');
    await new Promise((r) => setTimeout(r, 1200));
    expect(smtp.messages.filter((m) => m.envelope.to.includes(address.toLowerCase()))).toEqual([]);
    const logged = await t.deps.database.db
      .selectFrom('emails')
      .select('id')
      .where('to_address', 'ilike', address)
      .execute();
    expect(logged).toEqual([]);
  }

  /** A contact; with a password unless `login: false`. */
  async function contact(options: { login?: boolean; label?: string } = {}) {
    const email = `${options.label ?? 'shopper'}${++n}@example.com`;
    const res = await admin.post(`/api/accounts/${account.id}/contacts`, {
      email,
      firstName: 'Reset',
      lastName: 'Tester',
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json<{ id: string }>().id;
    if (options.login !== false)
      await t.deps.database.db
        .updateTable('contacts')
        .set({ password_hash: await hashPassword(OLD_PASSWORD), activated_at: new Date() })
        .where('id', '=', id)
        .execute();
    return { id, email };
  }

  const requestReset = (email: string) => t.anonymous.post('/api/store/password-reset', { email });
  const confirm = (token: string, password = NEW_PASSWORD) =>
    t.anonymous.post('/api/store/password-reset/confirm', { token, password });
  const signIn = (email: string, password: string) =>
    t.anonymous.post('/api/store/session', { email, password });

  async function resetToken(email: string, nth = 1) {
    const messages = await messagesTo(email, nth);
    return tokenIn(messages[nth - 1]!, '/store/reset');
  }

  describe('storefront password reset', () => {
    it('answers the same for an existing and an unknown email, and mails only the existing one', async () => {
      const c = await contact();
      const unknown = `nobody${++n}@example.com`;
      const known = await requestReset(c.email.toUpperCase());
      const other = await requestReset(unknown);
      expect(known.statusCode).toBe(202);
      expect(other.statusCode).toBe(202);
      expect(other.body).toBe(known.body);
      expect(known.json().message).toMatch(/If an account uses this email/);

      const [message] = await messagesTo(c.email);
      const mail = message!.parsed!;
      expect(mail.subject).toBe('Reset your Clientele password');
      expect(mail.to && !Array.isArray(mail.to) && mail.to.value[0]!.address).toBe(c.email);
      expect(mail.text).toContain(`someone asked to reset the password of ${c.email}`);
      tokenIn(message!, '/store/reset');
      await noMessageTo(unknown);
    });

    it('sends nothing to a disabled contact', async () => {
      const c = await contact();
      expect((await admin.patch(`/api/contacts/${c.id}`, { status: 'disabled' })).statusCode).toBe(200);
      expect((await requestReset(c.email)).statusCode).toBe(202);
      await noMessageTo(c.email);
    });

    it('sets the new password with the link, ending the contact’s sessions', async () => {
      const c = await contact();
      const before = await signIn(c.email, OLD_PASSWORD);
      expect(before.statusCode).toBe(200);
      const shopper = clientFor(t.app, { cookie: cookieOf(before) });
      expect((await shopper.get('/api/store/session')).statusCode).toBe(200);

      await requestReset(c.email);
      const res = await confirm(await resetToken(c.email));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ ok: true });

      expect((await shopper.get('/api/store/session')).statusCode).toBe(401);
      expect((await signIn(c.email, OLD_PASSWORD)).statusCode).toBe(401);
      expect((await signIn(c.email, NEW_PASSWORD)).statusCode).toBe(200);
      const audit = await t.deps.database.db
        .selectFrom('audit_log')
        .select(['action', 'actor_type', 'actor_id'])
        .where('entity_id', '=', c.id)
        .where('action', 'like', 'contact.password_reset%')
        .orderBy('at')
        .execute();
      expect(audit.map((a) => a.action)).toEqual([
        'contact.password_reset_requested',
        'contact.password_reset',
      ]);
      expect(audit[1]).toMatchObject({ actor_type: 'contact', actor_id: c.id });
    });

    it('refuses the link a second time with 422 used', async () => {
      const c = await contact();
      await requestReset(c.email);
      const token = await resetToken(c.email);
      expect((await confirm(token)).statusCode).toBe(200);
      const again = await confirm(token, 'yet-another-password');
      expect(again.statusCode).toBe(422);
      expect(again.json().error.details).toEqual([{ path: 'token', message: 'used' }]);
      expect((await signIn(c.email, NEW_PASSWORD)).statusCode).toBe(200);
    });

    it('refuses an expired link with 422 expired', async () => {
      const c = await contact();
      await requestReset(c.email);
      const token = await resetToken(c.email);
      await t.deps.database.db
        .updateTable('one_time_tokens')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('token_hash', '=', sha256(token))
        .execute();
      const res = await confirm(token);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toEqual([{ path: 'token', message: 'expired' }]);
      expect(res.json().error.message).toMatch(/expired/i);
      expect((await signIn(c.email, OLD_PASSWORD)).statusCode).toBe(200);
    });

    it('expires reset links after an hour by default', async () => {
      const c = await contact();
      const requested = Date.now();
      await requestReset(c.email);
      const token = await resetToken(c.email);
      const row = await t.deps.database.db
        .selectFrom('one_time_tokens')
        .select(['expires_at', 'purpose', 'token_hash'])
        .where('token_hash', '=', sha256(token))
        .executeTakeFirstOrThrow();
      expect(row.purpose).toBe('password-reset');
      expect(row.expires_at.getTime() - requested).toBeGreaterThan(3600_000 - 5000);
      expect(row.expires_at.getTime() - requested).toBeLessThan(3600_000 + 5000);
    });

    it('refuses a common or short password with 400 on password, leaving the link usable', async () => {
      const c = await contact();
      await requestReset(c.email);
      const token = await resetToken(c.email);
      for (const password of ['qwertyuiop', '1234567890', 'Password123']) {
        const res = await confirm(token, password);
        expect(res.statusCode, password).toBe(400);
        expect(res.json().error.details).toEqual([
          { path: 'password', message: 'This password is on a list of common passwords' },
        ]);
      }
      const short = await confirm(token, 'short');
      expect(short.statusCode).toBe(400);
      expect(short.json().error.details).toContainEqual(expect.objectContaining({ path: 'password' }));
      expect((await confirm(token)).statusCode).toBe(200);
    });

    it('makes the previous link stop working when a new one is asked for', async () => {
      const c = await contact();
      await requestReset(c.email);
      const first = await resetToken(c.email, 1);
      await requestReset(c.email);
      const second = await resetToken(c.email, 2);
      expect(second).not.toBe(first);
      const old = await confirm(first);
      expect(old.statusCode).toBe(422);
      expect(old.json().error.details[0].path).toBe('token');
      expect((await confirm(second)).statusCode).toBe(200);
    });

    it('does not accept a reset link for activation, nor the other way round', async () => {
      const c = await contact();
      await requestReset(c.email);
      const token = await resetToken(c.email);
      const res = await t.anonymous.post('/api/store/activate', { token, password: NEW_PASSWORD });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toEqual([{ path: 'token', message: 'invalid' }]);
      expect((await confirm(token)).statusCode).toBe(200);
    });
  });

  describe('activation resend', () => {
    const resend = (email: string) => t.anonymous.post('/api/store/activation/resend', { email });

    it('sends a new activation link only to a contact without a login', async () => {
      const without = await contact({ login: false });
      const withLogin = await contact();
      const unknown = `nobody${++n}@example.com`;
      const responses = [await resend(without.email), await resend(withLogin.email), await resend(unknown)];
      for (const res of responses) {
        expect(res.statusCode).toBe(202);
        expect(res.body).toBe(responses[0]!.body);
      }
      const [message] = await messagesTo(without.email);
      expect(message!.parsed!.subject).toBe('Welcome to Clientele: activate your account');
      const token = tokenIn(message!, '/store/activate');
      await noMessageTo(withLogin.email);
      await noMessageTo(unknown);

      const activated = await t.anonymous.post('/api/store/activate', { token, password: NEW_PASSWORD });
      expect(activated.statusCode, activated.body).toBe(200);
      expect((await signIn(without.email, NEW_PASSWORD)).statusCode).toBe(200);
      // Now that it has a login, no more activation links.
      expect((await resend(without.email)).statusCode).toBe(202);
      await new Promise((r) => setTimeout(r, 1200));
      expect(await messagesTo(without.email)).toHaveLength(1);
    });
  });

  describe('employee password reset', () => {
    const requestEmployeeReset = (email: string) =>
      t.anonymous.post('/api/session/password-reset', { email });
    const confirmEmployee = (token: string, password = NEW_PASSWORD) =>
      t.anonymous.post('/api/session/password-reset/confirm', { token, password });
    const employeeSignIn = (email: string, password: string) =>
      t.anonymous.post('/api/session', { email, password });

    it('answers the same for an unknown email and mails only employees', async () => {
      const employee = await t.employee(['customerView']);
      const unknown = `ghost${++n}@example.com`;
      const known = await requestEmployeeReset(employee.email);
      const other = await requestEmployeeReset(unknown);
      expect(known.statusCode).toBe(202);
      expect(other.statusCode).toBe(202);
      expect(other.body).toBe(known.body);
      const [message] = await messagesTo(employee.email);
      expect(message!.parsed!.subject).toBe('Reset your Operations Portal password');
      tokenIn(message!, '/reset-password');
      await noMessageTo(unknown);
      // A contact's email is not an employee's.
      const c = await contact();
      expect((await requestEmployeeReset(c.email)).statusCode).toBe(202);
      await noMessageTo(c.email);
    });

    it('sets the password with the link and ends the employee’s portal sessions', async () => {
      const employee = await t.employee(['customerView']);
      expect((await employee.get('/api/session')).statusCode).toBe(200);
      await requestEmployeeReset(employee.email);
      const token = tokenIn((await messagesTo(employee.email))[0]!, '/reset-password');

      const common = await confirmEmployee(token, '1234567890');
      expect(common.statusCode).toBe(400);
      expect(common.json().error.details).toContainEqual(expect.objectContaining({ path: 'password' }));

      const res = await confirmEmployee(token);
      expect(res.statusCode, res.body).toBe(200);
      expect((await employee.get('/api/session')).statusCode).toBe(401);
      expect((await employeeSignIn(employee.email, PASSWORD)).statusCode).toBe(401);
      expect((await employeeSignIn(employee.email, NEW_PASSWORD)).statusCode).toBe(200);

      const again = await confirmEmployee(token, 'one-more-password');
      expect(again.statusCode).toBe(422);
      expect(again.json().error.details).toEqual([{ path: 'token', message: 'used' }]);
      // A contact's reset link is not an employee's, nor the other way round.
      expect((await confirm(token)).statusCode).toBe(422);
    });

    it('refuses an expired employee link', async () => {
      const employee = await t.employee(['customerView']);
      await requestEmployeeReset(employee.email);
      const token = tokenIn((await messagesTo(employee.email))[0]!, '/reset-password');
      await t.deps.database.db
        .updateTable('one_time_tokens')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('token_hash', '=', sha256(token))
        .execute();
      const res = await confirmEmployee(token);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toEqual([{ path: 'token', message: 'expired' }]);
      expect((await employee.get('/api/session')).statusCode).toBe(200);
    });
  });

  describe('links sent by an employee', () => {
    it('sends the activation email and a password reset from a contact’s page', async () => {
      const c = await contact({ login: false });
      const activation = await admin.post(`/api/contacts/${c.id}/activation`);
      expect(activation.statusCode, activation.body).toBe(202);
      const [welcome] = await messagesTo(c.email);
      const row = await t.deps.database.db
        .selectFrom('emails')
        .select(['message_id', 'template_key'])
        .where('id', '=', activation.json().emailId)
        .executeTakeFirstOrThrow();
      expect(row.template_key).toBe('accountactivation');
      expect(welcome!.messageId).toBe(row.message_id);
      const token = tokenIn(welcome!, '/store/activate');
      expect(
        (await t.anonymous.post('/api/store/activate', { token, password: OLD_PASSWORD })).statusCode,
      ).toBe(200);

      const reset = await admin.post(`/api/contacts/${c.id}/password-reset`);
      expect(reset.statusCode).toBe(202);
      const messages = await messagesTo(c.email, 2);
      expect(messages[1]!.parsed!.subject).toBe('Reset your Clientele password');
      expect((await confirm(tokenIn(messages[1]!, '/store/reset'))).statusCode).toBe(200);
      expect((await signIn(c.email, NEW_PASSWORD)).statusCode).toBe(200);
      const audit = await t.deps.database.db
        .selectFrom('audit_log')
        .select('action')
        .where('entity_id', '=', c.id)
        .where('action', 'in', ['contact.activation_sent', 'contact.password_reset_sent'])
        .orderBy('at')
        .execute();
      expect(audit.map((a) => a.action)).toEqual(['contact.activation_sent', 'contact.password_reset_sent']);
    });

    it('refuses a disabled contact with 422, an unknown one with 404, and employees without emails.send', async () => {
      const c = await contact();
      await admin.patch(`/api/contacts/${c.id}`, { status: 'disabled' });
      for (const kind of ['activation', 'password-reset']) {
        const res = await admin.post(`/api/contacts/${c.id}/${kind}`);
        expect(res.statusCode, kind).toBe(422);
        expect(res.json().error.message).toMatch(/disabled/);
        expect(
          (await admin.post(`/api/contacts/00000000-0000-4000-8000-000000000000/${kind}`)).statusCode,
        ).toBe(404);
      }
      const viewer = await t.employee(['customerView']);
      const active = await contact();
      expect((await viewer.post(`/api/contacts/${active.id}/password-reset`)).statusCode).toBe(403);
      await noMessageTo(c.email);
      await noMessageTo(active.email);
    });

    it('sends to many contacts at once, reporting each one', async () => {
      const [a, b, disabled] = [await contact(), await contact({ login: false }), await contact()];
      await admin.patch(`/api/contacts/${disabled.id}`, { status: 'disabled' });
      const missing = '00000000-0000-4000-8000-000000000000';
      const res = await admin.post('/api/contacts/emails', {
        contactIds: [a.id, b.id, disabled.id, missing, a.id],
        kind: 'password-reset',
      });
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json().results).toEqual([
        { contactId: a.id, status: 'queued', emailId: expect.any(String) },
        { contactId: b.id, status: 'queued', emailId: expect.any(String) },
        { contactId: disabled.id, status: 'disabled', emailId: null },
        { contactId: missing, status: 'not_found', emailId: null },
      ]);
      await messagesTo(a.email);
      await messagesTo(b.email);
      await new Promise((r) => setTimeout(r, 1200));
      expect(await messagesTo(a.email)).toHaveLength(1);
      expect(await messagesTo(b.email)).toHaveLength(1);
      await noMessageTo(disabled.email);

      const invalid = await admin.post('/api/contacts/emails', { contactIds: [], kind: 'activation' });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.json().error.details).toContainEqual(expect.objectContaining({ path: 'contactIds' }));
    });
  });
});
