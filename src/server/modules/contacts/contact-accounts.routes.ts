import { z } from 'zod';
import { ErrorBody, IdParams } from '../../../contracts/common.ts';
import {
  ContactAccountAddBody,
  ContactAccountList,
  ContactAccountParams,
  ContactAccountsChange,
  PrimaryAccountBody,
} from '../../../contracts/contact-accounts.ts';
import type { App, AppDeps } from '../../deps.ts';
import {
  addContactAccount,
  listContactAccounts,
  removeContactAccount,
  setPrimaryAccount,
} from './contact-accounts.service.ts';

/** A contact in several accounts (seed 003 organizations; seed 004 re-mapping to the ERP's account). */
export async function contactAccountsRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Contacts'];
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
  const hidden =
    'A contact or account the caller may not see (employees restricted to assigned accounts) is 404, as a missing one.';

  app.get('/api/contacts/:id/accounts', {
    config: { access: 'contacts.read' },
    schema: {
      tags,
      summary: 'The accounts a contact belongs to, primary first',
      description: hidden,
      params: IdParams,
      response: { 200: ContactAccountList, ...errors },
    },
    handler: (request) => listContactAccounts(db, request.ctx, request.params.id),
  });

  app.post('/api/contacts/:id/accounts', {
    config: { access: 'contacts.write' },
    schema: {
      tags,
      summary: 'Add the contact to another account',
      description:
        `With \`primary: true\` it becomes the primary account (the previous one stays as a secondary account). ` +
        `An account the contact is already in is 409. Audited on the contact and on the account. ${hidden}`,
      params: IdParams,
      body: ContactAccountAddBody,
      response: { 201: ContactAccountsChange, ...errors, 409: ErrorBody },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await addContactAccount(db, request.ctx, request.params.id, request.body)),
  });

  app.delete('/api/contacts/:id/accounts/:accountId', {
    config: { access: 'contacts.write' },
    schema: {
      tags,
      summary: 'Remove the contact from one of its accounts',
      description:
        'The only account of a contact cannot be removed (422 on `accountId`); the primary one only while naming ' +
        'the new primary among the others (`newPrimaryAccountId`, else 422 on it). `emptiedWebAccount` names a web ' +
        `account left without contacts, which the portal offers to disable. ${hidden}`,
      params: ContactAccountParams,
      querystring: z.object({
        newPrimaryAccountId: z.uuid().optional().describe('Required when removing the primary account'),
      }),
      response: { 200: ContactAccountsChange, ...errors, 409: ErrorBody, 422: ErrorBody },
    },
    handler: (request) =>
      removeContactAccount(
        db,
        request.ctx,
        request.params.id,
        request.params.accountId,
        request.query.newPrimaryAccountId,
      ),
  });

  app.put('/api/contacts/:id/primary-account', {
    config: { access: 'contacts.write' },
    schema: {
      tags,
      summary: 'Make an account the contact’s primary account (re-map), linking it if needed',
      description:
        'Re-mapping from a web account (number = the prefix of Settings + digits, `W…`) to another account leaves ' +
        'the web account unless `keepPrevious` is true; any other previous primary stays as a secondary account. ' +
        'Audited on the contact and on both accounts. `emptiedWebAccount` names the web account when no contact ' +
        'is left in it: disable it with `PATCH /api/accounts/{id} {"status": "disabled"}`. ' +
        `\`PATCH /api/contacts/{id} {"accountId"}\` does the same. ${hidden}`,
      params: IdParams,
      body: PrimaryAccountBody,
      response: { 200: ContactAccountsChange, ...errors, 409: ErrorBody },
    },
    handler: (request) => setPrimaryAccount(db, request.ctx, request.params.id, request.body),
  });
}
