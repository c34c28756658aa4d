import { IdParams, page } from '../../../contracts/common.ts';
import { EmailListQuery, EmailMessage } from '../../../contracts/emails.ts';
import type { App, AppDeps } from '../../deps.ts';
import { z } from 'zod';
import { contactsDepsOf } from '../contacts/contacts.service.ts';
import { getEmail, listEmailAttempts, listEmails, resendEmail } from './emails.service.ts';

export async function emailsRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Emails'];

  app.get('/api/emails', {
    config: { access: 'emails.read' },
    schema: {
      tags,
      summary: 'The email log',
      querystring: EmailListQuery,
      response: { 200: page(EmailMessage) },
    },
    handler: (request) => listEmails(db, request.ctx, request.query),
  });
  app.get('/api/emails/:id', {
    config: { access: 'emails.read' },
    schema: {
      tags,
      summary: 'One logged email with its rendered bodies',
      params: IdParams,
      response: { 200: EmailMessage },
    },
    handler: (request) => getEmail(db, request.ctx, request.params.id),
  });
  app.get('/api/emails/:id/attempts', {
    config: { access: 'emails.read' },
    schema: {
      tags,
      summary: 'Every delivery attempt of an email, with the server’s answer',
      params: IdParams,
      response: {
        200: z.array(
          z.object({
            at: z.string(),
            outcome: z.enum(['sent', 'temporary-failure', 'permanent-failure']),
            response: z.string().nullable(),
            durationMs: z.number(),
          }),
        ),
      },
    },
    handler: (request) => listEmailAttempts(db, request.ctx, request.params.id),
  });
  app.post('/api/emails/:id/resend', {
    config: { access: 'emails.send' },
    schema: {
      tags,
      summary: 'Send a logged email again, as a new message',
      params: IdParams,
      response: { 202: z.object({ emailId: z.uuid() }) },
    },
    handler: async (request, reply) =>
      reply.status(202).send(await resendEmail(contactsDepsOf(deps), request.ctx, request.params.id)),
  });
}
