import type { ContactLogin } from '../../../contracts/contact-login.ts';
import type { ContactCreateWithAccountBody } from '../../../contracts/contacts.ts';
import { loginDateToDate } from '../../../contracts/customer-groups.ts';
import type { FieldError } from '../../lib/errors.ts';
import { hashPassword } from '../../lib/secrets.ts';
import type { CustomerGroupRow } from '../customer-groups/customer-groups.repository.ts';
import { generatePassword } from './bulk-add.service.ts';

/** What the contacts row gets for its login, and whether the activation email goes out. */
export type NewContactLogin = {
  passwordHash: string | null;
  from: Date | null;
  until: Date | null;
  activated: boolean;
  sendActivation: boolean;
  /** generated-password only: returned once in the answer, never stored readable. */
  password?: string;
};

/** The login asked for; without `login`, `sendEmail` alone decides, as before the login choice existed. */
export function loginOf(body: Pick<ContactCreateWithAccountBody, 'login' | 'sendEmail'>): ContactLogin {
  return body.login ?? { mode: body.sendEmail === 'accountactivation' ? 'activation-email' : 'none' };
}

/** Window problems that need no database: a start after the end, an email that contradicts the mode. */
export function checkLoginRequest(
  body: Pick<ContactCreateWithAccountBody, 'login' | 'sendEmail'>,
  problems: FieldError[],
): void {
  const login = loginOf(body);
  if (body.login && body.sendEmail && login.mode !== 'activation-email')
    problems.push({
      path: 'sendEmail',
      message: 'The activation email goes only with the login mode "activation-email"',
    });
  const from = login.validFrom ? loginDateToDate(login.validFrom, 'from') : null;
  const until = login.validUntil ? loginDateToDate(login.validUntil, 'until') : null;
  if (from && until && until <= from)
    problems.push({ path: 'login.validUntil', message: 'Must be after the start of the login (validFrom)' });
}

/** A generated password and its hash, made before any transaction (argon2 is slow on purpose). */
export async function generatedCredentials(
  login: ContactLogin,
): Promise<{ password: string; hash: string } | null> {
  if (login.mode !== 'generated-password') return null;
  const password = generatePassword();
  return { password, hash: await hashPassword(password) };
}

/** A problem naming `customerGroups` for each key (any case) that no group found has. */
export function checkGroupsFound(
  keys: readonly string[],
  groups: readonly Pick<CustomerGroupRow, 'key'>[],
  problems: FieldError[],
): void {
  const unique = [...new Set(keys.map((k) => k.toLowerCase()))];
  const missing = unique.filter((k) => !groups.some((g) => g.key.toLowerCase() === k));
  if (missing.length)
    problems.push({
      path: 'customerGroups',
      message: `Unknown customer group${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
    });
}

/**
 * The login columns of the new contact. A shared password is the one of the single chosen group that has
 * one (as in bulk add and imports), with that group's validity window unless the request gives one.
 */
export function newContactLogin(
  login: ContactLogin,
  groups: CustomerGroupRow[],
  generated: { password: string; hash: string } | null,
  problems: FieldError[],
): NewContactLogin {
  let from = login.validFrom ? loginDateToDate(login.validFrom, 'from') : null;
  let until = login.validUntil ? loginDateToDate(login.validUntil, 'until') : null;
  let passwordHash: string | null = generated?.hash ?? null;
  if (login.mode === 'shared-password') {
    const withPassword = groups.filter((g) => g.password_hash);
    const [group] = withPassword;
    if (!group || withPassword.length > 1)
      problems.push({
        path: 'customerGroups',
        message:
          withPassword.length > 1
            ? `Choose one customer group that has a shared password, not several (${withPassword.map((g) => g.key).join(', ')})`
            : 'Choose a customer group that has a shared password',
      });
    else {
      passwordHash = group.password_hash;
      from = login.validFrom ? from : group.login_valid_from;
      until = login.validUntil ? until : group.login_valid_until;
      if (from && until && until <= from)
        problems.push({
          path: 'login.validUntil',
          message: `Must be after the start of the login (the group’s starts ${from.toISOString()})`,
        });
    }
  }
  return {
    passwordHash,
    from,
    until,
    activated: passwordHash !== null,
    sendActivation: login.mode === 'activation-email',
    ...(generated && { password: generated.password }),
  };
}
