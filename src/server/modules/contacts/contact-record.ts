import type { Contact, ContactUpdateBody } from '../../../contracts/contacts.ts';
import { loginDateToDate } from '../../../contracts/customer-groups.ts';
import { conflict, unprocessable, type FieldError } from '../../lib/errors.ts';
import type { AuditInput } from '../audit/audit.service.ts';
import type { CustomerGroupRow } from '../customer-groups/customer-groups.repository.ts';

export const emailTaken = () =>
  conflict('A contact with this email already exists in this store', [
    { path: 'email', message: 'Already used by another contact' },
  ]);

/** Problems found so far, as one 422 naming every field. */
export function throwProblems(problems: FieldError[]): void {
  if (problems.length)
    throw unprocessable(`Check the contact: ${problems.map((p) => p.message).join('; ')}`, problems);
}

/** The audit entry of each group a new contact joined (who joined, as bulk add writes it). */
export function newMemberAudits(contactId: string, groups: CustomerGroupRow[]): AuditInput[] {
  return groups.map((g) => ({
    action: 'customerGroup.members_added',
    entityType: 'customerGroup',
    entityId: g.id,
    after: { contactIds: [contactId], accountIds: [] },
  }));
}

/**
 * The login window columns a PATCH sets, checked against the stored end it leaves alone: the login must
 * start before it stops (else a problem naming the field that was sent).
 */
export function checkedWindowUpdate(
  before: Pick<Contact, 'loginValidFrom' | 'loginValidUntil'>,
  body: Pick<ContactUpdateBody, 'loginValidFrom' | 'loginValidUntil'>,
  problems: FieldError[],
): { login_valid_from?: Date | null; login_valid_until?: Date | null } {
  const set: { login_valid_from?: Date | null; login_valid_until?: Date | null } = {};
  if (body.loginValidFrom !== undefined)
    set.login_valid_from = body.loginValidFrom === null ? null : loginDateToDate(body.loginValidFrom, 'from');
  if (body.loginValidUntil !== undefined)
    set.login_valid_until =
      body.loginValidUntil === null ? null : loginDateToDate(body.loginValidUntil, 'until');
  const from =
    set.login_valid_from !== undefined
      ? set.login_valid_from
      : before.loginValidFrom && new Date(before.loginValidFrom);
  const until =
    set.login_valid_until !== undefined
      ? set.login_valid_until
      : before.loginValidUntil && new Date(before.loginValidUntil);
  if (from && until && until <= from)
    problems.push({
      path: body.loginValidUntil !== undefined ? 'loginValidUntil' : 'loginValidFrom',
      message:
        body.loginValidUntil !== undefined
          ? 'Must be after the start of the login (loginValidFrom)'
          : 'Must be before the end of the login (loginValidUntil)',
    });
  return set;
}
