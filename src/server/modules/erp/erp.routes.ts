import { Account } from '../../../contracts/accounts.ts';
import { ErrorBody, IdParams } from '../../../contracts/common.ts';
import type { App, AppDeps } from '../../deps.ts';
import { pushAccountToErp } from './erp-sync.ts';

export async function erpRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;

  app.post('/api/accounts/:id/erp-push', {
    config: { access: 'accounts.write' },
    schema: {
      tags: ['ERP'],
      summary: 'Push an account to the ERP (again)',
      description:
        'Records the event `account.sync-requested` with everything the ERP needs; the account becomes `queued`. ' +
        'Allowed from not-synced, failed and synced; a push still waiting is 409.',
      params: IdParams,
      response: { 200: Account, 404: ErrorBody, 409: ErrorBody },
    },
    handler: (request) => pushAccountToErp(db, request.ctx, request.params.id),
  });
}
