import { ErrorBody, IdParams, page } from '../../../contracts/common.ts';
import { ContactBulkAddBody, ContactBulkAddResult } from '../../../contracts/contacts-bulk.ts';
import {
  Contact,
  ContactCreated,
  ContactCreateWithAccountBody,
  ContactListQuery,
  ContactSummary,
  ContactUpdateBody,
  DuplicateCheckQuery,
  DuplicateCheckResult,
} from '../../../contracts/contacts.ts';
import { z } from 'zod';
import type { App, AppDeps } from '../../deps.ts';
import { bulkAddContacts } from './bulk-add.service.ts';
import { sendContactEmail, sendContactEmails } from './contact-emails.ts';
import {
  contactsDepsOf,
  createContact,
  findDuplicates,
  getContact,
  listContacts,
  updateContact,
} from './contacts.service.ts';

export const CREATE_DESCRIPTION =
  'Optional: `workPhone`, `language` (one the seller enables in Settings; the first enabled one when ' +
  'absent), `customerGroups` (keys of existing groups) and `login` (`activation-email`, ' +
  '`generated-password` — the password comes back once in `password` —, `shared-password` of the one ' +
  'chosen group that has one, or `none`, with an optional window `validFrom` < `validUntil`). Unknown ' +
  'groups or roles, a language not enabled, a window out of order or no group with a shared password ' +
  'are 422 with `details` naming each field; nothing is stored then.';

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
      response: { 200: page(ContactSummary), 422: ErrorBody },
    },
    handler: (request) => listContacts(db, request.ctx, request.query),
  });

  app.post('/api/contacts', {
    config: { access: 'contacts.write' },
    schema: {
      tags,
      summary: 'Add a contact to the account given',
      description: CREATE_DESCRIPTION,
      body: ContactCreateWithAccountBody,
      response: { 201: ContactCreated, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await createContact(contactsDeps, request.ctx, request.body)),
  });

  app.post('/api/contacts/bulk', {
    config: { access: 'contacts.write' },
    // 5,000 pasted lines with long names fit; the default limit is 1 MiB.
    bodyLimit: 4 * 1024 * 1024,
    schema: {
      tags,
      summary: 'Add many contacts from pasted lines (email, first name, last name, phone, work phone)',
      description:
        'Each line comes back as `created`, `exists` (a contact with this email is already in the store: it ' +
        'joins the chosen customer groups and nothing else changes; `contactId` names it) or `invalid` ' +
        '(`error` names the field). Valid lines are stored even when others are invalid, unless ' +
        '`allOrNothing` is set: then one invalid line stores nothing and the answer is 422 with every ' +
        'line’s result, as it would have been, in `error.details`. More than 5,000 lines, unknown customer ' +
        'groups, or `logins: "group-password"` without exactly one chosen group that has a shared password ' +
        'are 422 with nothing stored. Without `accountId` each new contact gets a personal account, which ' +
        'needs accounts.write.',
      body: ContactBulkAddBody,
      response: { 200: ContactBulkAddResult, 403: ErrorBody, 422: ErrorBody },
    },
    handler: (request) => bulkAddContacts(contactsDeps, request.ctx, request.body),
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
      response: { 200: Contact, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
    handler: (request) => updateContact(db, request.ctx, request.params.id, request.body),
  });

  const emailTags = ['Contacts', 'Emails'];
  const Sent = z.object({
    emailId: z.uuid(),
    status: z
      .enum(['queued', 'captured'])
      .describe('captured: kept in the email log, as no SMTP server is set up'),
  });
  const singleSends = [
    ['activation', 'Send the contact the welcome email with a new activation link'],
    ['password-reset', 'Send the contact a password-reset link'],
  ] as const;
  for (const [kind, summary] of singleSends) {
    app.post(`/api/contacts/:id/${kind}`, {
      config: { access: 'emails.send' },
      schema: { tags: emailTags, summary, params: IdParams, response: { 202: Sent } },
      handler: async (request, reply) =>
        reply.status(202).send(await sendContactEmail(contactsDeps, request.ctx, request.params.id, kind)),
    });
  }
  app.post('/api/contacts/emails', {
    config: { access: 'emails.send' },
    schema: {
      tags: emailTags,
      summary: 'Send the activation or reset email to many contacts at once',
      body: z.object({
        contactIds: z
          .array(z.uuid())
          .min(1, 'Choose at least one contact')
          .max(500, 'At most 500 contacts at a time'),
        kind: z.enum(['activation', 'password-reset']),
      }),
      response: {
        202: z.object({
          results: z.array(
            z.object({
              contactId: z.uuid(),
              status: z.enum(['queued', 'captured', 'not_found', 'disabled', 'pending', 'switched_off']),
              emailId: z.uuid().nullable(),
            }),
          ),
        }),
      },
    },
    handler: async (request, reply) =>
      reply.status(202).send({
        results: await sendContactEmails(
          contactsDeps,
          request.ctx,
          request.body.contactIds,
          request.body.kind,
        ),
      }),
  });
}
