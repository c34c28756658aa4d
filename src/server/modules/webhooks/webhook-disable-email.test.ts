import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/helpers/app.ts';
import { startSmtpServer, type CapturingSmtp } from '../../../../test/helpers/smtp.ts';
import { startReceiver } from '../../../../test/helpers/webhook-receiver.ts';
import { recordEvents } from '../events/index.ts';

/** End to end: an endpoint failing for days is disabled, and the administrators' email reaches SMTP. */
describe('an endpoint failing for days', () => {
  let t: TestApp;
  let smtp: CapturingSmtp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    receiver = await startReceiver();
    t = await createTestApp({
      SMTP_URL: smtp.url,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_SCHEDULE: '0,0,0',
      WEBHOOK_DISABLE_AFTER_DAYS: '2',
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await smtp?.close();
  });

  it('is disabled with its reason, and every active administrator (and nobody else) gets the email', async () => {
    const admin = await t.employee(['administrator']);
    const second = await t.employee(['administrator', 'companyView']);
    const viewer = await t.employee(['companyView']);
    const created = await admin.post('/api/webhooks', { url: `${receiver.url}/down`, eventTypes: ['*'] });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    receiver.respondWith(() => ({ status: 503 }));
    const db = t.deps.database.db;
    const emit = () =>
      recordEvents(db, [{ scopeId: t.deps.scopeId, type: 'account.created', accountId: null, data: {} }]);
    // Failing for one day: below the limit, still enabled.
    await db
      .updateTable('webhook_endpoints')
      .set({ failing_since: new Date(Date.now() - 86400_000) })
      .where('id', '=', id)
      .execute();
    await emit();
    await t.deps.webhooks.runOnce();
    expect((await admin.get(`/api/webhooks/${id}`)).json()).toMatchObject({ enabled: true });
    // Three days: the next failure switches it off.
    const since = new Date(Date.now() - 3 * 86400_000);
    await db.updateTable('webhook_endpoints').set({ failing_since: since }).where('id', '=', id).execute();
    await t.deps.webhooks.runOnce();
    expect((await admin.get(`/api/webhooks/${id}`)).json()).toMatchObject({
      enabled: false,
      disabledReason: `Deliveries have failed since ${since.toISOString()}`,
    });
    // A disabled endpoint is not sent to, and is not disabled (nor emailed about) twice.
    await emit();
    expect(await t.deps.webhooks.runOnce()).toBe(0);

    await t.deps.delivery!.startWorkers();
    const admins = (
      await db
        .selectFrom('employees')
        .select('email')
        .where('status', '=', 'active')
        .where(sql<boolean>`'administrator' = ANY(roles)`)
        .execute()
    ).map((e) => e.email);
    expect(admins).toEqual(expect.arrayContaining([admin.email, second.email]));
    const messages = await smtp.waitFor(admins.length, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(messages).toHaveLength(admins.length);
    expect(messages.flatMap((m) => m.envelope.to).sort()).toEqual([...admins].sort());
    expect(messages.flatMap((m) => m.envelope.to)).not.toContain(viewer.email);
    const mail = messages[0]!.parsed!;
    expect(mail.subject).toMatch(/^A webhook endpoint of .+ was disabled$/);
    expect(mail.text).toContain(`${receiver.url}/down`);
    expect(mail.text).toContain('http://clientele.test/settings/integrations');
    const rows = await db
      .selectFrom('emails')
      .select(['to_address', 'status'])
      .where('template_key', '=', 'webhook-disabled')
      .execute();
    expect(rows.map((r) => r.to_address).sort()).toEqual([...admins].sort());
  });
});
