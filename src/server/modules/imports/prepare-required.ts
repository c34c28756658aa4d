import { sql, type RawBuilder } from 'kysely';
import { isCommercialImport } from '../../../contracts/import-fields.ts';
import type { ImportField, ImportType } from '../../../contracts/imports.ts';
import {
  requiredMessage,
  type AccountRequirableField,
  type ContactRequirableField,
  type FieldRules,
} from '../../../contracts/required-fields.ts';
import { languageMessageParts } from '../settings/languages.ts';
import { stageTable } from './stage.ts';

/** Where a mandatory built-in field sits in the stage, and the column a rejection names. */
const ACCOUNT_SOURCES: Record<AccountRequirableField, { column: string; field: ImportField }> = {
  code: { column: 'account_code', field: 'accountCode' },
  billingAddress: { column: 'billing_line1', field: 'billingLine1' },
  paymentTerms: { column: 'payment_terms', field: 'paymentTerms' },
  priceGroup: { column: 'price_group', field: 'priceGroup' },
  salesRepCode: { column: 'sales_rep_code', field: 'salesRepCode' },
};
const CONTACT_SOURCES: Record<ContactRequirableField, { column: string; field: ImportField }> = {
  phone: { column: 'phone', field: 'phone' },
  workPhone: { column: 'work_phone', field: 'workPhone' },
};

/**
 * Rows that would create an account or a contact without a mandatory built-in field (the portal's
 * message, "Payment terms is required"), and rows naming a language the seller does not enable. A row
 * that updates a record may leave such a cell empty: an empty cell keeps the stored value.
 * One (line, column_name, reason) per line, for `reject`.
 */
export function missingRequiredValues(
  importId: string,
  scopeId: string,
  type: ImportType,
  rules: FieldRules,
  columnOf: (field: ImportField) => string | null,
): RawBuilder<unknown> | null {
  // Invoices and the commercial lists create no account or contact.
  if (type === 'invoices' || isCommercialImport(type)) return null;
  const stage = stageTable(importId);
  const checks: RawBuilder<unknown>[] = [];
  let ord = 0;
  // Personal accounts made for individuals take only what the contact row gives: the rule is for accounts.
  if (type === 'accounts' || type === 'mixed') {
    const newAccount = sql`s.owner AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.scope_id = ${scopeId}
      AND (lower(a.number) = lower(s.account_number)
        OR (s.account_number IS NULL AND lower(a.code) = lower(s.account_code))))`;
    for (const field of rules.requiredFields.account) {
      const source = ACCOUNT_SOURCES[field];
      checks.push(sql`SELECT s.line, ${columnOf(source.field)}::text AS column_name,
          ${requiredMessage(field)}::text AS reason, ${ord++} AS ord
        FROM ${stage} s WHERE ${sql.ref(`s.${source.column}`)} IS NULL AND ${newAccount}`);
    }
  }
  if (type !== 'accounts') {
    const newContact = sql`s.email IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contacts c
      WHERE c.scope_id = ${scopeId} AND lower(c.email) = lower(s.email))`;
    for (const field of rules.requiredFields.contact) {
      const source = CONTACT_SOURCES[field];
      checks.push(sql`SELECT s.line, ${columnOf(source.field)}::text AS column_name,
          ${requiredMessage(field)}::text AS reason, ${ord++} AS ord
        FROM ${stage} s WHERE ${sql.ref(`s.${source.column}`)} IS NULL AND ${newContact}`);
    }
    const [before, after] = languageMessageParts(rules.languages);
    checks.push(sql`SELECT s.line, ${columnOf('language')}::text AS column_name,
        ${before}::text || s.language || ${after}::text AS reason, ${ord++} AS ord
      FROM ${stage} s WHERE s.language IS NOT NULL AND NOT (s.language = ANY(${rules.languages}::text[]))`);
  }
  if (!checks.length) return null;
  return sql`SELECT DISTINCT ON (line) line, column_name, reason
    FROM (${sql.join(checks, sql` UNION ALL `)}) x ORDER BY line, ord`;
}
