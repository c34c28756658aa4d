import { sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import type { ImportField } from '../../../contracts/imports.ts';

// Cells of an invoices import. They arrive trimmed and non-empty; what they become is stage text that
// the apply step casts (`::date`, `::numeric`), so each rule leaves only text those casts accept.

/** numeric(14, 2), as the invoices table stores it: twelve digits before the point, two after. */
const AMOUNT = /^-?\d{1,12}(\.\d{1,2})?$/;

export const INVOICE_FIELD_RULES: Record<'number' | 'date' | 'amount' | 'currency', z.ZodType<string>> = {
  number: z.string().max(64, 'Use at most 64 characters'),
  date: z.string().transform((v, ctx) => {
    // An XLSX date cell arrives as YYYY-MM-DD, with a time of day when it has one.
    const day = /^(\d{4}-\d{2}-\d{2})(T00:00:00)?$/.exec(v)?.[1];
    const parsed = day ? new Date(`${day}T00:00:00Z`) : null;
    if (!day || !parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day)
      ctx.addIssue({ code: 'custom', message: 'Use a date such as 2026-11-23' });
    return day ?? v;
  }),
  amount: z.string().transform((v, ctx) => {
    // "1,234.50" and "1 234.50" as well as "1234.5"; a comma alone is a thousands separator only in groups of three.
    let text = v.replace(/[\s\u00a0]/g, '');
    if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(text)) text = text.replace(/,/g, '');
    if (!AMOUNT.test(text)) {
      ctx.addIssue({
        code: 'custom',
        message: 'Use an amount such as 1234.50 (at most 12 digits before the point and 2 after)',
      });
      return v;
    }
    return text;
  }),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'Use a three-letter currency code such as USD')
    .transform((c) => c.toUpperCase()),
};

export const INVOICE_REQUIRED: ImportField[] = ['number', 'date', 'amount', 'currency'];

/**
 * File-wide checks of an invoices import, each a query of the rows to reject (line, column_name, reason):
 * a number repeated in the file (the later line names the first), and a number already recorded on
 * another account than the row names (an invoice never moves between accounts).
 */
export function invoiceChecks(
  stage: RawBuilder<unknown>,
  scopeId: string,
  columnOf: (field: ImportField) => string | null,
): RawBuilder<unknown>[] {
  return [
    sql`SELECT line, ${columnOf('number')}::text AS column_name, 'Same invoice number as line ' || first AS reason
      FROM (SELECT line, first_value(line) OVER (PARTITION BY lower(invoice_number) ORDER BY line) AS first
            FROM ${stage} WHERE invoice_number IS NOT NULL) d
      WHERE line <> first`,
    sql`SELECT s.line, ${columnOf('number')}::text AS column_name,
        'Invoice ' || i.number || ' belongs to account ' || a.number || '; an invoice cannot move to another account' AS reason
      FROM ${stage} s
      JOIN invoices i ON i.scope_id = ${scopeId} AND lower(i.number) = lower(s.invoice_number)
      JOIN accounts a ON a.id = i.account_id
      WHERE CASE WHEN s.account_number IS NOT NULL THEN lower(a.number) <> lower(s.account_number)
        ELSE lower(a.code) IS DISTINCT FROM lower(s.account_code) END`,
  ];
}
