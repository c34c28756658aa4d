import { sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import { CommercialCodeValue } from '../../../contracts/commercial-terms.ts';
import type { ImportField } from '../../../contracts/imports.ts';

// Cells of a payment-terms, price-groups or sales-reps import: the codes of one commercial list.

const YES = ['true', 'yes', 'y', '1', 'active', 'x', 'ja', 'oui', 'si', 'sí'];
const NO = ['false', 'no', 'n', '0', 'inactive', 'nein', 'non'];

export const COMMERCIAL_FIELD_RULES: Record<'code' | 'name' | 'active', z.ZodType<string>> = {
  // The same rule as the API's, so a code imported is a code the API takes.
  code: CommercialCodeValue,
  name: z.string().max(200, 'Use at most 200 characters'),
  active: z.string().transform((v, ctx) => {
    const t = v.toLowerCase();
    if (YES.includes(t)) return 'true';
    if (NO.includes(t)) return 'false';
    ctx.addIssue({ code: 'custom', message: 'Use yes or no' });
    return v;
  }),
};

export const COMMERCIAL_REQUIRED: ImportField[] = ['code', 'name'];

/** A code repeated in the file: the later line is rejected, naming the first (codes are case-sensitive). */
export function commercialChecks(
  stage: RawBuilder<unknown>,
  columnOf: (field: ImportField) => string | null,
): RawBuilder<unknown>[] {
  return [
    sql`SELECT line, ${columnOf('code')}::text AS column_name, 'Same code as line ' || first AS reason
      FROM (SELECT line, first_value(line) OVER (PARTITION BY list_code ORDER BY line) AS first
            FROM ${stage} WHERE list_code IS NOT NULL) d
      WHERE line <> first`,
  ];
}
