import { sql } from 'kysely';
import type { ApiKey, EmployeeRole, SessionInfo } from '../../../contracts/employees.ts';
import { isRestrictedToAssigned, permissionsOf } from '../../../contracts/permissions.ts';
import type { Db, Executor } from '../../db/client.ts';
import type { EmployeeRow } from '../../db/schema.ts';
import { assertCan, type Actor, type RequestContext } from '../../http/context.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { randomToken, sha256, verifyPassword } from '../../lib/secrets.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { SessionTimes } from './sessions.ts';

export function employeeActor(e: Pick<EmployeeRow, 'id' | 'email' | 'roles'>): Actor {
  const roles = e.roles as EmployeeRole[];
  return {
    type: 'employee',
    id: e.id,
    label: e.email,
    roles,
    permissions: permissionsOf(roles),
    restrictToAssigned: isRestrictedToAssigned(roles),
  };
}

export function sessionInfo(e: Pick<EmployeeRow, 'id' | 'email' | 'name' | 'roles'>): SessionInfo {
  const actor = employeeActor(e);
  return {
    employee: { id: e.id, email: e.email, name: e.name, roles: actor.roles },
    permissions: [...actor.permissions].sort(),
  };
}

const badCredentials = () => new AppError('unauthenticated', 'The email or password is incorrect');

/** Checks an employee's credentials; every failure looks and takes the same. */
export async function verifyEmployeeCredentials(
  db: Executor,
  email: string,
  password: string,
): Promise<EmployeeRow> {
  const row = await db
    .selectFrom('employees')
    .selectAll()
    .where(sql<boolean>`lower(email) = lower(${email})`)
    .executeTakeFirst();
  const ok = await verifyPassword(row?.password_hash, password);
  if (!row || !ok || row.status !== 'active') throw badCredentials();
  await db.updateTable('employees').set({ last_sign_in_at: new Date() }).where('id', '=', row.id).execute();
  return row;
}

/** The active employee behind a session token, in one query: this runs on every portal request. */
/** The signed-in employee of a session, with the session's times. */
export async function employeeFromSession(
  db: Executor,
  token: string,
): Promise<{ employee: EmployeeRow; session: SessionTimes } | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('employees', 'employees.id', 'sessions.subject_id')
    .selectAll('employees')
    .select(['sessions.expires_at as session_expires_at', 'sessions.created_at as session_created_at'])
    .where('sessions.token_hash', '=', sha256(token))
    .where('sessions.subject_type', '=', 'employee')
    .where('sessions.expires_at', '>', new Date())
    .where('employees.status', '=', 'active')
    .executeTakeFirst();
  if (!row) return undefined;
  const { session_expires_at: expiresAt, session_created_at: createdAt, ...employee } = row;
  return { employee, session: { expiresAt, createdAt } };
}

// API keys: `clt_` + a public prefix (shown in lists) + a secret; only the hash is kept.
export async function actorFromApiKey(db: Executor, key: string): Promise<Actor | undefined> {
  const row = await db
    .updateTable('api_keys')
    .set({ last_used_at: new Date() })
    .where('key_hash', '=', sha256(key))
    .where('revoked_at', 'is', null)
    .returning(['id', 'name', 'roles'])
    .executeTakeFirst();
  if (!row) return undefined;
  const roles = row.roles as EmployeeRole[];
  return {
    type: 'api-key',
    id: row.id,
    label: `API key ${row.name}`,
    roles,
    permissions: permissionsOf(roles),
    restrictToAssigned: isRestrictedToAssigned(roles),
  };
}

const toApiKey = (r: {
  id: string;
  name: string;
  prefix: string;
  roles: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}): ApiKey => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  roles: r.roles as EmployeeRole[],
  createdAt: r.created_at.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
});

export async function listApiKeys(db: Executor, ctx: RequestContext): Promise<ApiKey[]> {
  assertCan(ctx, 'apiKeys.manage');
  const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').execute();
  return rows.map(toApiKey);
}

export async function createApiKey(
  db: Db,
  ctx: RequestContext,
  body: { name: string; roles: EmployeeRole[] },
): Promise<ApiKey & { key: string }> {
  assertCan(ctx, 'apiKeys.manage');
  // A key may not grant more than its creator holds.
  const creatorPermissions = ctx.actor.permissions;
  const exceeds = [...permissionsOf(body.roles)].filter((p) => !creatorPermissions.has(p));
  if (exceeds.length)
    throw new AppError('forbidden', 'An API key cannot have permissions you do not have yourself', [
      { path: 'roles', message: `Not yours to grant: ${exceeds.join(', ')}` },
    ]);
  // Nor reach accounts its creator may not: a creator limited to assigned accounts makes only limited keys.
  if (ctx.actor.restrictToAssigned && !isRestrictedToAssigned(body.roles))
    throw new AppError('forbidden', 'An API key cannot reach accounts that are not assigned to you', [
      { path: 'roles', message: 'These roles reach every account' },
    ]);
  const prefix = randomToken(6);
  const key = `clt_${prefix}_${randomToken(24)}`;
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('api_keys')
      .values({
        name: body.name,
        prefix: `clt_${prefix}`,
        key_hash: sha256(key),
        roles: [...new Set(body.roles)],
        created_by: ctx.actor.type === 'employee' ? ctx.actor.id : null,
        last_used_at: null,
        revoked_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(tx, ctx, {
      action: 'api_key.created',
      entityType: 'api_key',
      entityId: row.id,
      after: { name: row.name, prefix: row.prefix, roles: row.roles },
    });
    return { ...toApiKey(row), key };
  });
}

export async function revokeApiKey(db: Db, ctx: RequestContext, id: string): Promise<void> {
  assertCan(ctx, 'apiKeys.manage');
  await db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returning(['id', 'name'])
      .executeTakeFirst();
    if (!row) {
      const exists = await tx.selectFrom('api_keys').select('id').where('id', '=', id).executeTakeFirst();
      if (!exists) throw notFound('The API key');
      return;
    }
    await recordAudit(tx, ctx, {
      action: 'api_key.revoked',
      entityType: 'api_key',
      entityId: id,
      before: { name: row.name },
    });
  });
}
