import { hashNewPassword } from '../../lib/password-policy.ts';
import type {
  Employee,
  EmployeeCreateBody,
  EmployeeRole,
  EmployeeUpdateBody,
} from '../../../contracts/employees.ts';
import type { Db, Executor } from '../../db/client.ts';
import type { EmployeeRow } from '../../db/schema.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { AppError, conflict, notFound, uniqueViolation, unprocessable } from '../../lib/errors.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';

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
    const before = await loadEmployee(tx, id);
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
