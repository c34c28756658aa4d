import { sql } from 'kysely';
import type { z } from 'zod';
import type { StoreSessionInfo } from '../../../contracts/emails.ts';
import type { Executor } from '../../db/client.ts';
import { notFound } from '../../lib/errors.ts';
import { sha256 } from '../../lib/secrets.ts';

type Info = z.infer<typeof StoreSessionInfo>;
type StoreAccount = Info['accounts'][number] & { status: string };

/**
 * The signed-in contact, the account its session acts for and the accounts it may switch to, in one
 * statement. The session's choice holds while the contact is still in that active account; otherwise
 * (and by default) the session acts for the primary account.
 */
export async function storeSessionInfo(
  db: Executor,
  contactId: string,
  token: string | undefined,
): Promise<Info | undefined> {
  const { rows } = await sql<{
    id: string;
    email: string;
    first_name: string;
    last_name: string;
    chosen: string | null;
    accounts: StoreAccount[];
  }>`SELECT c.id, c.email, c.first_name, c.last_name, s.account_id AS chosen,
      coalesce((SELECT json_agg(json_build_object('id', a.id, 'name', a.name, 'number', a.number,
          'status', a.status, 'primary', ca.is_primary) ORDER BY ca.is_primary DESC, lower(a.name), a.id)
        FROM contact_accounts ca JOIN accounts a ON a.id = ca.account_id WHERE ca.contact_id = c.id), '[]') AS accounts
    FROM contacts c
    LEFT JOIN sessions s ON s.token_hash = ${token ? sha256(token) : null} AND s.subject_type = 'contact'
      AND s.subject_id = c.id
    WHERE c.id = ${contactId} AND c.status = 'active'`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  const strip = ({ id, name, number, primary }: StoreAccount) => ({ id, name, number, primary });
  const active = row.accounts.filter((a) => a.status === 'active');
  const current =
    active.find((a) => a.id === row.chosen) ?? row.accounts.find((a) => a.primary) ?? active[0] ?? null;
  return {
    contact: { id: row.id, email: row.email, firstName: row.first_name, lastName: row.last_name },
    account: current && { id: current.id, name: current.name, number: current.number },
    accounts: active.map(strip),
  };
}

/** Makes the session act for another of the contact's active accounts; any other account is 404. */
export async function switchStoreAccount(
  db: Executor,
  contactId: string,
  token: string,
  accountId: string,
): Promise<void> {
  const updated = await db
    .updateTable('sessions')
    .set({ account_id: accountId })
    .where('token_hash', '=', sha256(token))
    .where('subject_type', '=', 'contact')
    .where('subject_id', '=', contactId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('contact_accounts as ca')
          .innerJoin('accounts as a', 'a.id', 'ca.account_id')
          .select('ca.account_id')
          .where('ca.contact_id', '=', contactId)
          .where('ca.account_id', '=', accountId)
          .where('a.status', '=', 'active'),
      ),
    )
    .executeTakeFirst();
  if (!updated.numUpdatedRows) throw notFound('The account');
}
