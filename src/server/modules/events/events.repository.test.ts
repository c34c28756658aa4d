import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../../test/helpers/app.ts';
import { recordEvents } from './index.ts';

describe('events outbox', () => {
  it('writes several events in one statement, and none when the transaction rolls back', async () => {
    const t = await createTestApp();
    const db = t.deps.database.db;
    const scope = { id: t.deps.scopeId };
    await recordEvents(db, [
      { scopeId: scope.id, type: 'account.created', accountId: null, data: { n: 1 } },
      { scopeId: scope.id, type: 'account.updated', accountId: null, data: { n: 2 } },
    ]);
    await db
      .transaction()
      .execute(async (trx) => {
        await recordEvents(trx, [{ scopeId: scope.id, type: 'contact.created', accountId: null, data: {} }]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const rows = await db.selectFrom('events').select(['type', 'data']).orderBy('seq').execute();
    expect(rows).toEqual([
      { type: 'account.created', data: { n: 1 } },
      { type: 'account.updated', data: { n: 2 } },
    ]);
    await t.close();
  });
});
