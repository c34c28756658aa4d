import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { searchStages } from '../../lib/search-page.ts';

let t: TestApp;
let admin: Client;
let crm: Client;
let ann: string;
let bob: string;
let hidden: string;
let acme: string;
let other: string;

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
  acme = await account({ name: 'Äcme Bäckerei Lyon', code: 'ACMEBAK', number: 'C-77001' });
  other = await account({ name: 'Umbrella Tools', code: 'UMBTOOL', number: 'C-88002' });
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

describe('short and odd search terms', () => {
  it('matches a term of one or two characters at the start of a word (email, name, or account)', async () => {
    const both = [ann, bob].sort();
    expect(await ids(admin, 'an')).toEqual([ann]);
    expect(await ids(admin, 'Bo')).toEqual([bob]);
    expect(await ids(admin, 'B')).toEqual(both);
    // After the @, and an account's name word, accents ignored.
    expect(await ids(admin, 'tw')).toEqual([bob]);
    expect(await ids(admin, 'ly')).toEqual(both);
    expect(await ids(admin, 'äc')).toEqual(both);
    expect(await ids(admin, 'um')).toEqual([hidden]);
    // Inside a word is not a start.
    expect(await ids(admin, 'nn')).toEqual([]);
    expect(await ids(crm, 'ly')).toEqual([]);
  });

  it('finds nothing for a term without a letter or digit, and a substring for a longer odd one', async () => {
    for (const q of ['@', '..', '%', "'", '--']) expect(await ids(admin, q)).toEqual([]);
    expect(await ids(admin, '@tw')).toEqual([bob]);
    expect(await ids(admin, 'n@o')).toEqual([ann]);
  });
});

describe('search stages', () => {
  const defaults = { ...searchStages };
  afterAll(() => Object.assign(searchStages, defaults));

  /** Every page at `limit=1`, following the cursor, for contacts or accounts. */
  async function allPages(client: Client, path: string, q: string) {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await client.get(
        `${path}?q=${encodeURIComponent(q)}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<{ items: { id: string }[]; nextCursor: string | null }>();
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor && seen.length < 20);
    return seen;
  }

  it('gives the same pages in id order whichever stage answers', async () => {
    for (let i = 0; i < 4; i++) await contact(acme, `stage${i}@lyon.example`, `Stage${i}`);
    const cases: [Client, string, string][] = [
      [admin, '/api/contacts', 'acmebak'],
      [admin, '/api/contacts', 'lyon'],
      [admin, '/api/contacts', 'st'],
      [admin, '/api/contacts', 'example'],
      [admin, '/api/contacts', 'zzz-nothing'],
      [crm, '/api/contacts', 'example'],
      // The index reads parts of these (`one`, `ann`; `bäckerei`, `lyo`, `yon`; `one`, `.ex`): each row
      // is then matched on the whole term.
      [admin, '/api/contacts', 'one.ann'],
      [admin, '/api/contacts', 'bäckerei lyon'],
      [admin, '/api/contacts', 'n@one.ex'],
      [admin, '/api/accounts', 'c-'],
      [admin, '/api/accounts', 'umbrella'],
    ];
    const expected: string[][] = [];
    Object.assign(searchStages, defaults);
    for (const [client, path, q] of cases) {
      const found = await allPages(client, path, q);
      expect(found, q).toEqual([...found].sort());
      expected.push(found);
    }
    expect(expected[0]).toHaveLength(6);
    expect(expected[5]).toEqual([hidden]);
    expect(expected[6]).toEqual([]);
    expect(expected[7]).toEqual(expected[0]);
    expect(expected[8]).toEqual([ann]);
    // 1: the first row only, then the index's candidates; 2: then, with no room for candidates, the walk.
    for (const stages of [
      { probeRows: 1, candidateCap: 5000 },
      { probeRows: 1, candidateCap: 0 },
    ]) {
      Object.assign(searchStages, stages);
      for (const [n, [client, path, q]] of cases.entries())
        expect(await allPages(client, path, q), `${q} ${JSON.stringify(stages)}`).toEqual(expected[n]);
    }
  });
});
