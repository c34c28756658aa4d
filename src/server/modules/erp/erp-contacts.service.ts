import { sql } from 'kysely';
import type { Contact, ContactUpdateBody } from '../../../contracts/contacts.ts';
import type { ErpContactBody, ErpContactResult } from '../../../contracts/erp.ts';
import { inTransaction } from '../../db/client.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { diff } from '../audit/audit.service.ts';
import { addContactAccount } from '../contacts/contact-accounts.service.ts';
import { auditedContact, selectContacts, toContact } from '../contacts/contacts.repository.ts';
import { createContact, getContact, updateContact, type ContactsDeps } from '../contacts/contacts.service.ts';
import { withPermissions } from './erp-context.ts';

const asContactWriter = (ctx: RequestContext) =>
  withPermissions(ctx, ['accounts.read', 'contacts.read', 'contacts.write']);

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The fields of the request that differ from the stored contact; undefined when none does. */
function changesOf(stored: Contact, body: ErpContactBody): ContactUpdateBody | undefined {
  const patch: ContactUpdateBody = {};
  if (stored.firstName !== body.firstName) patch.firstName = body.firstName;
  if (stored.lastName !== body.lastName) patch.lastName = body.lastName;
  if (body.phone !== undefined && !same(stored.phone, body.phone)) patch.phone = body.phone;
  if (body.workPhone !== undefined && !same(stored.workPhone, body.workPhone))
    patch.workPhone = body.workPhone;
  if (body.language !== undefined && stored.language !== body.language) patch.language = body.language;
  const attributes = body.attributes ?? {};
  // Values the service would store otherwise (a date written another way) are compared there again.
  if (Object.entries(attributes).some(([key, value]) => !same(stored.attributes[key], value)))
    patch.attributes = attributes;
  return Object.keys(patch).length ? patch : undefined;
}

/**
 * `PUT /api/erp/accounts/{erpNumber}/contacts/{email}`: creates the contact on the account the ERP number
 * names (no login unless `login` says so), or updates the contact with this email in the store through the
 * contacts services (same validators and messages). A contact of another account gets this account linked
 * as well, not moved. The same request again writes nothing and no audit entry (`unchanged`).
 */
export async function upsertErpContact(
  deps: ContactsDeps,
  ctx: RequestContext,
  erpNumber: string,
  email: string,
  body: ErpContactBody,
  retried = false,
): Promise<ErpContactResult> {
  assertCan(ctx, 'erp');
  try {
    return await inTransaction(deps.db, (db) => upsertIn({ ...deps, db }, ctx, erpNumber, email, body));
  } catch (err) {
    // Created by a request at the same time: run again, this one updates it (a caller's transaction is lost).
    const taken = err instanceof AppError && err.code === 'conflict' && !retried && !deps.db.isTransaction;
    if (!taken) throw err;
    return upsertErpContact(deps, ctx, erpNumber, email, body, true);
  }
}

/** The whole upsert in one transaction: a refusal half-way leaves nothing written. */
async function upsertIn(
  deps: ContactsDeps,
  ctx: RequestContext,
  erpNumber: string,
  email: string,
  body: ErpContactBody,
): Promise<ErpContactResult> {
  const { db } = deps;
  const writer = asContactWriter(ctx);
  const account = await db
    .selectFrom('accounts')
    .select('id')
    .where('scope_id', '=', ctx.scopeId)
    .where(sql<boolean>`lower(erp_number) = lower(${erpNumber})`)
    .executeTakeFirst();
  if (!account) throw notFound(`The account with ERP number ${erpNumber}`);
  const row = await selectContacts(db)
    .where('contacts.scope_id', '=', ctx.scopeId)
    .where(sql<boolean>`lower(contacts.email) = lower(${email})`)
    .executeTakeFirst();
  if (!row) {
    const contact = await createContact(deps, writer, {
      ...body,
      email,
      accountId: account.id,
      login: body.login ?? { mode: 'none' },
      sendEmail: null,
    });
    return { status: 'created', contact };
  }
  const before = toContact(row);
  const patch = changesOf(before, body);
  let after = patch ? await updateContact(db, writer, before.id, patch) : before;
  let status: ErpContactResult['status'] = diff(auditedContact(before), auditedContact(after))
    ? 'updated'
    : 'unchanged';
  if (!after.accounts.some((a) => a.id === account.id)) {
    await addContactAccount(db, writer, before.id, { accountId: account.id });
    after = await getContact(db, writer, before.id);
    status = 'updated';
  }
  return { status, contact: after };
}
