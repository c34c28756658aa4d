import { hashNewPassword } from '../../lib/password-policy.ts';
import type {
  Employee,
  EmployeeCreateBody,
  EmployeeRole,
  EmployeeUpdateBody,
} from '../../../contracts/employees.ts';
import { sql } from 'kysely';
import type { Db, Executor } from '../../db/client.ts';
import type { EmployeeRow } from '../../db/schema.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { AppError, conflict, notFound, uniqueViolation, unprocessable } from '../../lib/errors.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';
import { clearSignInFailures, identityKey } from '../auth/sign-in-guard.ts';

type EmployeeRecord = EmployeeRow & { assigned_account_ids: string[] };

function selectEmployees(db: Executor) {
  return db
    .selectFrom('employees')
    .selectAll('employees')
    .select((eb) =>
      eb.fn
        .coalesce(
          eb
            .selectFrom('employee_accounts')
            .select((e) => e.fn.agg<string[]>('array_agg', ['account_id']).as('ids'))
            .whereRef('employee_accounts.employee_id', '=', 'employees.id'),
          eb.val<string[]>([]),
        )
        .as('assigned_account_ids'),
    );
}

function toEmployee(r: EmployeeRecord): Employee {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    roles: r.roles as EmployeeRole[],
    status: r.status,
    assignedAccountIds: [...r.assigned_account_ids].sort(),
    createdAt: r.created_at.toISOString(),
    lastSignInAt: r.last_sign_in_at?.toISOString() ?? null,
  };
}

const audited = (e: Employee) => ({
  email: e.email,
  name: e.name,
  roles: e.roles,
  status: e.status,
  assignedAccountIds: e.assignedAccountIds,
});

async function loadEmployee(db: Executor, id: string): Promise<Employee> {
  const row = await selectEmployees(db).where('employees.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('The employee');
  return toEmployee(row);
}

async function assignAccounts(db: Executor, employeeId: string, accountIds: string[]): Promise<void> {
  const unique = [...new Set(accountIds)];
  if (unique.length) {
    const found = await db.selectFrom('accounts').select('id').where('id', 'in', unique).execute();
    const missing = unique.filter((a) => !found.some((f) => f.id === a));
    if (missing.length)
      throw unprocessable('Some accounts do not exist', [
        { path: 'assignedAccountIds', message: `Unknown account: ${missing.join(', ')}` },
      ]);
  }
  await db.deleteFrom('employee_accounts').where('employee_id', '=', employeeId).execute();
  if (unique.length)
    await db
      .insertInto('employee_accounts')
      .values(unique.map((account_id) => ({ employee_id: employeeId, account_id })))
      .execute();
}

/** Only an administrator grants, takes away or changes the administrator role (a superuser cannot). */
export function assertMayTouchAdministrators(ctx: RequestContext, path: string): void {
  if (!ctx.actor.roles.includes('administrator'))
    throw new AppError(
      'forbidden',
      'Only an administrator can grant, remove or change the administrator role',
      [{ path, message: 'Ask an administrator' }],
    );
}

/**
 * Locks the active administrators' rows (so two demotions at once are decided one after the other) and
 * refuses a change that would leave none.
 */
async function lockAdministrators(tx: Executor): Promise<string[]> {
  const rows = await tx
    .selectFrom('employees')
    .select('id')
    .where(sql<boolean>`'administrator' = ANY(roles)`)
    .where('status', '=', 'active')
    .forUpdate()
    .execute();
  return rows.map((r) => r.id);
}

const emailTaken = () =>
  conflict('An employee with this email already exists', [{ path: 'email', message: 'Already used' }]);

export async function listEmployees(db: Executor, ctx: RequestContext): Promise<Employee[]> {
  assertCan(ctx, 'employees.read');
  const rows = await selectEmployees(db).orderBy('employees.email').execute();
  return rows.map(toEmployee);
}

export async function getEmployee(db: Executor, ctx: RequestContext, id: string): Promise<Employee> {
  assertCan(ctx, 'employees.read');
  return loadEmployee(db, id);
}

export async function createEmployee(
  db: Db,
  ctx: RequestContext,
  body: EmployeeCreateBody,
): Promise<Employee> {
  assertCan(ctx, 'employees.write');
  if (body.roles.includes('administrator')) assertMayTouchAdministrators(ctx, 'roles');
  // Hash outside the transaction: the embedded database has one connection to share.
  const passwordHash = body.password ? await hashNewPassword(body.password) : null;
  try {
    return await db.transaction().execute(async (tx) => {
      const { id } = await tx
        .insertInto('employees')
        .values({
          email: body.email,
          name: body.name ?? null,
          password_hash: passwordHash,
          roles: [...new Set(body.roles)],
          status: 'active',
          last_sign_in_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await assignAccounts(tx, id, body.assignedAccountIds ?? []);
      const employee = await loadEmployee(tx, id);
      await recordAudit(tx, ctx, {
        action: 'employee.created',
        entityType: 'employee',
        entityId: id,
        after: audited(employee),
      });
      return employee;
    });
  } catch (err) {
    if (uniqueViolation(err) === 'employees_email_key') throw emailTaken();
    throw err;
  }
}

export async function updateEmployee(
  db: Db,
  ctx: RequestContext,
  id: string,
  body: EmployeeUpdateBody,
): Promise<Employee> {
  assertCan(ctx, 'employees.write');
  if (
    id === ctx.actor.id &&
    (body.status === 'disabled' || (body.roles && !body.roles.includes('administrator')))
  ) {
    const self = await loadEmployee(db, id);
    if (self.roles.includes('administrator'))
      throw new AppError(
        'unprocessable',
        'You cannot disable yourself or take away your own administrator role',
        [{ path: body.status ? 'status' : 'roles', message: 'Ask another administrator' }],
      );
  }
  const passwordHash = body.password ? await hashNewPassword(body.password) : undefined;
  return db.transaction().execute(async (tx) => {
    const administrators = await lockAdministrators(tx);
    const before = await loadEmployee(tx, id);
    const wasAdministrator = before.roles.includes('administrator');
    const staysAdministrator = (body.roles ?? before.roles).includes('administrator');
    // An administrator's password or status is theirs to protect too: whoever could change it could become them.
    if (wasAdministrator || staysAdministrator)
      assertMayTouchAdministrators(ctx, body.roles ? 'roles' : body.status ? 'status' : 'id');
    const remainsActiveAdministrator = staysAdministrator && (body.status ?? before.status) === 'active';
    if (administrators.includes(id) && !remainsActiveAdministrator && administrators.length === 1)
      throw new AppError(
        'unprocessable',
        'This is the last active administrator: make another employee administrator first',
        [{ path: body.roles ? 'roles' : 'status', message: 'The last active administrator must stay' }],
      );
    await tx
      .updateTable('employees')
      .set({
        ...(body.name !== undefined && { name: body.name }),
        ...(body.roles !== undefined && { roles: [...new Set(body.roles)] }),
        ...(body.status !== undefined && { status: body.status }),
        ...(passwordHash !== undefined && { password_hash: passwordHash }),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
    if (body.assignedAccountIds) await assignAccounts(tx, id, body.assignedAccountIds);
    // A changed password or a disabled employee ends every session they had.
    if (passwordHash !== undefined || body.status === 'disabled')
      await tx
        .deleteFrom('sessions')
        .where('subject_type', '=', 'employee')
        .where('subject_id', '=', id)
        .execute();
    // A password set by an administrator opens a sign-in closed by failed guesses.
    if (passwordHash !== undefined) await clearSignInFailures(tx, identityKey('employee', id));
    const after = await loadEmployee(tx, id);
    const changes = diff(audited(before), audited(after));
    const passwordChanged = passwordHash !== undefined;
    if (changes || passwordChanged)
      await recordAudit(tx, ctx, {
        action: 'employee.updated',
        entityType: 'employee',
        entityId: id,
        before: changes?.before ?? {},
        after: { ...(changes?.after ?? {}), ...(passwordChanged && { password: '(changed)' }) },
      });
    return after;
  });
}
