import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { connectErp } from './erp.test-helpers.ts';
import { withIdempotencyKey } from './idempotency.ts';

describe('Idempotency-Key under concurrency', () => {
  let t: TestApp;
  let admin: Client;
  let erpKey: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    ({ key: erpKey } = await connectErp(t, admin));
  });
  afterAll(() => t.close());

  let n = 0;
  const account = async () => {
    const res = await admin.post('/api/accounts', { kind: 'business', name: `Keyed ${++n}` });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; number: string }>();
  };
  const keyed = (key: string) =>
    clientFor(t.app, { authorization: `Bearer ${erpKey}`, 'idempotency-key': key });
  const order = (accountNumber: string, number: string, total = 10) => ({
    number,
    accountNumber,
    placedAt: '2026-11-20T10:00:00Z',
    total,
    currency: 'EUR',
  });
  const ordersOf = (accountId: string) =>
    t.deps.database.db.selectFrom('orders').select('number').where('account_id', '=', accountId).execute();

  it('runs five concurrent requests with one key once: all get the first answer', async () => {
    const a = await account();
    const client = keyed(`race-${a.number}`);
    // Different order numbers would make a second run visible as a second order.
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map(() => client.post('/api/erp/orders', order(a.number, `SO-R-${a.number}`))),
    );
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201]);
    const bodies = new Set(results.map((r) => r.body));
    expect(bodies.size).toBe(1);
    expect(await ordersOf(a.id)).toEqual([{ number: `SO-R-${a.number}` }]);
    const rows = await t.deps.database.db
      .selectFrom('idempotency_keys')
      .select(['status'])
      .where('key', '=', `race-${a.number}`)
      .execute();
    expect(rows).toEqual([{ status: 201 }]);
  });

  it('refuses concurrent requests with one key and different bodies: one runs, the others are 422', async () => {
    const a = await account();
    const client = keyed(`mixed-${a.number}`);
    const results = await Promise.all(
      [1, 2, 3].map((i) => client.post('/api/erp/orders', order(a.number, `SO-M${i}-${a.number}`))),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 422, 422]);
    expect(results.find((r) => r.statusCode === 422)!.json().error.details).toEqual([
      { path: 'Idempotency-Key', message: 'Already used for another request' },
    ]);
    expect(await ordersOf(a.id)).toHaveLength(1);
  });

  it('keeps a refusal without its writes, and keeps no claim for a request that failed with 5xx', async () => {
    const client = keyed('refused-once');
    const first = await client.post('/api/erp/orders', order('NO-SUCH', 'SO-X'));
    expect(first.statusCode).toBe(422);
    const again = await client.post('/api/erp/orders', order('NO-SUCH', 'SO-X'));
    expect(again.statusCode).toBe(422);
    expect(again.json()).toEqual(first.json());
  });

  it.runIf(process.env.DATABASE_URL)(
    'a repeat waits for the first request holding the key and replays its answer; past 10 s it is 409 with Retry-After',
    async () => {
      const a = await account();
      const db = t.deps.database.db;
      const principal = (
        await db.selectFrom('idempotency_keys').select('principal').limit(1).executeTakeFirstOrThrow()
      ).principal;
      // Another instance holding the key mid-request: its claim uncommitted.
      const holder = await db.startTransaction().execute();
      const claim = (key: string) =>
        holder
          .insertInto('idempotency_keys')
          .values({
            principal,
            key,
            method: 'POST',
            path: '/api/erp/orders',
            request_hash: 'x',
            status: 0,
            body: 'null',
          })
          .execute();
      await claim(`held-${a.number}`);
      const waiting = keyed(`held-${a.number}`).post('/api/erp/orders', order(a.number, `SO-H-${a.number}`));
      await new Promise((r) => setTimeout(r, 300));
      await holder.rollback().execute();
      // The holder gave up (a 5xx): the waiting request runs.
      expect((await waiting).statusCode).toBe(201);
      expect(await ordersOf(a.id)).toHaveLength(1);

      const stuck = await db.startTransaction().execute();
      await stuck
        .insertInto('idempotency_keys')
        .values({
          principal,
          key: `stuck-${a.number}`,
          method: 'POST',
          path: '/api/erp/orders',
          request_hash: 'x',
          status: 0,
          body: 'null',
        })
        .execute();
      try {
        const res = await keyed(`stuck-${a.number}`).post(
          '/api/erp/orders',
          order(a.number, `SO-S-${a.number}`),
        );
        expect(res.statusCode).toBe(409);
        expect(res.headers['retry-after']).toBe('1');
        expect(res.json().error.details).toEqual([
          { path: 'Idempotency-Key', message: 'idempotency-in-progress' },
        ]);
      } finally {
        await stuck.rollback().execute();
      }
      expect(await ordersOf(a.id)).toHaveLength(1);
    },
    30_000,
  );

  it('keeps no password or secret for replays: the first answer shows it, a replay leaves it out', async () => {
    const request = { method: 'POST', path: '/api/test-once', body: { n: 1 } };
    let runs = 0;
    const run = async () => {
      runs++;
      return {
        status: 201,
        body: { contact: { id: 'c1', password: 'Abcd-Efgh-Jkmn-Pqrs' }, secret: 'whsec_x' },
      };
    };
    const first = await withIdempotencyKey(t.deps.database.db, t.system, 'once-1', request, run);
    expect(first.body).toEqual({ contact: { id: 'c1', password: 'Abcd-Efgh-Jkmn-Pqrs' }, secret: 'whsec_x' });
    const replay = await withIdempotencyKey(t.deps.database.db, t.system, 'once-1', request, run);
    expect(runs).toBe(1);
    expect(replay).toEqual({ status: 201, body: { contact: { id: 'c1' } } });
    const [row] = await t.deps.database.db
      .selectFrom('idempotency_keys')
      .select('body')
      .where('key', '=', 'once-1')
      .execute();
    expect(JSON.stringify(row!.body)).not.toMatch(/Abcd-Efgh|whsec_x/);
  });
});
