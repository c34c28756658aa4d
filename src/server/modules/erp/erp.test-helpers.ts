import { expect } from 'vitest';
import { clientFor, type Client, type TestApp } from '../../../../test/helpers/app.ts';

/** An API key with the role `erpIntegration`, made by `admin`, and a client that sends it. */
export async function connectErp(t: TestApp, admin: Client): Promise<{ erp: Client; key: string }> {
  const res = await admin.post('/api/api-keys', { name: 'ERP connector', roles: ['erpIntegration'] });
  expect(res.statusCode, res.body).toBe(201);
  const key = res.json<{ key: string }>().key;
  return { erp: clientFor(t.app, { authorization: `Bearer ${key}` }), key };
}
