import { hashNewPassword } from '../../lib/password-policy.ts';
import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { systemContext } from '../../http/context.ts';
import { AppError } from '../../lib/errors.ts';
import { consumeToken, issueToken } from '../../lib/one-time-tokens.ts';
import { hashPassword } from '../../lib/secrets.ts';
import { recordAudit } from '../audit/audit.service.ts';

async function hasEmployees(db: Db): Promise<boolean> {
  const row = await db.selectFrom('employees').select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * On an empty database the first administrator comes from ADMIN_EMAIL/ADMIN_PASSWORD,
 * or from a one-time setup link that is printed to the log.
 */
export async function ensureFirstAdministrator(
  db: Db,
  options: { scopeId: string; adminEmail?: string; adminPassword?: string; publicUrl: string },
  log: (message: string) => void,
): Promise<void> {
  if (await hasEmployees(db)) return;
  if (options.adminEmail && options.adminPassword) {
    const passwordHash = await hashPassword(options.adminPassword);
    await db.transaction().execute(async (tx) => {
      // Two instances starting at once on an empty database must not both create one.
      await sql`select pg_advisory_xact_lock(7261001)`.execute(tx);
      if (await tx.selectFrom('employees').select('id').limit(1).executeTakeFirst()) return;
      const { id } = await tx
        .insertInto('employees')
        .values({
          email: options.adminEmail!,
          name: 'Administrator',
          password_hash: passwordHash,
          roles: ['administrator'],
          status: 'active',
          last_sign_in_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordAudit(tx, systemContext(options.scopeId, 'system', 'first start'), {
        action: 'employee.created',
        entityType: 'employee',
        entityId: id,
        after: { email: options.adminEmail, roles: ['administrator'] },
      });
    });
    log(`Created the first administrator, ${options.adminEmail}.`);
    return;
  }
  const { token } = await issueToken(db, 'employee-setup', null, 24 * 3600_000);
  log(
    `No employees yet. Open this link within 24 hours to create the first administrator:\n\n    ${options.publicUrl}/setup?token=${token}\n`,
  );
}

export async function completeSetup(
  db: Db,
  scopeId: string,
  body: { token: string; email: string; name?: string | null; password: string },
): Promise<string> {
  const passwordHash = await hashNewPassword(body.password);
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(7261001)`.execute(tx);
    if (await tx.selectFrom('employees').select('id').limit(1).executeTakeFirst())
      throw new AppError('conflict', 'Clientele is already set up; sign in instead');
    await consumeToken(tx, 'employee-setup', body.token);
    const { id } = await tx
      .insertInto('employees')
      .values({
        email: body.email,
        name: body.name ?? null,
        password_hash: passwordHash,
        roles: ['administrator'],
        status: 'active',
        last_sign_in_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(tx, systemContext(scopeId, 'system', 'setup link'), {
      action: 'employee.created',
      entityType: 'employee',
      entityId: id,
      after: { email: body.email, roles: ['administrator'] },
    });
    return id;
  });
}
