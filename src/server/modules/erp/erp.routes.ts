import { Account } from '../../../contracts/accounts.ts';
import { COMMERCIAL_LABELS, COMMERCIAL_LISTS } from '../../../contracts/commercial-terms.ts';
import { ErrorBody, IdParams, page } from '../../../contracts/common.ts';
import {
  ErpAccountBody,
  ErpAccountResult,
  ErpCommercialCodeBody,
  ErpCommercialCodeParams,
  ErpCommercialCodeResult,
  ErpContactBody,
  ErpContactParams,
  ErpContactResult,
  ErpInvoiceBody,
  ErpInvoiceParams,
  ErpInvoiceResult,
  ErpNumberParams,
  ErpOrderBody,
  ErpOrderResult,
  Order,
  OrderListQuery,
} from '../../../contracts/erp.ts';
import type { App, AppDeps } from '../../deps.ts';
import { contactsDepsOf } from '../contacts/contacts.service.ts';
import { upsertErpAccount } from './erp-accounts.service.ts';
import { erpBatchRoutes } from './erp-batch.routes.ts';
import { upsertErpContact } from './erp-contacts.service.ts';
import { fromErp } from './erp-context.ts';
import { upsertErpCommercialCode, upsertErpInvoice } from './erp-records.service.ts';
import { pushAccountToErp } from './erp-sync.ts';
import { withIdempotencyKey } from './idempotency.ts';
import { listAccountOrders, recordOrder } from './orders.service.ts';

/** 201 when the PUT created the resource, 200 when it updated it or found it as sent. */
const statusOf = (result: { status: string }) => (result.status === 'created' ? 201 : 200);

const IDEMPOTENCY =
  'With an `Idempotency-Key` header the first answer (status and body) is kept for the caller: the same key ' +
  'again returns it without running twice (a repeat racing the first waits for its answer, or gets 409 with ' +
  '`Retry-After` after 10 s); the same key with another body is 422.';

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
        async (tx) => {
          const result = await recordOrder(tx, ctx, request.body);
          return { status: result.status === 'created' ? 201 : 200, body: result };
        },
      );
      if (answer.retryAfterSeconds) reply.header('retry-after', String(answer.retryAfterSeconds));
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
      return reply.status(statusOf(result)).send(result);
    },
  });

  app.put('/api/erp/accounts/:erpNumber/contacts/:email', {
    config: { access: 'erp' },
    schema: {
      tags,
      summary: 'Create or update a contact of an account by email',
      description:
        'Creates the contact on the account with this ERP number (no login unless `login` is sent; `login` is ' +
        'used on creation only), or updates the contact with this email in the store: only the fields sent ' +
        'change, with the contact API’s validators and messages. A contact of another account gets this ' +
        'account linked as well, not moved. 404 when no account has the ERP number. 201 created, 200 updated ' +
        'or unchanged; audited with source `erp`.',
      params: ErpContactParams,
      body: ErpContactBody,
      response: { 200: ErpContactResult, 201: ErpContactResult, 404: ErrorBody, 422: ErrorBody },
    },
    handler: async (request, reply) => {
      const { erpNumber, email } = request.params;
      const result = await upsertErpContact(
        contactsDepsOf(deps),
        fromErp(request.ctx),
        erpNumber,
        email,
        request.body,
      );
      return reply.status(statusOf(result)).send(result);
    },
  });

  app.put('/api/erp/invoices/:number', {
    config: { access: 'erp' },
    schema: {
      tags,
      summary: 'Create or update an invoice by its number',
      description:
        'What joining an account by proof checks. Creates the invoice, or gives the one with this number (in ' +
        'any case) the account, date, amount and currency sent. 422 naming `accountNumber` or `erpNumber` ' +
        'when no account has it. 201 created, 200 updated or unchanged; audited with source `erp`.',
      params: ErpInvoiceParams,
      body: ErpInvoiceBody,
      response: { 200: ErpInvoiceResult, 201: ErpInvoiceResult, 422: ErrorBody },
    },
    handler: async (request, reply) => {
      const result = await upsertErpInvoice(db, fromErp(request.ctx), request.params.number, request.body);
      return reply.status(statusOf(result)).send(result);
    },
  });

  for (const list of COMMERCIAL_LISTS) {
    const { one } = COMMERCIAL_LABELS[list];
    app.put(`/api/erp/${list}/:code`, {
      config: { access: 'erp' },
      schema: {
        tags,
        summary: `Create or update a ${one} by its code`,
        description:
          `The list behind the account’s ${one}, as in Settings. \`active\` unchanged when absent (true on ` +
          'creation). 201 created, 200 updated or unchanged (then no audit entry); audited with source `erp`.',
        params: ErpCommercialCodeParams,
        body: ErpCommercialCodeBody,
        response: { 200: ErpCommercialCodeResult, 201: ErpCommercialCodeResult, 422: ErrorBody },
      },
      handler: async (request, reply) => {
        const result = await upsertErpCommercialCode(
          db,
          fromErp(request.ctx),
          list,
          request.params.code,
          request.body,
        );
        return reply.status(statusOf(result)).send(result);
      },
    });
  }

  erpBatchRoutes(app, deps);
}
