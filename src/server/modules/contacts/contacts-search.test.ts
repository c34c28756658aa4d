import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

let t: TestApp;
let admin: Client;
let crm: Client;
let ann: string;
let bob: string;
let hidden: string;

async function account(body: Record<string, unknown>) {
  const res = await admin.post('/api/accounts', { kind: 'business', ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

async function contact(accountId: string, email: string, firstName: string) {
  const res = await admin.post(`/api/accounts/${accountId}/contacts`, {
    email,
    firstName,
    lastName: 'Person',
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

async function ids(client: Client, q: string) {
  const res = await client.get(`/api/contacts?q=${encodeURIComponent(q)}&limit=50`);
  expect(res.statusCode, res.body).toBe(200);
  return res
    .json<{ items: { id: string }[] }>()
    .items.map((c) => c.id)
    .sort();
}

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.employee(['administrator']);
  const acme = await account({ name: 'Äcme Bäckerei Lyon', code: 'ACMEBAK', number: 'C-77001' });
  const other = await account({ name: 'Umbrella Tools', code: 'UMBTOOL', number: 'C-88002' });
  ann = await contact(acme, 'ann@one.example', 'Ann');
  bob = await contact(acme, 'bob@two.example', 'Bob');
  hidden = await contact(other, 'cy@three.example', 'Cy');
  crm = await t.employee(['crmCompanyView'], { assignedAccountIds: [other] });
});
afterAll(async () => t?.close());

describe('contacts search by account', () => {
  it("finds a company's contacts by its code, number or name (case and accents ignored)", async () => {
    const both = [ann, bob].sort();
    expect(await ids(admin, 'acmebak')).toEqual(both);
    expect(await ids(admin, 'c-77001')).toEqual(both);
    expect(await ids(admin, '77001')).toEqual(both);
    expect(await ids(admin, 'acme backerei')).toEqual(both);
    expect(await ids(admin, 'Umbrella')).toEqual([hidden]);
    // The contact's own fields still match, alone.
    expect(await ids(admin, 'ann@one')).toEqual([ann]);
    expect(await ids(admin, 'zzz-nothing')).toEqual([]);
  });

  it('pages through account matches in id order', async () => {
    const first = (await admin.get('/api/contacts?q=acmebak&limit=1')).json<{
      items: { id: string }[];
      nextCursor: string;
    }>();
    expect(first.items).toHaveLength(1);
    const second = (
      await admin.get(`/api/contacts?q=acmebak&limit=1&cursor=${encodeURIComponent(first.nextCursor)}`)
    ).json<{ items: { id: string }[] }>();
    expect([...first.items, ...second.items].map((c) => c.id).sort()).toEqual([ann, bob].sort());
  });

  it('shows a scoped employee only the contacts of accounts assigned to them', async () => {
    expect(await ids(crm, 'acmebak')).toEqual([]);
    expect(await ids(crm, 'C-88002')).toEqual([hidden]);
  });
});
