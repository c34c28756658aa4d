import { ErrorBody, IdParams, page } from '../../../contracts/common.ts';
import { InvoiceListQuery } from '../../../contracts/invoices.ts';
import { Invoice, InvoiceBody } from '../../../contracts/registration.ts';
import type { App, AppDeps } from '../../deps.ts';
import { createInvoice, listInvoices } from './invoices.service.ts';

export async function invoicesRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Invoices'];

  app.post('/api/invoices', {
    config: { access: 'accounts.write' },
    schema: {
      tags,
      summary: 'Record an invoice of an account (idempotent by number)',
      description:
        'Give the account as `accountId` or `accountNumber`. 201 when recorded; 200 with the stored invoice ' +
        'when an invoice with this number (in any case) and the same account, date, amount and currency ' +
        'exists; 409 naming the differing fields when the number exists with other content (only that the ' +
        'number is taken when its invoice is on an account the caller may not see); 422 when the ' +
        'account does not exist. Visitors prove they belong to an account with a recent invoice number.',
      body: InvoiceBody,
      response: { 200: Invoice, 201: Invoice, 409: ErrorBody, 422: ErrorBody },
    },
    handler: async (request, reply) => {
      const { invoice, created } = await createInvoice(db, request.ctx, request.body);
      return reply.status(created ? 201 : 200).send(invoice);
    },
  });

  app.get('/api/accounts/:id/invoices', {
    config: { access: 'accounts.read' },
    schema: {
      tags,
      summary: 'The invoices of an account, newest first',
      params: IdParams,
      querystring: InvoiceListQuery,
      response: { 200: page(Invoice) },
    },
    handler: (request) => listInvoices(db, request.ctx, request.params.id, request.query),
  });
}
