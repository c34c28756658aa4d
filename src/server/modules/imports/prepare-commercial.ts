import { sql, type RawBuilder } from 'kysely';
import type { ImportField, ImportType } from '../../../contracts/imports.ts';
import { stageTable } from './stage.ts';

const CHECKED = [
  ['paymentTerms', 'payment_terms', 'payment-terms', 'payment terms'],
  ['priceGroup', 'price_group', 'price-groups', 'price group'],
  ['salesRepCode', 'sales_rep_code', 'sales-reps', 'sales rep'],
] as const;

/**
 * Rows whose payment terms, price group or sales rep code is not in the seller's lists, or is inactive and
 * not already the account's: one (line, column_name, reason) per line, for `reject`.
 */
export function unknownCommercialCodes(
  importId: string,
  scopeId: string,
  type: ImportType,
  columnOf: (field: ImportField) => string | null,
): RawBuilder<unknown> | null {
  if (type === 'contacts') return null;
  const stage = stageTable(importId);
  const checks = CHECKED.filter(([field]) => columnOf(field) !== null).map(([field, column, list, label]) => {
    const value = sql.ref(`s.${column}`);
    // The account the row names (or, for individuals, the contact's own account) may keep an inactive code.
    const alreadyHas =
      type === 'individuals'
        ? sql`EXISTS (SELECT 1 FROM contacts c JOIN contact_accounts ca ON ca.contact_id = c.id AND ca.is_primary
            JOIN accounts a ON a.id = ca.account_id
            WHERE c.scope_id = ${scopeId} AND lower(c.email) = lower(s.email) AND ${sql.ref(`a.${column}`)} = ${value})`
        : sql`EXISTS (SELECT 1 FROM accounts a WHERE a.scope_id = ${scopeId}
            AND (lower(a.number) = lower(s.account_number)
              OR (s.account_number IS NULL AND lower(a.code) = lower(s.account_code)))
            AND ${sql.ref(`a.${column}`)} = ${value})`;
    return sql`SELECT s.line, ${columnOf(field)}::text AS column_name,
        CASE WHEN k.code IS NULL
          THEN ${`Unknown ${label} `} || ${value} || ': add it under Settings → Customer data first'
          ELSE ${`The ${label} `} || ${value} || ' is inactive and cannot be newly given' END AS reason,
        ${CHECKED.findIndex(([f]) => f === field)} AS ord
      FROM ${stage} s
      LEFT JOIN commercial_codes k ON k.scope_id = ${scopeId} AND k.list = ${list} AND k.code = ${value}
      WHERE ${value} IS NOT NULL AND (k.code IS NULL OR (NOT k.active AND NOT ${alreadyHas}))`;
  });
  if (!checks.length) return null;
  return sql`SELECT DISTINCT ON (line) line, column_name, reason
    FROM (${sql.join(checks, sql` UNION ALL `)}) x ORDER BY line, ord`;
}
