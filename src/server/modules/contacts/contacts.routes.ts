import { IdParams, page } from '../../../contracts/common.ts';
import {
  Contact,
  ContactCreateWithAccountBody,
  ContactListQuery,
  ContactSummary,
  ContactUpdateBody,
  DuplicateCheckQuery,
  DuplicateCheckResult,
} from '../../../contracts/contacts.ts';
import type { App, AppDeps } from '../../deps.ts';
import {
  contactsDepsOf,
  createContact,
  findDuplicates,
  getContact,
  listContacts,
  updateContact,
} from './contacts.service.ts';

export async function contactsRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Contacts'];
  const contactsDeps = contactsDepsOf(deps);

  app.get('/api/contacts', {
    config: { access: 'contacts.read' },
    schema: {
      tags,
      summary: 'Find contacts by email or name',
      querystring: ContactListQuery,
      response: { 200: page(ContactSummary) },
    },
    handler: (request) => listContacts(db, request.ctx, request.query),
  });

  app.post('/api/contacts', {
    config: { access: 'contacts.write' },
    schema: {
      tags,
      summary: 'Add a contact to the account given',
      body: ContactCreateWithAccountBody,
      response: { 201: Contact },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await createContact(contactsDeps, request.ctx, request.body)),
  });

  app.get('/api/contacts/duplicates', {
    config: { access: 'contacts.read' },
    schema: {
      tags,
      summary: 'Likely duplicates of a contact about to be created',
      querystring: DuplicateCheckQuery,
      response: { 200: DuplicateCheckResult },
    },
    handler: (request) => findDuplicates(db, request.ctx, request.query),
  });

  app.get('/api/contacts/:id', {
    config: { access: 'contacts.read' },
    schema: { tags, summary: 'Read a contact', params: IdParams, response: { 200: Contact } },
    handler: (request) => getContact(db, request.ctx, request.params.id),
  });

  app.patch('/api/contacts/:id', {
    config: { access: 'contacts.write' },
    schema: {
      tags,
      summary: 'Change a contact',
      params: IdParams,
      body: ContactUpdateBody,
      response: { 200: Contact },
    },
    handler: (request) => updateContact(db, request.ctx, request.params.id, request.body),
  });
}
