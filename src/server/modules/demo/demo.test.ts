import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/helpers/app.ts';
import { DEMO_PASSWORD, loadDemoData } from './demo.ts';

describe('demo data', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('loads companies, contacts, roles and employees once, and a demo rep sees only assigned companies', async () => {
    const summary = await loadDemoData(t.deps);
    expect(summary).toMatch(/Loaded 33 accounts/);
    expect(await loadDemoData(t.deps)).toBe('The demo data is already loaded.');

    const { db } = t.deps.database;
    const accounts = await db
      .selectFrom('accounts')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(accounts.n)).toBe(33);
    const welcome = await db
      .selectFrom('emails')
      .select('to_address')
      .where('template_key', '=', 'accountactivation')
      .execute();
    expect(welcome.length).toBeGreaterThan(20);

    const signIn = await t.anonymous.post('/api/session', {
      email: 'rep@demo.example',
      password: DEMO_PASSWORD,
    });
    expect(signIn.statusCode).toBe(200);
    const cookie = signIn.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const list = await t.app.inject({ method: 'GET', url: '/api/accounts?limit=100', headers: { cookie } });
    expect(list.json().items).toHaveLength(6);
  }, 60_000);
});
