import type { PGlite } from '@electric-sql/pglite';
import type { DatabaseConnection } from 'kysely';
import { describe, expect, it } from 'vitest';
import { inBackground, PGliteDialect } from './pglite-dialect.ts';

// The driver's hand-over of the one session, without a database: the client is never called here.
function newDriver() {
  const driver = new PGliteDialect({} as PGlite).createDriver();
  return {
    acquireConnection: () => driver.acquireConnection(),
    /** Gives back the session once this holder has it. */
    release: async (holder: unknown) => {
      await holder;
      await driver.releaseConnection();
    },
  };
}
const turn = () => new Promise((r) => setImmediate(r));

describe('the embedded database session', () => {
  it('goes to waiting queries in arrival order, and to background work only when none waits', async () => {
    const driver = newDriver();
    const order: string[] = [];
    const take = (name: string, background = false) => {
      const acquire = () => driver.acquireConnection().then((c) => (order.push(name), c));
      return background ? inBackground(acquire) : acquire();
    };
    const held = await driver.acquireConnection();
    const batch = take('import batch', true);
    const first = take('request 1');
    const second = take('request 2');
    await turn();
    expect(order).toEqual([]);

    await driver.release(held);
    await driver.release(first);
    // The session is free now; a request asking again in the same turn of the event loop (its next
    // statement) still goes before the background work.
    await driver.release(second);
    const third = take('request 3');
    await driver.release(third);
    await batch;
    expect(order).toEqual(['request 1', 'request 2', 'request 3', 'import batch']);
  });

  it('gives waiting background work its turn after 16 other queries went first', async () => {
    const driver = newDriver();
    const order: string[] = [];
    let conn: unknown = await driver.acquireConnection();
    let background: DatabaseConnection | undefined;
    const batch = inBackground(async () => {
      background = await driver.acquireConnection();
      order.push('import batch');
    });
    for (let i = 1; i <= 20; i++) {
      const next = driver.acquireConnection().then((c) => (order.push(`request ${i}`), c));
      await driver.release(conn);
      await turn();
      if (background) {
        await driver.release(background);
        background = undefined;
      }
      conn = await next;
    }
    await batch;
    expect(order.indexOf('import batch')).toBe(16);
    expect(order.filter((o) => o.startsWith('request'))).toHaveLength(20);
  });
});
