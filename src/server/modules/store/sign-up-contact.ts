import type { Executor } from '../../db/client.ts';

export type SignUpContact = {
  scopeId: string;
  accountId: string;
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  workPhone?: string | null;
  /** For the contact's emails; the database's default (en) when none is known. */
  language: string | undefined;
  status: 'active' | 'pending';
  passwordHash: string;
  /** Immediate access signs the visitor in at once. */
  signedIn: boolean;
  /** Custom attribute values, already checked (sign-up). */
  custom?: Record<string, unknown> | undefined;
};

/** The contact a visitor makes for themselves: a login from the start, primary on its one account. */
export async function insertSignUpContact(tx: Executor, c: SignUpContact): Promise<string> {
  const now = new Date();
  const { id } = await tx
    .insertInto('contacts')
    .values({
      scope_id: c.scopeId,
      email: c.email,
      first_name: c.firstName,
      last_name: c.lastName,
      phone: c.phone,
      work_phone: c.workPhone ?? null,
      ...(c.language && { language: c.language }),
      status: c.status,
      password_hash: c.passwordHash,
      login_valid_from: null,
      login_valid_until: null,
      activated_at: now,
      last_sign_in_at: c.signedIn ? now : null,
      custom: JSON.stringify(c.custom ?? {}),
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await tx
    .insertInto('contact_accounts')
    .values({ contact_id: id, account_id: c.accountId, is_primary: true })
    .execute();
  return id;
}
