import type { Permission } from '../../../contracts/permissions.ts';
import type { RequestContext } from '../../http/context.ts';

/** Whatever arrives through /api/erp is audited as the ERP's doing. */
export const fromErp = (ctx: RequestContext): RequestContext => ({ ...ctx, source: 'erp' });

/**
 * The ERP writes through its own permission (checked first); the services it calls check theirs, which the
 * ERP holds for that call only.
 */
export const withPermissions = (ctx: RequestContext, permissions: Permission[]): RequestContext => ({
  ...ctx,
  actor: { ...ctx.actor, permissions: new Set([...ctx.actor.permissions, ...permissions]) },
});
