import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { buildApp } from '../app.ts';
import type { App } from '../deps.ts';
import { countHit, purgeExpiredRateLimits, readHits } from './rate-limits.ts';

describe('request limits counted in the database', () => {
  let t: TestApp;
  let second: App;
  beforeAll(async () => {
    t = await createTestApp();
    // Another instance of the server on the same database.
    second = await buildApp(t.deps);
  });
  afterAll(async () => {
    await second.close();
    await t.close();
  });

  // The identity's own lock (sign-in-guard.test.ts) is cleared after each attempt: this is about the request limit.
  const signIn = async (app: App, email: string) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email, password: 'not-the-password' },
    });
    await t.deps.database.db.deleteFrom('sign_in_failures').execute();
    return res;
  };

  it('holds one limit across two instances of the server', async () => {
    const email = 'shared-limit@example.com';
    for (let i = 0; i < 5; i++) expect((await signIn(t.app, email)).statusCode).toBe(401);
    for (let i = 0; i < 5; i++) expect((await signIn(second, email)).statusCode).toBe(401);
    // The eleventh attempt, on either instance, is over the limit of 10 a minute.
    const limited = await signIn(second, email);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
    expect((await signIn(t.app, email)).statusCode).toBe(429);
    // Another email from the same client is counted apart.
    expect((await signIn(second, 'someone-else@example.com')).statusCode).toBe(401);
  });

  it('counts hits in a window that starts afresh once it has passed', async () => {
    const { db } = t.deps.database;
    expect(await readHits(db, 'test:window')).toEqual({ current: 0, ttl: 0 });
    expect((await countHit(db, 'test:window', 60_000)).current).toBe(1);
    const second = await countHit(db, 'test:window', 60_000);
    expect(second.current).toBe(2);
    expect(second.ttl).toBeGreaterThan(50_000);
    expect(second.ttl).toBeLessThanOrEqual(60_000);
    expect((await readHits(db, 'test:window')).current).toBe(2);

    await db
      .updateTable('rate_limits')
      .set({ reset_at: new Date(Date.now() - 1) })
      .where('key', '=', 'test:window')
      .execute();
    expect(await readHits(db, 'test:window')).toEqual({ current: 0, ttl: 0 });
    expect((await countHit(db, 'test:window', 60_000)).current).toBe(1);

    await db
      .updateTable('rate_limits')
      .set({ reset_at: new Date(Date.now() - 1) })
      .where('key', '=', 'test:window')
      .execute();
    await purgeExpiredRateLimits(db);
    const left = await db.selectFrom('rate_limits').select('key').where('key', '=', 'test:window').execute();
    expect(left).toEqual([]);
  });

  it('purges failed sign-ins older than 12 hours whose lock has ended, and keeps the others', async () => {
    const { db } = t.deps.database;
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);
    await db
      .insertInto('sign_in_failures')
      .values([
        { key: 'employee-email:old', failures: 3, last_failure_at: hoursAgo(13), locked_until: null },
        { key: 'employee-email:recent', failures: 3, last_failure_at: hoursAgo(1), locked_until: null },
      ])
      .execute();
    await purgeExpiredRateLimits(db);
    const left = await db.selectFrom('sign_in_failures').select('key').execute();
    expect(left).toEqual([{ key: 'employee-email:recent' }]);
  });
});
