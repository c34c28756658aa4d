import type { GroupRole, Role } from '../../../contracts/roles.ts';
import type { Db, Executor } from '../../db/client.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { conflict, notFound, uniqueViolation, unprocessable, type FieldError } from '../../lib/errors.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';

const toRole = (r: { id: string; key: string; name: string; description: string | null }): Role => ({
  id: r.id,
  key: r.key,
  name: r.name,
  description: r.description,
});

export async function listRoles(db: Executor, ctx: RequestContext): Promise<Role[]> {
  assertCan(ctx, 'roles.read');
  const rows = await db
    .selectFrom('roles')
    .select(['id', 'key', 'name', 'description'])
    .orderBy('name')
    .execute();
  return rows.map(toRole);
}

export async function createRole(
  db: Db,
  ctx: RequestContext,
  body: { key: string; name: string; description?: string | null },
): Promise<Role> {
  assertCan(ctx, 'roles.write');
  try {
    return await db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('roles')
        .values({ key: body.key, name: body.name, description: body.description ?? null })
        .returning(['id', 'key', 'name', 'description'])
        .executeTakeFirstOrThrow();
      await recordAudit(tx, ctx, {
        action: 'role.created',
        entityType: 'role',
        entityId: row.id,
        after: { ...body },
      });
      return toRole(row);
    });
  } catch (err) {
    if (uniqueViolation(err) !== undefined)
      throw conflict('A role with this key already exists', [{ path: 'key', message: 'Already used' }]);
    throw err;
  }
}

export async function updateRole(
  db: Db,
  ctx: RequestContext,
  key: string,
  body: { name?: string; description?: string | null },
): Promise<Role> {
  assertCan(ctx, 'roles.write');
  return db.transaction().execute(async (tx) => {
    const before = await tx.selectFrom('roles').selectAll().where('key', '=', key).executeTakeFirst();
    if (!before) throw notFound('The role');
    const changes = {
      ...(body.name !== undefined && { name: body.name }),
      ...(body.description !== undefined && { description: body.description }),
    };
    // An empty SET is not SQL: a body that changes nothing answers with the role as it is.
    if (!Object.keys(changes).length) return toRole(before);
    const after = await tx
      .updateTable('roles')
      .set(changes)
      .where('id', '=', before.id)
      .returning(['id', 'key', 'name', 'description'])
      .executeTakeFirstOrThrow();
    const audited = diff(toRole(before), toRole(after));
    if (audited)
      await recordAudit(tx, ctx, {
        action: 'role.updated',
        entityType: 'role',
        entityId: before.id,
        ...audited,
      });
    return toRole(after);
  });
}

export async function deleteRole(db: Db, ctx: RequestContext, key: string): Promise<void> {
  assertCan(ctx, 'roles.write');
  await db.transaction().execute(async (tx) => {
    const role = await tx.selectFrom('roles').selectAll().where('key', '=', key).executeTakeFirst();
    if (!role) throw notFound('The role');
    const used = await tx
      .selectFrom('contact_roles')
      .select('contact_id')
      .where('role_id', '=', role.id)
      .union(
        tx
          .selectFrom('group_role_roles')
          .select('group_role_id as contact_id')
          .where('role_id', '=', role.id),
      )
      .limit(1)
      .execute();
    if (used.length)
      throw conflict('This role is held by contacts or group roles; remove it from them first');
    await tx.deleteFrom('roles').where('id', '=', role.id).execute();
    await recordAudit(tx, ctx, {
      action: 'role.deleted',
      entityType: 'role',
      entityId: role.id,
      before: toRole(role),
    });
  });
}

/** Turns role keys into ids, or fails naming the unknown keys and the field they came from. */
export async function resolveKeys(
  db: Executor,
  table: 'roles' | 'group_roles',
  keys: readonly string[] | undefined,
  path: string,
): Promise<string[]> {
  const unique = [...new Set(keys ?? [])];
  if (!unique.length) return [];
  const rows = await db.selectFrom(table).select(['id', 'key']).where('key', 'in', unique).execute();
  return idsOfKeys(table, keys, rows, path);
}

/** The ids of the keys among rows read beforehand; a key without a row is 422 naming `path`. */
export function idsOfKeys(
  table: 'roles' | 'group_roles',
  keys: readonly string[] | undefined,
  rows: readonly { id: string; key: string }[],
  path: string,
): string[] {
  const unique = [...new Set(keys ?? [])];
  const missing = unique.filter((k) => !rows.some((r) => r.key === k));
  if (missing.length) {
    const what = table === 'roles' ? 'role' : 'group role';
    const details: FieldError[] = [{ path, message: `Unknown ${what}: ${missing.join(', ')}` }];
    throw unprocessable(`Unknown ${what}${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`, details);
  }
  return rows.filter((r) => unique.includes(r.key)).map((r) => r.id);
}

async function loadGroupRole(db: Executor, key: string): Promise<GroupRole | undefined> {
  const row = await db
    .selectFrom('group_roles')
    .select(['id', 'key', 'name'])
    .where('key', '=', key)
    .executeTakeFirst();
  if (!row) return undefined;
  const roles = await db
    .selectFrom('group_role_roles')
    .innerJoin('roles', 'roles.id', 'group_role_roles.role_id')
    .select('roles.key')
    .where('group_role_id', '=', row.id)
    .orderBy('roles.key')
    .execute();
  return { ...row, roles: roles.map((r) => r.key) };
}

export async function listGroupRoles(db: Executor, ctx: RequestContext): Promise<GroupRole[]> {
  assertCan(ctx, 'roles.read');
  const rows = await db
    .selectFrom('group_roles')
    .leftJoin('group_role_roles', 'group_role_roles.group_role_id', 'group_roles.id')
    .leftJoin('roles', 'roles.id', 'group_role_roles.role_id')
    .select(['group_roles.id', 'group_roles.key', 'group_roles.name', 'roles.key as role_key'])
    .orderBy('group_roles.name')
    .orderBy('roles.key')
    .execute();
  const byId = new Map<string, GroupRole>();
  for (const r of rows) {
    const g = byId.get(r.id) ?? { id: r.id, key: r.key, name: r.name, roles: [] };
    if (r.role_key) g.roles.push(r.role_key);
    byId.set(r.id, g);
  }
  return [...byId.values()];
}

export async function createGroupRole(
  db: Db,
  ctx: RequestContext,
  body: { key: string; name: string; roles: string[] },
): Promise<GroupRole> {
  assertCan(ctx, 'roles.write');
  try {
    return await db.transaction().execute(async (tx) => {
      const roleIds = await resolveKeys(tx, 'roles', body.roles, 'roles');
      const { id } = await tx
        .insertInto('group_roles')
        .values({ key: body.key, name: body.name })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (roleIds.length)
        await tx
          .insertInto('group_role_roles')
          .values(roleIds.map((role_id) => ({ group_role_id: id, role_id })))
          .execute();
      const created = (await loadGroupRole(tx, body.key))!;
      await recordAudit(tx, ctx, {
        action: 'group_role.created',
        entityType: 'group_role',
        entityId: id,
        after: created,
      });
      return created;
    });
  } catch (err) {
    if (uniqueViolation(err) !== undefined)
      throw conflict('A group role with this key already exists', [{ path: 'key', message: 'Already used' }]);
    throw err;
  }
}

export async function updateGroupRole(
  db: Db,
  ctx: RequestContext,
  key: string,
  body: { name?: string; roles?: string[] },
): Promise<GroupRole> {
  assertCan(ctx, 'roles.write');
  return db.transaction().execute(async (tx) => {
    const before = await loadGroupRole(tx, key);
    if (!before) throw notFound('The group role');
    if (body.name !== undefined)
      await tx.updateTable('group_roles').set({ name: body.name }).where('id', '=', before.id).execute();
    if (body.roles !== undefined) {
      const roleIds = await resolveKeys(tx, 'roles', body.roles, 'roles');
      await tx.deleteFrom('group_role_roles').where('group_role_id', '=', before.id).execute();
      if (roleIds.length)
        await tx
          .insertInto('group_role_roles')
          .values(roleIds.map((role_id) => ({ group_role_id: before.id, role_id })))
          .execute();
    }
    const after = (await loadGroupRole(tx, key))!;
    const changes = diff(before, after);
    if (changes)
      await recordAudit(tx, ctx, {
        action: 'group_role.updated',
        entityType: 'group_role',
        entityId: before.id,
        ...changes,
      });
    return after;
  });
}

export async function deleteGroupRole(db: Db, ctx: RequestContext, key: string): Promise<void> {
  assertCan(ctx, 'roles.write');
  await db.transaction().execute(async (tx) => {
    const before = await loadGroupRole(tx, key);
    if (!before) throw notFound('The group role');
    const used = await tx
      .selectFrom('contact_group_roles')
      .select('contact_id')
      .where('group_role_id', '=', before.id)
      .limit(1)
      .execute();
    if (used.length) throw conflict('Contacts hold this group role; remove it from them first');
    await tx.deleteFrom('group_roles').where('id', '=', before.id).execute();
    await recordAudit(tx, ctx, {
      action: 'group_role.deleted',
      entityType: 'group_role',
      entityId: before.id,
      before,
    });
  });
}
