import { ErrorBody, page, Uuid } from '../../../contracts/common.ts';
import { AuditEntry, AuditListQuery } from '../../../contracts/audit.ts';
import type { App, AppDeps } from '../../deps.ts';
import { can } from '../../http/context.ts';
import { forbidden, notFound } from '../../lib/errors.ts';
import { getAccount } from '../accounts/accounts.service.ts';
import { getContact } from '../contacts/contacts.service.ts';
import { listAudit } from './audit.service.ts';

export async function auditRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;

  app.get('/api/audit', {
    config: { access: 'employee' },
    schema: {
      tags: ['Audit'],
      summary: 'What changed, who changed it, and from where',
      description:
        'The whole log needs audit.read; the history of one account or contact needs only the right to read it. Filters by actor, source, action, entity (by id or name) and a date range (422 for a date that is not ISO).',
      querystring: AuditListQuery,
      response: { 200: page(AuditEntry), 403: ErrorBody, 404: ErrorBody, 422: ErrorBody },
    },
    handler: async (request) => {
      const { ctx } = request;
      const { entityType, entityId } = request.query;
      if (!can(ctx, 'audit.read')) {
        // Anyone who may read an account or contact may read its history, and nothing more.
        const own = (entityType === 'contact' || entityType === 'account') && entityId;
        // Ids are UUIDs; anything else names nothing (and must not reach a uuid column as a server error).
        if (own && !Uuid.safeParse(entityId).success) throw notFound(`The ${entityType}`);
        if (entityType === 'contact' && entityId) await getContact(db, ctx, entityId);
        else if (entityType === 'account' && entityId) await getAccount(db, ctx, entityId);
        else throw forbidden('You need the "audit.read" permission', { permission: 'audit.read' });
      }
      return listAudit(db, request.query);
    },
  });
}
