import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Account } from '../../../contracts/accounts.ts';
import { Email, optionalText, text } from '../../../contracts/common.ts';
import {
  BULK_ADD_MAX_LINES,
  type BulkAddLineResult,
  type ContactBulkAddBody,
  type ContactBulkAddResult,
} from '../../../contracts/contacts-bulk.ts';
import type { Contact } from '../../../contracts/contacts.ts';
import type { AttributeValue } from '../../../contracts/attributes.ts';
import { loginDateToDate } from '../../../contracts/customer-groups.ts';
import { activeAttributes, assertAttributeValues, checkAttributeValues } from '../attributes/validate.ts';
import { fieldRules, missingRequiredFields } from '../settings/required-fields.ts';
import type { Executor } from '../../db/client.ts';
import { assertCan, can, type RequestContext } from '../../http/context.ts';
import { AppError, conflict, forbidden, unprocessable } from '../../lib/errors.ts';
import { isCommonPassword } from '../../lib/password-policy.ts';
import { hashPassword } from '../../lib/secrets.ts';
import {
  accountNumberPrefix,
  auditedAccount,
  nextGeneratedNumbers,
} from '../accounts/accounts.repository.ts';
import { getAccount } from '../accounts/accounts.service.ts';
import { recordAudit, recordAudits } from '../audit/audit.service.ts';
import { recordEvents, type NewEvent } from '../events/index.ts';
import { contactEvent } from './contact-events.ts';
import {
  addContactMemberships,
  findCustomerGroupsByKeys,
  type CustomerGroupRow,
} from '../customer-groups/customer-groups.repository.ts';
import { parsePastedContacts } from './bulk-add.parse.ts';
import { sendContactLinkEmail } from './contact-emails.ts';
import { sendLoginCreatedEmails, type LoginCreatedContact } from './login-created.ts';
import { auditedContact, contactVisibleTo } from './contacts.repository.ts';
import type { ContactsDeps } from './contacts.service.ts';

// The fields of one pasted line, checked as the add-contact form checks them.
const PastedContact = z.object({
  email: Email,
  firstName: text(100),
  lastName: text(100),
  phone: optionalText(40),
  workPhone: optionalText(40),
});
const COLUMNS = ['email', 'first name', 'last name', 'phone', 'work phone'] as const;
const LABELS: Record<string, string> = {
  email: 'email',
  firstName: 'first name',
  lastName: 'last name',
  phone: 'phone',
  workPhone: 'work phone',
};

// Lines per statement batch, and per transaction unless all or nothing is asked for.
const LINES_PER_TRANSACTION = 250;

type NewContact = {
  result: BulkAddLineResult;
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  workPhone: string | null;
  password?: string;
  passwordHash?: string;
};
type Join = { kind: 'join'; contactId: string };
type Work = { kind: 'create'; contact: NewContact } | Join;

type Login = { passwordHash: string | null; from: Date | null; until: Date | null; activated: boolean };

const count = (results: BulkAddLineResult[]) => ({
  results,
  created: results.filter((r) => r.status === 'created').length,
  exists: results.filter((r) => r.status === 'exists').length,
  invalid: results.filter((r) => r.status === 'invalid').length,
});

// No look-alike characters (0/O, 1/l/I), so a password read aloud or retyped from paper works.
const PASSWORD_ALPHABET = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 16 random characters in groups of four (about 92 bits), e.g. `k7Qm-xR2p-…`. */
export function generatePassword(): string {
  for (;;) {
    const chars = Array.from({ length: 16 }, () => PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)]);
    const password = [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
    if (!isCommonPassword(password)) return password;
  }
}

async function mapConcurrently<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The lines checked one by one, without the database: invalid ones and repeats of an earlier email. */
function checkLines(text: string): { results: BulkAddLineResult[]; valid: NewContact[] } {
  const rows = parsePastedContacts(text);
  if (rows.length === 0)
    throw unprocessable('Paste at least one line: email, first name, last name, phone', [
      { path: 'text', message: 'No contacts in the text' },
    ]);
  if (rows.length > BULK_ADD_MAX_LINES)
    throw unprocessable(
      `Paste at most ${BULK_ADD_MAX_LINES.toLocaleString('en')} lines at a time; this text has ${rows.length.toLocaleString('en')}`,
      [{ path: 'text', message: `More than ${BULK_ADD_MAX_LINES.toLocaleString('en')} lines` }],
    );
  const results: BulkAddLineResult[] = [];
  const valid: NewContact[] = [];
  const firstLineOf = new Map<string, number>();
  for (const row of rows) {
    const typedEmail = (row.cells[0] ?? '').trim();
    const result: BulkAddLineResult = { line: row.line, email: typedEmail, status: 'invalid' };
    results.push(result);
    if (row.unclosedQuote) {
      result.error = 'A quote (") on this line is never closed';
      continue;
    }
    const extra = row.cells.slice(COLUMNS.length).filter((c) => c.trim() !== '');
    if (extra.length) {
      result.error = `Expected at most ${COLUMNS.length} cells (${COLUMNS.join(', ')}); this line has ${COLUMNS.length + extra.length}`;
      continue;
    }
    const parsed = PastedContact.safeParse({
      email: row.cells[0] ?? '',
      firstName: row.cells[1] ?? '',
      lastName: row.cells[2] ?? '',
      phone: row.cells[3] ?? '',
      workPhone: row.cells[4] ?? '',
    });
    if (!parsed.success) {
      result.error = parsed.error.issues
        .map((i) => `${LABELS[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`)
        .join('; ');
      continue;
    }
    const key = parsed.data.email.toLowerCase();
    const earlier = firstLineOf.get(key);
    if (earlier !== undefined) {
      result.error = `Same email as line ${earlier}`;
      continue;
    }
    firstLineOf.set(key, row.line);
    result.status = 'created';
    valid.push({
      result,
      ...parsed.data,
      phone: parsed.data.phone ?? null,
      workPhone: parsed.data.workPhone ?? null,
    });
  }
  return { results, valid };
}

/** The login the new contacts get; 422 when the chosen groups do not allow the one asked for. */
function loginOf(body: ContactBulkAddBody, groups: CustomerGroupRow[]): Login {
  let from = body.loginValidFrom ? loginDateToDate(body.loginValidFrom, 'from') : null;
  let until = body.loginValidUntil ? loginDateToDate(body.loginValidUntil, 'until') : null;
  let passwordHash: string | null = null;
  if (body.logins === 'group-password') {
    const withPassword = groups.filter((g) => g.password_hash);
    const [group] = withPassword;
    if (!group || withPassword.length > 1)
      throw unprocessable(
        withPassword.length > 1
          ? `Choose one customer group that has a shared password, not several (${withPassword.map((g) => g.key).join(', ')})`
          : 'Choose a customer group that has a shared password',
        [{ path: 'customerGroups', message: 'Exactly one chosen group must have a shared password' }],
      );
    passwordHash = group.password_hash;
    from = body.loginValidFrom ? from : group.login_valid_from;
    until = body.loginValidUntil ? until : group.login_valid_until;
    if (from && until && from > until)
      throw unprocessable('The login must start being valid before it stops', [
        { path: 'loginValidUntil', message: `The group’s login starts ${from.toISOString()}` },
      ]);
  }
  const activated = body.logins === 'generated' || body.logins === 'group-password';
  return { passwordHash, from, until, activated };
}

/** Contacts of the store by lowercase email, and whether the actor may see each. */
async function findByEmails(
  db: Executor,
  ctx: RequestContext,
  emails: string[],
): Promise<Map<string, { id: string; visible: boolean }>> {
  const found = new Map<string, { id: string; visible: boolean }>();
  for (let i = 0; i < emails.length; i += 1000) {
    const rows = await db
      .selectFrom('contacts')
      .select(['id', 'email', sql<boolean>`${contactVisibleTo(ctx)}`.as('visible')])
      .where('scope_id', '=', ctx.scopeId)
      .where(
        sql<string>`lower(email)`,
        'in',
        emails.slice(i, i + 1000).map((e) => e.toLowerCase()),
      )
      .execute();
    for (const r of rows) found.set(r.email.toLowerCase(), { id: r.id, visible: r.visible });
  }
  return found;
}

function markExisting(result: BulkAddLineResult, existing: { id: string; visible: boolean }): Join | null {
  result.status = 'exists';
  if (!existing.visible) {
    result.error = 'A contact with this email exists on an account you cannot reach';
    return null;
  }
  result.contactId = existing.id;
  return { kind: 'join', contactId: existing.id };
}

/**
 * R11: adds many contacts from pasted lines. Each line is created, found to exist already (it still
 * joins the chosen customer groups) or invalid; with `allOrNothing` one invalid line stores nothing.
 */
export async function bulkAddContacts(
  deps: ContactsDeps,
  ctx: RequestContext,
  body: ContactBulkAddBody,
): Promise<ContactBulkAddResult> {
  assertCan(ctx, 'contacts.write');
  if (!body.accountId && !can(ctx, 'accounts.write'))
    throw forbidden(
      'Creating a personal account for each contact needs the permission to create accounts; choose an account',
    );
  const { db } = deps;
  const { results, valid } = checkLines(body.text);

  const groupKeys = [...new Set(body.customerGroups.map((k) => k.toLowerCase()))];
  const groups = await findCustomerGroupsByKeys(db, ctx.scopeId, groupKeys);
  const missing = [
    ...new Set(
      body.customerGroups.filter((k) => !groups.some((g) => g.key.toLowerCase() === k.toLowerCase())),
    ),
  ];
  if (missing.length) {
    const message = `Unknown customer group${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`;
    throw unprocessable(message, [{ path: 'customerGroups', message }]);
  }
  // Checked now, so a refusal comes before any work; each transaction reads the groups again.
  loginOf(body, groups);
  // The personal accounts made when no account is chosen get these; with an account none is made.
  if (body.accountId && body.accountAttributes && Object.keys(body.accountAttributes).length)
    throw unprocessable(
      'Account attributes are only for the personal accounts made when no account is chosen',
      [{ path: 'accountAttributes', message: 'Only without an account' }],
    );
  const contactDefs = await activeAttributes(db, ctx.scopeId, 'contact');
  const attributes = checkAttributeValues(contactDefs, body.attributes, { creating: true });
  const accountAttributes = body.accountId
    ? { set: {}, errors: [] }
    : checkAttributeValues(await activeAttributes(db, ctx.scopeId, 'account'), body.accountAttributes, {
        creating: true,
        path: 'accountAttributes',
      });
  // One 422 names the contacts' and the personal accounts' attribute problems together.
  assertAttributeValues({ ...attributes, errors: [...attributes.errors, ...accountAttributes.errors] });
  const account = body.accountId ? await getAccount(db, ctx, body.accountId) : null;
  const rules = await fieldRules(db, ctx.scopeId);

  const existing = await findByEmails(
    db,
    ctx,
    valid.map((c) => c.email),
  );
  const work: Work[] = [];
  for (const contact of valid) {
    const found = existing.get(contact.email.toLowerCase());
    if (found) {
      const join = markExisting(contact.result, found);
      if (join) work.push(join);
      continue;
    }
    // Only a line that creates a contact needs the mandatory fields; an existing one just joins groups.
    const missing = missingRequiredFields(rules.requiredFields.contact, contact, { creating: true });
    if (missing.length) {
      contact.result.status = 'invalid';
      contact.result.error = missing.map((m) => m.message).join('; ');
      continue;
    }
    work.push({ kind: 'create', contact });
  }

  const outcome = count(results);
  if (body.allOrNothing && outcome.invalid > 0)
    throw new AppError(
      'unprocessable',
      `${outcome.invalid} of ${results.length} lines ${outcome.invalid === 1 ? 'is' : 'are'} not valid; nothing was stored`,
      outcome,
    );

  if (body.logins === 'generated') {
    const creating = work.flatMap((w) => (w.kind === 'create' ? [w.contact] : []));
    // argon2 is slow on purpose; the hashes run side by side on the thread pool, before any transaction.
    await mapConcurrently(creating, 4, async (c) => {
      c.password = generatePassword();
      c.passwordHash = await hashPassword(c.password);
    });
  }

  const language = rules.languages[0]!;
  const store = {
    deps,
    ctx,
    body,
    groupKeys,
    account,
    attributes: attributes.set,
    accountAttributes: accountAttributes.set,
    language,
  };
  const chunks: Work[][] = [];
  for (let i = 0; i < work.length; i += LINES_PER_TRANSACTION)
    chunks.push(work.slice(i, i + LINES_PER_TRANSACTION));
  if (body.allOrNothing)
    await db.transaction().execute(async (tx) => {
      for (const chunk of chunks) await storeChunk(tx, store, chunk);
    });
  // Otherwise each chunk commits on its own, and other requests reach the database in between.
  else for (const chunk of chunks) await db.transaction().execute((tx) => storeChunk(tx, store, chunk));
  return count(results);
}

async function storeChunk(
  tx: Executor,
  store: {
    deps: ContactsDeps;
    ctx: RequestContext;
    groupKeys: string[];
    body: ContactBulkAddBody;
    account: Account | null;
    attributes: Record<string, AttributeValue>;
    accountAttributes: Record<string, AttributeValue>;
    /** The default language of new contacts (the first one enabled). */
    language: string;
  },
  chunk: Work[],
): Promise<void> {
  const { ctx } = store;
  // Held until commit: a group cannot be deleted, nor its password changed, while contacts join it.
  const groups = await findCustomerGroupsByKeys(tx, ctx.scopeId, store.groupKeys, { lock: true });
  if (groups.length !== store.groupKeys.length)
    throw unprocessable('A chosen customer group was deleted meanwhile; choose the groups again', [
      { path: 'customerGroups', message: 'Deleted meanwhile' },
    ]);
  const login = loginOf(store.body, groups);
  const groupKeysSorted = groups.map((g) => g.key).sort();
  const creating = chunk.flatMap((w) => (w.kind === 'create' ? [w.contact] : []));
  const joining = chunk.flatMap((w) => (w.kind === 'join' ? [w.contactId] : []));

  // A contact added meanwhile with the same email is skipped here and reported as existing below.
  const inserted = creating.length
    ? await tx
        .insertInto('contacts')
        .values(
          creating.map((c) => ({
            scope_id: ctx.scopeId,
            email: c.email,
            first_name: c.firstName,
            last_name: c.lastName,
            phone: c.phone,
            work_phone: c.workPhone,
            language: store.language,
            status: 'active' as const,
            password_hash: c.passwordHash ?? login.passwordHash,
            login_valid_from: login.from,
            login_valid_until: login.until,
            activated_at: login.activated ? new Date() : null,
            last_sign_in_at: null,
            custom: JSON.stringify(store.attributes),
          })),
        )
        .onConflict((oc) => oc.doNothing())
        .returning(['id', 'email', 'language', 'created_at', 'updated_at'])
        .execute()
    : [];
  const byEmail = new Map(inserted.map((r) => [r.email.toLowerCase(), r]));
  const raced = creating.filter((c) => !byEmail.has(c.email.toLowerCase()));
  if (raced.length) {
    const found = await findByEmails(
      tx,
      ctx,
      raced.map((c) => c.email),
    );
    for (const c of raced) {
      delete c.password;
      const existing = found.get(c.email.toLowerCase());
      const join = existing && markExisting(c.result, existing);
      if (join) joining.push(join.contactId);
    }
  }
  const created = creating.filter((c) => byEmail.has(c.email.toLowerCase()));

  const accountOf = store.account
    ? () => store.account!
    : await createPersonalAccounts(
        tx,
        ctx,
        created,
        (c) => byEmail.get(c.email.toLowerCase())!.id,
        store.accountAttributes,
      );
  if (created.length)
    await tx
      .insertInto('contact_accounts')
      .values(
        created.map((c) => ({
          contact_id: byEmail.get(c.email.toLowerCase())!.id,
          account_id: accountOf(c).id,
          is_primary: true,
        })),
      )
      .execute();

  const joined = await addContactMemberships(
    tx,
    groups.flatMap((g) =>
      [...created.map((c) => byEmail.get(c.email.toLowerCase())!.id), ...joining].map((contact_id) => ({
        contact_id,
        customer_group_id: g.id,
      })),
    ),
  );
  for (const g of groups) {
    const contactIds = joined.filter((m) => m.customer_group_id === g.id).map((m) => m.contact_id);
    if (contactIds.length)
      await recordAudit(tx, ctx, {
        action: 'customerGroup.members_added',
        entityType: 'customerGroup',
        entityId: g.id,
        after: { contactIds, accountIds: [] },
      });
  }

  const loginCreated: LoginCreatedContact[] = [];
  const events: NewEvent[] = [];
  for (const c of created) {
    const row = byEmail.get(c.email.toLowerCase())!;
    const a = accountOf(c);
    const ref = { id: a.id, name: a.name, number: a.number, code: a.code };
    const contact: Contact = {
      id: row.id,
      email: row.email,
      firstName: c.firstName,
      lastName: c.lastName,
      phone: c.phone,
      workPhone: c.workPhone,
      language: row.language,
      status: 'active',
      hasLogin: (c.passwordHash ?? login.passwordHash) !== null,
      account: ref,
      accounts: [ref],
      roles: [],
      groupRoles: [],
      effectiveRoles: [],
      customerGroups: groupKeysSorted,
      attributes: store.attributes,
      loginValidFrom: login.from?.toISOString() ?? null,
      loginValidUntil: login.until?.toISOString() ?? null,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
    await recordAudit(tx, ctx, {
      action: 'contact.created',
      entityType: 'contact',
      entityId: row.id,
      after: auditedContact(contact),
    });
    events.push(contactEvent(ctx, 'contact.created', contact));
    if (store.body.logins === 'activation')
      await sendContactLinkEmail(store.deps, tx, ctx.scopeId, contact, 'activation');
    else if (login.activated) loginCreated.push({ ...contact, validUntil: login.until });
    c.result.contactId = row.id;
    c.result.accountId = a.id;
    if (c.password) c.result.password = c.password;
  }
  await recordEvents(tx, events);
  // A generated or shared password: each contact is told a login exists (never the password itself).
  await sendLoginCreatedEmails(store.deps, tx, ctx.scopeId, loginCreated);
}

/** A personal account per new contact, named after them, numbered as createAccount numbers them. */
async function createPersonalAccounts(
  tx: Executor,
  ctx: RequestContext,
  contacts: NewContact[],
  contactIdOf: (c: NewContact) => string,
  attributes: Record<string, AttributeValue>,
): Promise<(c: NewContact) => Account> {
  const accounts = new Map<NewContact, Account>();
  if (!contacts.length) return (c) => accounts.get(c)!;
  const prefix = await accountNumberPrefix(tx, ctx.scopeId);
  let pending = contacts;
  // A generated number can collide with one an ERP assigned earlier; those draw again.
  for (let attempt = 0; pending.length && attempt < 5; attempt++) {
    const numbers = await nextGeneratedNumbers(tx, prefix, pending.length);
    const rows = await tx
      .insertInto('accounts')
      .values(
        pending.map((c, i) => ({
          scope_id: ctx.scopeId,
          kind: 'personal' as const,
          name: `${c.firstName} ${c.lastName}`.slice(0, 200),
          code: null,
          number: numbers[i]!,
          status: 'active' as const,
          payment_terms: null,
          price_group: null,
          sales_rep_code: null,
          erp_synced_at: null,
          custom: JSON.stringify(attributes),
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .execute();
    const byNumber = new Map(rows.map((r) => [r.number, r]));
    pending = pending.filter((c, i) => {
      const row = byNumber.get(numbers[i]!);
      if (!row) return true;
      accounts.set(c, {
        id: row.id,
        kind: row.kind,
        name: row.name,
        code: row.code,
        number: row.number,
        erpNumber: null,
        erpSync: { state: 'not-synced', erpNumber: null, syncedAt: null, lastError: null, attempts: 0 },
        status: row.status,
        contactCount: 1,
        assignedEmployeeIds: [],
        customerGroups: [],
        paymentTerms: null,
        priceGroup: null,
        salesRepCode: null,
        attributes,
        createdAt: row.created_at.toISOString(),
        updatedAt: row.updated_at.toISOString(),
      });
      return false;
    });
  }
  if (pending.length) throw conflict('Could not find free account numbers; try again');
  const created = [...accounts.values()];
  // A crmCompany* employee reaches only assigned accounts, so the ones they create are assigned to them.
  if (ctx.actor.restrictToAssigned && ctx.actor.type === 'employee' && ctx.actor.id) {
    const employeeId = ctx.actor.id;
    await tx
      .insertInto('employee_accounts')
      .values(created.map((a) => ({ employee_id: employeeId, account_id: a.id })))
      .execute();
    for (const a of created) a.assignedEmployeeIds = [employeeId];
  }
  await recordAudits(
    tx,
    ctx,
    [...accounts].map(([c, a]) => ({
      action: 'account.created',
      entityType: 'account',
      entityId: a.id,
      after: { ...auditedAccount(a), forContactId: contactIdOf(c) },
    })),
  );
  await recordEvents(
    tx,
    created.map((a) => ({
      scopeId: ctx.scopeId,
      type: 'account.created' as const,
      accountId: a.id,
      data: a,
    })),
  );
  return (c) => accounts.get(c)!;
}
