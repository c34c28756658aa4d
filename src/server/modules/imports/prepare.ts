import { sql, type RawBuilder } from 'kysely';
import { isCommercialImport } from '../../../contracts/import-fields.ts';
import type { AttributeEntity } from '../../../contracts/attributes.ts';
import type { ImportAttributeTarget, ImportField, ImportType } from '../../../contracts/imports.ts';
import type { Executor } from '../../db/client.ts';
import { unknownCommercialCodes } from './prepare-commercial.ts';
import { missingRequiredValues } from './prepare-required.ts';
import { fieldRules } from '../settings/required-fields.ts';
import { commercialChecks } from './commercial-rows.ts';
import { invoiceChecks } from './invoice-rows.ts';
import { stageTable } from './stage.ts';

/** Moves the rows `bad` selects (line, column_name, reason; one per line) from the stage to the rejections. */
async function reject(db: Executor, importId: string, bad: RawBuilder<unknown>): Promise<number> {
  const { rows } = await sql<{ n: number }>`WITH bad AS (${bad}),
      del AS (DELETE FROM ${stageTable(importId)} s USING bad WHERE s.line = bad.line RETURNING s.line),
      ins AS (INSERT INTO import_rejections (import_id, line, column_name, reason)
        SELECT ${importId}::uuid, line, column_name, reason FROM bad)
    SELECT count(*)::int AS n FROM del`.execute(db);
  return rows[0]!.n;
}

/** Later rows with the same key as an earlier one are rejected, naming the earlier line. */
function duplicates(importId: string, key: string, column: string | null, what: string) {
  return sql`SELECT line, ${column}::text AS column_name, ${`Same ${what} as line `} || first AS reason
    FROM (SELECT line, first_value(line) OVER (PARTITION BY ${sql.raw(key)} ORDER BY line) AS first
          FROM ${stageTable(importId)} WHERE ${sql.raw(key)} IS NOT NULL) d
    WHERE line <> first`;
}

export type StagedAttributes = {
  /** The mandatory attributes of the type's entities. */
  mandatory: readonly ImportAttributeTarget[];
  /** The column each mapped attribute comes from. */
  columns: readonly { entity: AttributeEntity; key: string; column: string | null }[];
};

/** The account a row of a mixed file names: rows with the same key are one account. */
const accountKey = (alias: string) =>
  sql`coalesce('n:' || lower(${sql.ref(`${alias}.account_number`)}), 'c:' || lower(${sql.ref(`${alias}.account_code`)}))`;

/** Whether the account a row names is not in the database yet (the file creates it). */
const namesNewAccount = (
  scopeId: string,
) => sql`NOT EXISTS (SELECT 1 FROM accounts a WHERE a.scope_id = ${scopeId}
  AND ((s.account_number IS NOT NULL AND lower(a.number) = lower(s.account_number))
    OR (s.account_number IS NULL AND lower(a.code) = lower(s.account_code))))`;

/**
 * In a file of accounts and contacts, the rows of one new account share its attribute values: any row
 * may carry a value (the earliest wins where rows differ; a row's own value stays its own), so the row
 * that creates the account has them all and the others need not repeat them.
 */
async function shareNewAccountAttributes(db: Executor, importId: string, scopeId: string): Promise<void> {
  const stage = stageTable(importId);
  await sql`WITH shared AS (
      SELECT ${accountKey('s')} AS k, jsonb_object_agg(e.key, e.value ORDER BY s.line DESC) AS v
      FROM ${stage} s CROSS JOIN LATERAL jsonb_each(s.account_attributes) e
      WHERE s.account_attributes IS NOT NULL AND ${namesNewAccount(scopeId)}
      GROUP BY 1)
    UPDATE ${stage} s SET account_attributes = shared.v || coalesce(s.account_attributes, '{}'::jsonb)
    FROM shared WHERE shared.k = ${accountKey('s')}
      AND NOT coalesce(s.account_attributes, '{}'::jsonb) @> shared.v`.execute(db);
}

/**
 * Rows that would create an account or a contact without a value for one of its mandatory attributes:
 * `<label> is required`, as the API says it. Updates of existing records need none (an empty cell keeps
 * what is stored). In a file of accounts and contacts a new account needs its values once, on any of its
 * rows (`shareNewAccountAttributes` has given them to all).
 */
function missingMandatory(
  importId: string,
  scopeId: string,
  type: ImportType,
  attributes: StagedAttributes,
): RawBuilder<unknown> | null {
  const stage = stageTable(importId);
  const newContact = sql`s.email IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contacts c
    WHERE c.scope_id = ${scopeId} AND lower(c.email) = lower(s.email))`;
  const newAccount = type === 'individuals' ? newContact : namesNewAccount(scopeId);
  const checks = attributes.mandatory.map((t, ord) => {
    const column = attributes.columns.find((c) => c.entity === t.entity && c.key === t.key)?.column ?? null;
    const values = sql.ref(`s.${t.entity}_attributes`);
    return sql`SELECT s.line, ${column}::text AS column_name, ${`${t.label} is required`}::text AS reason,
        ${ord} AS ord
      FROM ${stage} s WHERE ${values} -> ${t.key} IS NULL AND ${t.entity === 'account' ? newAccount : newContact}`;
  });
  if (!checks.length) return null;
  return sql`SELECT DISTINCT ON (line) line, column_name, reason
    FROM (${sql.join(checks, sql` UNION ALL `)}) x ORDER BY line, ord`;
}

/**
 * What can only be judged with the whole file and the database at hand: duplicate keys in the file,
 * accounts that don't exist, codes that belong to another account. Returns the rows rejected.
 */
export async function prepareStage(
  db: Executor,
  importId: string,
  scopeId: string,
  type: ImportType,
  columnOf: (field: ImportField) => string | null,
  attributes: StagedAttributes = { mandatory: [], columns: [] },
): Promise<number> {
  const stage = stageTable(importId);
  let rejected = 0;
  if (isCommercialImport(type)) {
    for (const bad of commercialChecks(stage, columnOf)) rejected += await reject(db, importId, bad);
    return rejected;
  }
  if (type !== 'accounts' && type !== 'invoices') {
    rejected += await reject(db, importId, duplicates(importId, 'lower(email)', columnOf('email'), 'email'));
  }
  if (type === 'accounts') {
    rejected += await reject(
      db,
      importId,
      duplicates(importId, 'lower(account_number)', columnOf('accountNumber'), 'account number'),
    );
    rejected += await reject(
      db,
      importId,
      duplicates(importId, 'lower(account_code)', columnOf('accountCode'), 'account code'),
    );
  }
  if (type === 'accounts' || type === 'mixed') {
    rejected += await reject(
      db,
      importId,
      sql`SELECT DISTINCT ON (s.line) s.line, ${columnOf('accountCode')}::text AS column_name,
          'Account code ' || s.account_code || ' belongs to account ' || a.number AS reason
        FROM ${stage} s JOIN accounts a ON a.scope_id = ${scopeId} AND lower(a.code) = lower(s.account_code)
        WHERE s.account_number IS NOT NULL AND lower(a.number) <> lower(s.account_number)`,
    );
  }
  if (type === 'mixed' && attributes.columns.some((c) => c.entity === 'account'))
    await shareNewAccountAttributes(db, importId, scopeId);
  // Before owners are chosen: a rejected row must not be the one meant to create its account.
  const mandatory = missingMandatory(importId, scopeId, type, attributes);
  if (mandatory) rejected += await reject(db, importId, mandatory);
  if (type === 'mixed') {
    // Many rows may name one account (one per contact): the first of them creates or updates it.
    await sql`UPDATE ${stage} s SET owner = false
      FROM (SELECT r.line, first_value(r.line) OVER (PARTITION BY ${accountKey('r')} ORDER BY r.line) AS first
            FROM ${stage} r) d
      WHERE s.line = d.line AND d.line <> d.first`.execute(db);
  }
  if (type === 'invoices')
    for (const bad of invoiceChecks(stage, scopeId, columnOf)) rejected += await reject(db, importId, bad);
  if (type === 'contacts' || type === 'invoices') {
    rejected += await reject(
      db,
      importId,
      sql`SELECT s.line, ${columnOf('accountNumber')}::text AS column_name,
          'No account with number ' || s.account_number AS reason
        FROM ${stage} s WHERE s.account_number IS NOT NULL AND NOT EXISTS (SELECT 1 FROM accounts a
          WHERE a.scope_id = ${scopeId} AND lower(a.number) = lower(s.account_number))
        UNION ALL
        SELECT s.line, ${columnOf('accountCode')}::text, 'No account with code ' || s.account_code
        FROM ${stage} s WHERE s.account_number IS NULL AND NOT EXISTS (SELECT 1 FROM accounts a
          WHERE a.scope_id = ${scopeId} AND lower(a.code) = lower(s.account_code))`,
    );
  }
  const codes = unknownCommercialCodes(importId, scopeId, type, columnOf);
  if (codes) rejected += await reject(db, importId, codes);
  const required = missingRequiredValues(importId, scopeId, type, await fieldRules(db, scopeId), columnOf);
  if (required) rejected += await reject(db, importId, required);
  return rejected;
}
