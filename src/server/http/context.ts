import type { AuditSource } from '../../contracts/audit.ts';
import type { EmployeeRole } from '../../contracts/employees.ts';
import { PERMISSIONS, type Permission } from '../../contracts/permissions.ts';
import { forbidden } from '../lib/errors.ts';

export type Actor = {
  type: 'employee' | 'api-key' | 'contact' | 'system';
  id: string | null;
  label: string;
  roles: EmployeeRole[];
  /** Shared between actors with the same roles: never changed. */
  permissions: ReadonlySet<Permission>;
  /** crmCompany* employees reach only the accounts assigned to them. */
  restrictToAssigned: boolean;
};

/** Who is acting, from where: the first argument of every service call. */
export type RequestContext = {
  actor: Actor;
  source: AuditSource;
  scopeId: string;
  ip: string | null;
  requestId: string | null;
};

export function can(ctx: RequestContext, permission: Permission): boolean {
  return ctx.actor.permissions.has(permission);
}

export function assertCan(ctx: RequestContext, permission: Permission): void {
  if (!can(ctx, permission)) throw forbidden(`You need the "${permission}" permission`, { permission });
}

export const systemActor = (label: string): Actor => ({
  type: 'system',
  id: null,
  label,
  roles: ['administrator'],
  permissions: new Set(PERMISSIONS),
  restrictToAssigned: false,
});

export function systemContext(scopeId: string, source: AuditSource, label = 'system'): RequestContext {
  return { actor: systemActor(label), source, scopeId, ip: null, requestId: null };
}
