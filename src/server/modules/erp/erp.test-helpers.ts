import { expect } from 'vitest';
import { clientFor, type Client, type TestApp } from '../../../../test/helpers/app.ts';

/** An API key with the role `erpIntegration`, made by `admin`, and a client that sends it. */
export async function connectErp(t: TestApp, admin: Client): Promise<{ erp: Client; key: string }> {
  const res = await admin.post('/api/api-keys', { name: 'ERP connector', roles: ['erpIntegration'] });
  expect(res.statusCode, res.body).toBe(201);
  const key = res.json<{ key: string }>().key;
  return { erp: clientFor(t.app, { authorization: `Bearer ${key}` }), key };
}

/**
 * An enabled endpoint taking `account.sync-requested` (pushes with none fail at once). Written directly: the
 * tests that use it never start the sender, so its deliveries stay pending and the pushes queued.
 */
export async function subscribeErpEndpoint(t: TestApp): Promise<void> {
  await t.deps.database.db
    .insertInto('webhook_endpoints')
    .values({
      scope_id: t.deps.scopeId,
      url: 'http://erp.invalid/hook',
      description: 'ERP (never called in these tests)',
      event_types: ['account.sync-requested'],
      enabled: true,
      secret: 'whsec_dGVzdA==',
    })
    .execute();
}
