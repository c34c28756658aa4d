import { randomBytes } from 'node:crypto';
import type { ImportOptions } from '../../../contracts/imports.ts';
import type { Executor } from '../../db/client.ts';
import type { ImportsTable } from '../../db/schema.ts';
import { unprocessable } from '../../lib/errors.ts';
import { hashPassword } from '../../lib/secrets.ts';
import { sendContactLinkEmails } from '../contacts/contact-emails.ts';
import { sendLoginCreatedEmails } from '../contacts/login-created.ts';
import type { ContactsDeps } from '../contacts/contacts.service.ts';
import type { ApplyEnv } from './apply.ts';
import { sql, type Selectable } from 'kysely';

const WORDS_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 16 characters without look-alikes (0/O, 1/l/I): about 93 bits, and easy to type from a printout. */
export function generatePassword(): string {
  const bytes = randomBytes(16);
  return Array.from(bytes, (b) => WORDS_ALPHABET[b % WORDS_ALPHABET.length]).join('');
}

/** The password hash and validity window new contacts get, from the options and the chosen groups. */
export async function loginSettings(
  db: Executor,
  scopeId: string,
  opts: ImportOptions,
): Promise<ApplyEnv['login']> {
  const window = { validFrom: opts.loginValidFrom ?? null, validUntil: opts.loginValidUntil ?? null };
  if (opts.logins !== 'group-password') return { mode: opts.logins, passwordHash: null, ...window };
  const groups = opts.customerGroups.length
    ? await db
        .selectFrom('customer_groups')
        .select(['key', 'password_hash', 'login_valid_from', 'login_valid_until'])
        .where('scope_id', '=', scopeId)
        .where('key', 'in', opts.customerGroups)
        .where('password_hash', 'is not', null)
        .execute()
    : [];
  if (groups.length !== 1) {
    throw unprocessable('Choose exactly one customer group that has a shared password', [
      { path: 'options.customerGroups', message: 'One group with a shared password' },
    ]);
  }
  const group = groups[0]!;
  return {
    mode: 'group-password',
    passwordHash: group.password_hash,
    validFrom: window.validFrom ?? group.login_valid_from?.toISOString() ?? null,
    validUntil: window.validUntil ?? group.login_valid_until?.toISOString() ?? null,
  };
}

/**
 * Activation emails, or generated passwords and `login-created` emails, for the contacts a chunk created, in the chunk's transaction:
 * a few statements for the whole chunk, whatever its size.
 */
export async function issueLogins(
  tx: Executor,
  deps: ContactsDeps,
  imp: Pick<Selectable<ImportsTable>, 'id' | 'scope_id'>,
  opts: ImportOptions,
  created: { id: string; email: string }[],
): Promise<void> {
  if (!created.length || opts.logins === 'none') return;
  if (opts.logins === 'generated') {
    // Hashed side by side (argon2 runs on the thread pool), written in one statement.
    const credentials = created.map(({ email }) => ({
      import_id: imp.id,
      email,
      password: generatePassword(),
    }));
    const hashes = await Promise.all(credentials.map((c) => hashPassword(c.password)));
    await sql`UPDATE contacts c SET password_hash = u.hash, activated_at = now()
      FROM unnest(${created.map((c) => c.id)}::uuid[], ${hashes}::text[]) AS u(id, hash)
      WHERE c.id = u.id`.execute(tx);
    await tx
      .insertInto('import_credentials')
      .values(credentials)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  const rows = await tx
    .selectFrom('contacts as c')
    .leftJoin('contact_accounts as ca', (j) =>
      j.onRef('ca.contact_id', '=', 'c.id').on('ca.is_primary', '=', true),
    )
    .leftJoin('accounts as a', 'a.id', 'ca.account_id')
    .select([
      'c.id',
      'c.email',
      'c.first_name',
      'c.last_name',
      'c.language',
      'c.login_valid_until',
      'a.id as account_id',
      'a.name',
      'a.number',
      'a.code',
    ])
    .where(
      'c.id',
      'in',
      created.map((c) => c.id),
    )
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const contacts = created.flatMap(({ id }) => {
    const r = byId.get(id);
    if (!r) return [];
    const account =
      r.account_id && r.name !== null && r.number !== null
        ? { id: r.account_id, name: r.name, number: r.number, code: r.code }
        : null;
    return [
      {
        id,
        email: r.email,
        firstName: r.first_name,
        lastName: r.last_name,
        language: r.language,
        account,
        validUntil: r.login_valid_until,
      },
    ];
  });
  if (opts.logins === 'activation')
    await sendContactLinkEmails(deps, tx, imp.scope_id, contacts, 'activation');
  // A generated or shared password: the contact learns the login exists, the employee hands on the password.
  else await sendLoginCreatedEmails(deps, tx, imp.scope_id, contacts);
}
