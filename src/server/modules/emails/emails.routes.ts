import { IdParams, page } from '../../../contracts/common.ts';
import { EmailListQuery, EmailMessage } from '../../../contracts/emails.ts';
import type { App, AppDeps } from '../../deps.ts';
import { getEmail, listEmails } from './emails.service.ts';

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
}
