import { z } from 'zod';
import {
  Address,
  AddressCreateBody,
  AddressList,
  AddressParams,
  AddressUpdateBody,
} from '../../../contracts/addresses.ts';
import { ErrorBody, IdParams } from '../../../contracts/common.ts';
import type { App, AppDeps } from '../../deps.ts';
import { createAddress, deleteAddress, listAddresses, updateAddress } from './addresses.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody } as const;
const DEFAULTS =
  'One address of each type is the default. The first address of a type becomes its default; ' +
  '`isDefault: true` moves the default to this address (in one transaction: the former default stays ' +
  'as a plain address). Deleting a default address makes the oldest remaining address of its type the ' +
  'default; with none left the owner has no default of that type. `country` is an ISO 3166-1 alpha-2 ' +
  'code in any case (stored upper case); `postalCode` is checked against the country’s format where ' +
  'one is known. Either wrong is 422 naming the field. While Settings → Customer data make the billing ' +
  'address mandatory, deleting an account’s last billing address or changing its type is 422 naming ' +
  '`billingAddress`.';

/** The address books of accounts and contacts: `/api/accounts/{id}/addresses`, `/api/contacts/{id}/addresses`. */
export async function addressesRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  for (const kind of ['account', 'contact'] as const) {
    const base = `/api/${kind}s/:id/addresses`;
    const permission = kind === 'account' ? 'accounts' : 'contacts';
    const tags = [kind === 'account' ? 'Accounts' : 'Contacts'];
    const owner = (id: string) => ({ kind, id });

    app.get(base, {
      config: { access: `${permission}.read` },
      schema: {
        tags,
        summary: `The address book of a ${kind}: billing first, each type's default first`,
        params: IdParams,
        response: { 200: AddressList, ...errors },
      },
      handler: async (request) => ({ items: await listAddresses(db, request.ctx, owner(request.params.id)) }),
    });

    app.post(base, {
      config: { access: `${permission}.write` },
      schema: {
        tags,
        summary: `Add an address to a ${kind}`,
        description: DEFAULTS,
        params: IdParams,
        body: AddressCreateBody,
        response: { 201: Address, ...errors, 422: ErrorBody },
      },
      handler: async (request, reply) =>
        reply.status(201).send(await createAddress(db, request.ctx, owner(request.params.id), request.body)),
    });

    app.patch(`${base}/:addressId`, {
      config: { access: `${permission}.write` },
      schema: {
        tags,
        summary: `Change an address of a ${kind}, or make it the default of its type`,
        description: DEFAULTS,
        params: AddressParams,
        body: AddressUpdateBody,
        response: { 200: Address, ...errors, 422: ErrorBody },
      },
      handler: (request) =>
        updateAddress(db, request.ctx, owner(request.params.id), request.params.addressId, request.body),
    });

    app.delete(`${base}/:addressId`, {
      config: { access: `${permission}.write` },
      schema: {
        tags,
        summary: `Delete an address of a ${kind}`,
        description: DEFAULTS,
        params: AddressParams,
        response: { 204: z.null(), ...errors, 422: ErrorBody },
      },
      handler: async (request, reply) => {
        await deleteAddress(db, request.ctx, owner(request.params.id), request.params.addressId);
        return reply.status(204).send(null);
      },
    });
  }
}
