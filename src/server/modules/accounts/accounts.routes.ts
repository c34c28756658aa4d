import {
  Account,
  AccountAssigneesBody,
  AccountCreateBody,
  AccountListQuery,
  AccountUpdateBody,
} from '../../../contracts/accounts.ts';
import { ErrorBody, IdParams, page } from '../../../contracts/common.ts';
import {
  ContactCreateBody,
  ContactCreated,
  ContactListQuery,
  ContactSummary,
} from '../../../contracts/contacts.ts';
import type { App, AppDeps } from '../../deps.ts';
import { CREATE_DESCRIPTION } from '../contacts/contacts.routes.ts';
import { createContact, listContacts, contactsDepsOf } from '../contacts/contacts.service.ts';
import {
  createAccount,
  getAccount,
  listAccounts,
  setAccountAssignees,
  updateAccount,
} from './accounts.service.ts';

export async function accountsRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Accounts'];
  const contactsDeps = contactsDepsOf(deps);

  app.get('/api/accounts', {
    config: { access: 'accounts.read' },
    schema: {
      tags,
      summary: 'Find accounts by code, number or name',
      querystring: AccountListQuery,
      response: { 200: page(Account), 422: ErrorBody },
    },
    handler: (request) => listAccounts(db, request.ctx, request.query),
  });

  app.post('/api/accounts', {
    config: { access: 'accounts.write' },
    schema: {
      tags,
      summary: 'Create an account',
      body: AccountCreateBody,
      response: { 201: Account, 422: ErrorBody },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await createAccount(db, request.ctx, request.body)),
  });

  app.get('/api/accounts/:id', {
    config: { access: 'accounts.read' },
    schema: { tags, summary: 'Read an account', params: IdParams, response: { 200: Account } },
    handler: (request) => getAccount(db, request.ctx, request.params.id),
  });

  app.patch('/api/accounts/:id', {
    config: { access: 'accounts.write' },
    schema: {
      tags,
      summary: 'Change an account',
      params: IdParams,
      body: AccountUpdateBody,
      response: { 200: Account },
    },
    handler: (request) => updateAccount(db, request.ctx, request.params.id, request.body),
  });

  app.put('/api/accounts/:id/assignees', {
    config: { access: 'employees.write' },
    schema: {
      tags,
      summary: 'Set the employees assigned to an account (what crmCompany* employees reach)',
      params: IdParams,
      body: AccountAssigneesBody,
      response: { 200: Account },
    },
    handler: (request) => setAccountAssignees(db, request.ctx, request.params.id, request.body.employeeIds),
  });

  app.get('/api/accounts/:id/contacts', {
    config: { access: 'contacts.read' },
    schema: {
      tags,
      summary: 'List the contacts of an account',
      params: IdParams,
      querystring: ContactListQuery.omit({ accountId: true }),
      response: { 200: page(ContactSummary), 422: ErrorBody },
    },
    handler: (request) => listContacts(db, request.ctx, { ...request.query, accountId: request.params.id }),
  });

  app.post('/api/accounts/:id/contacts', {
    config: { access: 'contacts.write' },
    schema: {
      tags,
      summary: 'Add a contact to an account',
      description: CREATE_DESCRIPTION,
      params: IdParams,
      body: ContactCreateBody,
      response: { 201: ContactCreated, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
    handler: async (request, reply) =>
      reply
        .status(201)
        .send(
          await createContact(contactsDeps, request.ctx, { ...request.body, accountId: request.params.id }),
        ),
  });
}
