import { Account } from '../../../contracts/accounts.ts';
import { ErrorBody, IdParams, page } from '../../../contracts/common.ts';
import {
  ErpAccountBody,
  ErpAccountResult,
  ErpNumberParams,
  ErpOrderBody,
  ErpOrderResult,
  Order,
  OrderListQuery,
} from '../../../contracts/erp.ts';
import type { RequestContext } from '../../http/context.ts';
import type { App, AppDeps } from '../../deps.ts';
import { upsertErpAccount } from './erp-accounts.service.ts';
import { pushAccountToErp } from './erp-sync.ts';
import { withIdempotencyKey } from './idempotency.ts';
import { listAccountOrders, recordOrder } from './orders.service.ts';

/** Whatever arrives through /api/erp is audited as the ERP's doing. */
const fromErp = (ctx: RequestContext): RequestContext => ({ ...ctx, source: 'erp' });

const IDEMPOTENCY =
  'With an `Idempotency-Key` header the first answer (status and body) is kept for the caller: the same key ' +
  'again returns it without running twice; the same key with another body is 422.';

export async function erpRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['ERP'];

  app.post('/api/accounts/:id/erp-push', {
    config: { access: 'accounts.write' },
    schema: {
      tags,
      summary: 'Push an account to the ERP (again)',
      description:
        'Records the event `account.sync-requested` with everything the ERP needs; the account becomes `queued`. ' +
        'Allowed from not-synced, failed and synced; a push still waiting is 409.',
      params: IdParams,
      response: { 200: Account, 404: ErrorBody, 409: ErrorBody },
    },
    handler: (request) => pushAccountToErp(db, request.ctx, request.params.id),
  });

  app.get('/api/accounts/:id/orders', {
    config: { access: 'accounts.read' },
    schema: {
      tags,
      summary: 'The last orders of an account, newest first',
      params: IdParams,
      querystring: OrderListQuery,
      response: { 200: page(Order).omit({ nextCursor: true }), 404: ErrorBody },
    },
    handler: (request) => listAccountOrders(db, request.ctx, request.params.id, request.query.limit),
  });

  app.post('/api/erp/orders', {
    config: { access: 'erp' },
    schema: {
      tags,
      summary: 'Record an order event (idempotent by number)',
      description:
        'The first order of an account records `order.first` and, under the first-order policy, pushes the ' +
        'account to the ERP. 201 created; 200 updated (date, total or currency changed) or unchanged. ' +
        IDEMPOTENCY,
      body: ErpOrderBody,
      response: { 200: ErpOrderResult, 201: ErpOrderResult, 409: ErrorBody, 422: ErrorBody },
    },
    handler: async (request, reply) => {
      const ctx = fromErp(request.ctx);
      const answer = await withIdempotencyKey(
        db,
        ctx,
        request.headers['idempotency-key'] as string | undefined,
        { method: 'POST', path: request.url, body: request.body },
        async () => {
          const result = await recordOrder(db, ctx, request.body);
          return { status: result.status === 'created' ? 201 : 200, body: result };
        },
      );
      return reply.status(answer.status as 200).send(answer.body as ErpOrderResult);
    },
  });

  app.put('/api/erp/accounts/:erpNumber', {
    config: { access: 'erp' },
    schema: {
      tags,
      summary: 'Create or update an account by its ERP number',
      description:
        'Creates the account with the ERP number as its number, or updates the account linked to it. ' +
        '`webAccountNumber` links an existing web account (it becomes `synced`). Only the fields sent change; ' +
        'the billing address is used on creation. 201 created, 200 updated or unchanged; audited with source `erp`.',
      params: ErpNumberParams,
      body: ErpAccountBody,
      response: { 200: ErpAccountResult, 201: ErpAccountResult, 409: ErrorBody, 422: ErrorBody },
    },
    handler: async (request, reply) => {
      const result = await upsertErpAccount(db, fromErp(request.ctx), request.params.erpNumber, request.body);
      return reply.status(result.status === 'created' ? 201 : 200).send(result);
    },
  });
}
