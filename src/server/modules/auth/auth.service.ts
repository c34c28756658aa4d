import { sql } from 'kysely';
import type { ApiKey, EmployeeRole, SessionInfo } from '../../../contracts/employees.ts';
import { isRestrictedToAssigned, permissionsOf } from '../../../contracts/permissions.ts';
import type { Db, Executor } from '../../db/client.ts';
import { statement } from '../../db/statements.ts';
import type { EmployeeRow } from '../../db/schema.ts';
import { assertCan, type Actor, type RequestContext } from '../../http/context.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { randomToken, sha256, verifyPassword } from '../../lib/secrets.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { assertMayTouchAdministrators } from '../employees/employees.service.ts';
import type { SessionTimes } from './sessions.ts';
import { assertOpen, clearSignInFailures, recordSignInFailure } from './sign-in-guard.ts';

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

type CredentialRow = { [K in keyof EmployeeRow]: EmployeeRow[K] | null } & {
  lock_key: string;
  locked_until: Date | null;
  has_failures: boolean;
};

/**
 * Checks an employee's credentials; every failure looks and takes the same. Failures are counted per
 * employee (per email as the database lowers it when none matches), and a closed identity is refused
 * before its password is looked at.
 */
export async function verifyEmployeeCredentials(
  db: Executor,
  email: string,
  password: string,
): Promise<EmployeeRow> {
  const { rows } = await sql<CredentialRow>`SELECT e.*, k.key AS lock_key, f.locked_until,
      f.key IS NOT NULL AS has_failures
    FROM (SELECT lower(${email}) AS lowered) input
    LEFT JOIN employees e ON lower(e.email) = input.lowered
    CROSS JOIN LATERAL (SELECT coalesce('employee:' || e.id, 'employee-email:' || input.lowered) AS key) k
    LEFT JOIN sign_in_failures f ON f.key = k.key
    LIMIT 1`.execute(db);
  const row = rows[0]!;
  assertOpen(row.locked_until);
  const ok = await verifyPassword(row.password_hash, password);
  if (!row.id || !ok || row.status !== 'active') {
    await recordSignInFailure(db, row.lock_key);
    throw badCredentials();
  }
  if (row.has_failures) await clearSignInFailures(db, row.lock_key);
  await db.updateTable('employees').set({ last_sign_in_at: new Date() }).where('id', '=', row.id).execute();
  return row as EmployeeRow;
}

/** The signed-in (active) employee of a session, with the session's times, in one query: every portal request runs it. */
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

/** A live key by its hash, with its creator's roles: a prepared statement, as every API request runs it. */
const readApiKey = statement((db, p: { keyHash: string }) =>
  db
    .selectFrom('api_keys')
    .innerJoin('employees', 'employees.id', 'api_keys.created_by')
    .select(['api_keys.id', 'api_keys.name', 'api_keys.roles', 'employees.roles as creator_roles'])
    .where('employees.status', '=', 'active')
    .where('api_keys.key_hash', '=', p.keyHash)
    .where('api_keys.revoked_at', 'is', null),
);

// API keys: `clt_` + a public prefix (shown in lists) + a secret; only the hash is kept.
/**
 * The actor of an API key, in one statement: the key's creator must still be active, and the key holds
 * only the permissions its creator still holds (a key without a creator is refused). Its use is
 * recorded by the caller through the usage writer, not here: a read writes nothing.
 */
export async function actorFromApiKey(db: Executor, key: string): Promise<Actor | undefined> {
  const [row] = await readApiKey(db, { keyHash: sha256(key) });
  if (!row) return undefined;
  const grant = keyGrant(row.roles as EmployeeRole[], row.creator_roles as EmployeeRole[]);
  return {
    type: 'api-key',
    id: row.id,
    label: `API key ${row.name}`,
    roles: [...grant.roles],
    permissions: grant.permissions,
    restrictToAssigned: grant.restrictToAssigned,
  };
}

type Grant = Pick<Actor, 'roles' | 'permissions' | 'restrictToAssigned'>;
/** Grants by their two role lists: a pure function of them, and a handful of combinations exist. */
const grants = new Map<string, Grant>();

/** What a key with these roles may do while its creator holds those: no more than the creator. */
function keyGrant(keyRoles: EmployeeRole[], creatorRoles: EmployeeRole[]): Grant {
  const memo = `${keyRoles.join(',')}|${creatorRoles.join(',')}`;
  const known = grants.get(memo);
  if (known) return known;
  const creatorPermissions = permissionsOf(creatorRoles);
  const grant: Grant = {
    // The roles the creator still covers; administrator only while the creator is one (a superuser covers its permissions).
    roles: keyRoles.filter((r) =>
      r === 'administrator'
        ? creatorRoles.includes(r)
        : [...permissionsOf([r])].every((p) => creatorPermissions.has(p)),
    ),
    permissions: new Set([...permissionsOf(keyRoles)].filter((p) => creatorPermissions.has(p))),
    restrictToAssigned: isRestrictedToAssigned(keyRoles) || isRestrictedToAssigned(creatorRoles),
  };
  if (grants.size < 1000) grants.set(memo, grant);
  return grant;
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
  if (body.roles.includes('administrator')) assertMayTouchAdministrators(ctx, 'roles');
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
  const creatorId = await employeeBehind(db, ctx);
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
        created_by: creatorId,
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

/**
 * The employee a new key answers to: the signed-in employee, or the creator of the key making it. A key
 * needs one, since it works only while that employee is active.
 */
async function employeeBehind(db: Executor, ctx: RequestContext): Promise<string> {
  const id =
    ctx.actor.type === 'employee'
      ? ctx.actor.id
      : ctx.actor.type === 'api-key' && ctx.actor.id
        ? (
            await db
              .selectFrom('api_keys')
              .select('created_by')
              .where('id', '=', ctx.actor.id)
              .executeTakeFirst()
          )?.created_by
        : null;
  if (!id)
    throw new AppError('forbidden', 'Only an employee, or a key an employee created, can create API keys');
  return id;
}

export async function revokeApiKey(db: Db, ctx: RequestContext, id: string): Promise<void> {
  assertCan(ctx, 'apiKeys.manage');
  await db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returning(['id', 'name', 'roles'])
      .executeTakeFirst();
    // Throwing rolls the revocation back.
    if (row?.roles.includes('administrator')) assertMayTouchAdministrators(ctx, 'id');
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
