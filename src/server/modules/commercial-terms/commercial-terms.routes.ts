import { z } from 'zod';
import { ErrorBody } from '../../../contracts/common.ts';
import {
  COMMERCIAL_LABELS,
  COMMERCIAL_LISTS,
  CommercialCode,
  CommercialCodeCreateBody,
  CommercialCodeDeleteQuery,
  CommercialCodeList,
  CommercialCodeParams,
  CommercialCodeUpdateBody,
} from '../../../contracts/commercial-terms.ts';
import type { App, AppDeps } from '../../deps.ts';
import {
  createCommercialCode,
  deleteCommercialCode,
  listCommercialCodes,
  updateCommercialCode,
} from './commercial-terms.service.ts';

/** `/api/payment-terms`, `/api/price-groups`, `/api/sales-reps`: the same routes for each list. */
export async function commercialTermsRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Commercial terms'];

  for (const list of COMMERCIAL_LISTS) {
    const { one, title } = COMMERCIAL_LABELS[list];
    const base = `/api/${list}`;

    app.get(base, {
      // The service asks for accounts.read or settings.read: the codes are on accounts and in the settings.
      config: { access: 'employee' },
      schema: {
        tags,
        summary: `${title}: the list, by code, with the number of accounts that have each`,
        response: { 200: CommercialCodeList, 403: ErrorBody },
      },
      handler: (request) => listCommercialCodes(db, request.ctx, list),
    });

    app.post(base, {
      config: { access: 'settings.write' },
      schema: {
        tags,
        summary: `Add a ${one}`,
        description: 'A code already in the list is 409 with `details` on `code`.',
        body: CommercialCodeCreateBody,
        response: { 201: CommercialCode, 409: ErrorBody, 422: ErrorBody },
      },
      handler: async (request, reply) =>
        reply.status(201).send(await createCommercialCode(db, request.ctx, list, request.body)),
    });

    app.patch(`${base}/:code`, {
      config: { access: 'settings.write' },
      schema: {
        tags,
        summary: `Rename a ${one}, or make it active or inactive`,
        description:
          'An inactive code stays on the accounts that have it, but giving it to an account is 422.',
        params: CommercialCodeParams,
        body: CommercialCodeUpdateBody,
        response: { 200: CommercialCode, 404: ErrorBody, 422: ErrorBody },
      },
      handler: (request) => updateCommercialCode(db, request.ctx, list, request.params.code, request.body),
    });

    app.delete(`${base}/:code`, {
      config: { access: 'settings.write' },
      schema: {
        tags,
        summary: `Delete a ${one}`,
        description:
          'A code that accounts have is refused with 409 naming how many, unless `moveTo` names another ' +
          'active code of the list: those accounts get it first (each change audited). A sign-up default ' +
          'follows the move, or is cleared.',
        params: CommercialCodeParams,
        querystring: CommercialCodeDeleteQuery,
        response: { 204: z.null(), 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
      handler: async (request, reply) => {
        await deleteCommercialCode(db, request.ctx, list, request.params.code, request.query);
        return reply.status(204).send(null);
      },
    });
  }
}
