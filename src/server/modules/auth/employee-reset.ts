import { sql } from 'kysely';
import type { Db, Executor } from '../../db/client.ts';
import type { Outbox } from '../../email/outbox.ts';
import type { RequestContext } from '../../http/context.ts';
import { consumeToken, issueToken } from '../../lib/one-time-tokens.ts';
import { hashNewPassword } from '../../lib/password-policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { clearSignInFailures, identityKey } from './sign-in-guard.ts';

export type EmployeeResetDeps = { db: Db; outbox: Outbox; publicUrl: string; passwordResetTtlMs: number };

/** Sends an active employee a reset link; unknown emails get the same answer and no email. */
export async function requestEmployeeReset(
  deps: EmployeeResetDeps,
  ctx: RequestContext,
  email: string,
): Promise<void> {
  await deps.db.transaction().execute((tx) => sendEmployeeResetEmail(deps, tx, ctx.scopeId, email));
}

/**
 * Writes the reset email with a fresh link to the active employee with this email, in the caller's
 * transaction; earlier unused links stop working. Null when there is no such employee or the email is off.
 */
export async function sendEmployeeResetEmail(
  deps: Pick<EmployeeResetDeps, 'outbox' | 'publicUrl' | 'passwordResetTtlMs'>,
  tx: Executor,
  scopeId: string,
  email: string,
): Promise<string | null> {
  const employee = await tx
    .selectFrom('employees')
    .select(['id', 'email', 'name'])
    .where(sql<boolean>`lower(email) = lower(${email})`)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!employee) return null;
  await tx
    .updateTable('one_time_tokens')
    .set({ used_at: new Date() })
    .where('purpose', '=', 'employee-reset')
    .where('subject_id', '=', employee.id)
    .where('used_at', 'is', null)
    .execute();
  const { token, expiresAt } = await issueToken(tx, 'employee-reset', employee.id, deps.passwordResetTtlMs);
  return deps.outbox.enqueue(tx, {
    scopeId,
    templateKey: 'employee-password-reset',
    language: 'en',
    to: employee.email,
    variables: {
      employee: { name: employee.name, email: employee.email },
      resetUrl: `${deps.publicUrl}/reset-password?token=${token}`,
      expiresAt,
    },
    secrets: [token],
  });
}

/** Sets the new password and ends every session the employee had. */
export async function confirmEmployeeReset(
  db: Db,
  ctx: RequestContext,
  body: { token: string; password: string },
): Promise<void> {
  const passwordHash = await hashNewPassword(body.password);
  await db.transaction().execute(async (tx) => {
    const employeeId = (await consumeToken(tx, 'employee-reset', body.token))!;
    const employee = await tx
      .updateTable('employees')
      .set({ password_hash: passwordHash, updated_at: new Date() })
      .where('id', '=', employeeId)
      .returning(['id', 'email'])
      .executeTakeFirstOrThrow();
    await tx
      .deleteFrom('sessions')
      .where('subject_type', '=', 'employee')
      .where('subject_id', '=', employeeId)
      .execute();
    // The owner proved it with the emailed link: failed guesses no longer hold the sign-in closed.
    await clearSignInFailures(tx, identityKey('employee', employeeId));
    await recordAudit(
      tx,
      { ...ctx, actor: { ...ctx.actor, type: 'employee', id: employee.id, label: employee.email } },
      {
        action: 'employee.password_reset',
        entityType: 'employee',
        entityId: employee.id,
        after: { password: '(changed)' },
      },
    );
  });
}
