import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/helpers/app.ts';
import { recordEvents } from '../events/index.ts';

const PUBLIC_URL = 'https://93.184.215.14/hook';

describe('webhook endpoints API', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<TestApp['employee']>>;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
  });
  afterAll(() => t.close());

  it('creates an endpoint and shows its secret once: never in a read, a list, the audit log or the delivery log', async () => {
    const res = await admin.post('/api/webhooks', {
      url: PUBLIC_URL,
      description: 'ERP',
      eventTypes: ['contact.created', 'account.created', 'account.created'],
    });
    expect(res.statusCode).toBe(201);
    const created = res.json<{ id: string; secret: string; eventTypes: string[] }>();
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.eventTypes).toEqual(['account.created', 'contact.created']);
    const rotated = (await admin.post(`/api/webhooks/${created.id}/rotate-secret`)).json<{
      secret: string;
    }>();
    await admin.post(`/api/webhooks/${created.id}/test`);
    const secrets = [created.secret, rotated.secret, created.secret.slice(6), rotated.secret.slice(6)];
    for (const url of [
      `/api/webhooks/${created.id}`,
      '/api/webhooks',
      `/api/audit?entityType=webhook&entityId=${created.id}`,
      `/api/webhooks/${created.id}/deliveries`,
    ]) {
      const body = (await admin.get(url)).body;
      for (const secret of secrets) expect(body, url).not.toContain(secret);
    }
    const audit = (await admin.get(`/api/audit?entityType=webhook&entityId=${created.id}`)).json<{
      items: { action: string }[];
    }>();
    expect(audit.items.map((i) => i.action).sort()).toEqual(['webhook.created', 'webhook.secret-rotated']);
  });

  it.each([
    ['a name that resolves to 127.0.0.1', 'http://localhost:4000/hook'],
    ['loopback', 'http://127.0.0.1/hook'],
    ['IPv6 loopback', 'http://[::1]/hook'],
    ['IPv4 written as IPv6', 'http://[::ffff:10.0.0.1]/hook'],
    ['a private range', 'https://192.168.1.20/hook'],
    ['link-local (cloud metadata)', 'http://169.254.169.254/latest/meta-data'],
    ['another scheme', 'ftp://93.184.215.14/hook'],
    ['not a URL', 'erp hook'],
    ['credentials in the URL', 'https://user:pw@93.184.215.14/hook'],
  ])('refuses %s with 422 naming url', async (_what, url) => {
    const res = await admin.post('/api/webhooks', { url, eventTypes: ['*'] });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.details).toEqual([{ path: 'url', message: expect.any(String) }]);
    const count = await t.deps.database.db
      .selectFrom('webhook_endpoints')
      .select('id')
      .where('url', '=', url)
      .execute();
    expect(count).toEqual([]);
  });

  it('lets integrationsManage run Settings → Integrations on webhooks.manage alone, and nothing else of Settings', async () => {
    const integrator = await t.employee(['integrationsManage']);
    const created = await integrator.post('/api/webhooks', { url: PUBLIC_URL, eventTypes: ['*'] });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    expect((await integrator.get('/api/webhooks')).statusCode).toBe(200);
    expect((await integrator.get(`/api/webhooks/${id}/deliveries`)).statusCode).toBe(200);
    expect((await integrator.post(`/api/webhooks/${id}/test`)).statusCode).toBe(202);
    expect((await integrator.patch(`/api/webhooks/${id}`, { enabled: false })).statusCode).toBe(200);
    expect((await integrator.post(`/api/webhooks/${id}/rotate-secret`)).statusCode).toBe(200);
    expect((await integrator.delete(`/api/webhooks/${id}`)).statusCode).toBe(204);
    const settings = await integrator.get('/api/settings');
    expect(settings.statusCode).toBe(403);
    expect(settings.json().error.details).toEqual({ permission: 'settings.read' });
    // The session tells the portal what to show: the Integrations page, not Settings.
    const session = (await integrator.get('/api/session')).json<{ permissions: string[] }>();
    expect(session.permissions).toEqual(expect.arrayContaining(['webhooks.manage', 'apiKeys.manage']));
    expect(session.permissions).not.toContain('settings.read');
  });

  it('refuses a private URL on update too, and keeps the stored one', async () => {
    const { id } = (await admin.post('/api/webhooks', { url: PUBLIC_URL, eventTypes: ['*'] })).json<{
      id: string;
    }>();
    const res = await admin.patch(`/api/webhooks/${id}`, { url: 'http://localhost/x' });
    expect(res.statusCode).toBe(422);
    expect((await admin.get(`/api/webhooks/${id}`)).json()).toMatchObject({ url: PUBLIC_URL });
  });

  it('refuses unknown event types and an empty list with 400 naming the field', async () => {
    for (const eventTypes of [['account.deleted'], []]) {
      const res = await admin.post('/api/webhooks', { url: PUBLIC_URL, eventTypes });
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.json().error.details)).toContain('eventTypes');
    }
  });

  it('edits, disables and deletes an endpoint with audit entries; a disabled one gets no deliveries', async () => {
    const { id } = (await admin.post('/api/webhooks', { url: PUBLIC_URL, eventTypes: ['*'] })).json<{
      id: string;
    }>();
    const patched = await admin.patch(`/api/webhooks/${id}`, {
      enabled: false,
      eventTypes: ['account.updated'],
    });
    expect(patched.json()).toMatchObject({ enabled: false, eventTypes: ['account.updated'] });
    expect((await admin.post(`/api/webhooks/${id}/test`)).statusCode).toBe(422);
    await recordEvents(t.deps.database.db, [
      { scopeId: t.deps.scopeId, type: 'account.updated', accountId: null, data: {} },
    ]);
    const deliveries = await t.deps.database.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('endpoint_id', '=', id)
      .execute();
    expect(deliveries).toEqual([]);
    expect((await admin.delete(`/api/webhooks/${id}`)).statusCode).toBe(204);
    expect((await admin.get(`/api/webhooks/${id}`)).statusCode).toBe(404);
    const audit = (await admin.get(`/api/audit?entityType=webhook&entityId=${id}`)).json<{
      items: { action: string; before: unknown; after: unknown }[];
    }>();
    expect(audit.items.map((i) => i.action).sort()).toEqual([
      'webhook.created',
      'webhook.deleted',
      'webhook.updated',
    ]);
    expect(audit.items.find((i) => i.action === 'webhook.updated')).toMatchObject({
      before: { enabled: true, eventTypes: ['*'] },
      after: { enabled: false, eventTypes: ['account.updated'] },
    });
  });

  it('pages the delivery log, and answers 404 for a delivery of another endpoint', async () => {
    const { id } = (await admin.post('/api/webhooks', { url: PUBLIC_URL, eventTypes: ['*'] })).json<{
      id: string;
    }>();
    const other = (await admin.post('/api/webhooks', { url: PUBLIC_URL, eventTypes: ['*'] })).json<{
      id: string;
    }>();
    for (let i = 0; i < 3; i++) await admin.post(`/api/webhooks/${id}/test`);
    const first = (await admin.get(`/api/webhooks/${id}/deliveries?limit=2`)).json<{
      items: { id: string }[];
      nextCursor: string;
    }>();
    expect(first.items).toHaveLength(2);
    const second = (
      await admin.get(`/api/webhooks/${id}/deliveries?limit=2&cursor=${first.nextCursor}`)
    ).json<{ items: { id: string }[]; nextCursor: string | null }>();
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const resend = await admin.post(`/api/webhooks/${other.id}/deliveries/${first.items[0]!.id}/resend`);
    expect(resend.statusCode).toBe(404);
    // A delivery still on its way cannot be re-sent yet.
    expect((await admin.post(`/api/webhooks/${id}/deliveries/${first.items[0]!.id}/resend`)).statusCode).toBe(
      409,
    );
    expect((await admin.get(`/api/webhooks/${id}/deliveries?cursor=nonsense`)).statusCode).toBe(400);
  });

  it('creates deliveries with the events, in the same statement, only for subscribed enabled endpoints', async () => {
    const db = t.deps.database.db;
    await db.deleteFrom('webhook_endpoints').execute();
    const a = (await admin.post('/api/webhooks', { url: PUBLIC_URL, eventTypes: ['contact.created'] })).json<{
      id: string;
    }>();
    const b = (await admin.post('/api/webhooks', { url: PUBLIC_URL, eventTypes: ['*'] })).json<{
      id: string;
    }>();
    await recordEvents(db, [
      { scopeId: t.deps.scopeId, type: 'contact.created', accountId: null, data: { id: 'c1' } },
      { scopeId: t.deps.scopeId, type: 'account.created', accountId: null, data: { id: 'a1' } },
    ]);
    const rows = await db
      .selectFrom('webhook_deliveries')
      .select(['endpoint_id', 'type'])
      .where('event_id', 'is not', null)
      .orderBy('endpoint_id')
      .orderBy('type')
      .execute();
    expect(rows).toEqual(
      [
        { endpoint_id: a.id, type: 'contact.created' },
        { endpoint_id: b.id, type: 'account.created' },
        { endpoint_id: b.id, type: 'contact.created' },
      ].sort((x, y) => (x.endpoint_id + x.type).localeCompare(y.endpoint_id + y.type)),
    );
  });
});
