import { createPatch } from 'diff';
import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import { Uuid } from '../../../contracts/common.ts';
import type { DB } from '../../db/schema.ts';
import { unprocessable } from '../../lib/errors.ts';

export type AuditFilters = {
  actor?: string;
  source?: string;
  action?: string;
  entity?: string;
  from?: string;
  to?: string;
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** An ISO date or date-time as an instant; a bare `to` date means up to the end of that day (UTC). */
function instant(value: string, field: 'from' | 'to'): Date {
  const bad = () =>
    unprocessable(`"${field}" is not a date`, [
      {
        path: field,
        message: 'Use an ISO date such as 2026-12-31 or a date-time such as 2026-12-31T18:00:00Z',
      },
    ]);
  if (DATE.test(value)) {
    const day = new Date(`${value}T00:00:00Z`);
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) throw bad();
    return field === 'to' ? new Date(day.getTime() + 86_400_000 - 1) : day;
  }
  const at = new Date(value);
  if (!DATE_TIME.test(value) || Number.isNaN(at.getTime())) throw bad();
  return at;
}

/** Checks the dates before any query runs: 422 naming the field. */
export function auditRange(filters: AuditFilters): { from: Date | null; to: Date | null } {
  const from = filters.from ? instant(filters.from, 'from') : null;
  const to = filters.to ? instant(filters.to, 'to') : null;
  if (from && to && from > to)
    throw unprocessable('"from" is after "to"', [{ path: 'to', message: 'Must not be before "from"' }]);
  return { from, to };
}

/**
 * The filters as conditions of the one listing statement: names (emails, account numbers) become
 * subqueries on their indexed columns rather than lookups of their own.
 */
export function auditConditions(
  eb: ExpressionBuilder<DB, 'audit_log'>,
  filters: AuditFilters,
  range: { from: Date | null; to: Date | null },
): Expression<SqlBool>[] {
  const out: Expression<SqlBool>[] = [];
  if (filters.actor) {
    const actor = filters.actor;
    out.push(
      Uuid.safeParse(actor).success
        ? eb('actor_id', '=', actor)
        : eb.or([
            eb(
              'actor_id',
              'in',
              eb
                .selectFrom('employees')
                .select(sql<string>`id::text`.as('id'))
                .where(sql`lower(email)`, '=', actor.toLowerCase()),
            ),
            eb(sql`lower(actor_label)`, '=', actor.toLowerCase()),
          ]),
    );
  }
  if (filters.source) out.push(eb('source', '=', filters.source));
  if (filters.action) {
    const action = filters.action;
    out.push(
      action.endsWith('.')
        ? eb('action', 'like', `${action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
        : eb('action', '=', action),
    );
  }
  if (filters.entity) {
    const entity = filters.entity;
    const lower = entity.toLowerCase();
    out.push(
      Uuid.safeParse(entity).success
        ? eb('entity_id', '=', entity)
        : eb.or([
            eb('entity_id', '=', entity),
            eb.and([
              eb('entity_type', '=', 'account'),
              eb(
                'entity_id',
                'in',
                eb
                  .selectFrom('accounts')
                  .select(sql<string>`id::text`.as('id'))
                  .where((a) =>
                    a.or([
                      a(sql`lower(number)`, '=', lower),
                      a(sql`lower(code)`, '=', lower),
                      a(sql`lower(name)`, '=', lower),
                    ]),
                  ),
              ),
            ]),
            eb.and([
              eb('entity_type', '=', 'contact'),
              eb(
                'entity_id',
                'in',
                eb
                  .selectFrom('contacts')
                  .select(sql<string>`id::text`.as('id'))
                  .where(sql`lower(email)`, '=', lower),
              ),
            ]),
            eb.and([
              eb('entity_type', '=', 'employee'),
              eb(
                'entity_id',
                'in',
                eb
                  .selectFrom('employees')
                  .select(sql<string>`id::text`.as('id'))
                  .where(sql`lower(email)`, '=', lower),
              ),
            ]),
          ]),
    );
  }
  if (range.from) out.push(eb('at', '>=', range.from));
  if (range.to) out.push(eb('at', '<=', range.to));
  return out;
}

/** Changed text of more than one line, as a unified diff of the changed lines (3 lines of context). */
export function textDiffsOf(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): Record<string, string> | null {
  if (!before || !after) return null;
  const out: Record<string, string> = {};
  for (const key of Object.keys(after)) {
    const a = before[key];
    const b = after[key];
    if (typeof a !== 'string' || typeof b !== 'string' || a === b) continue;
    if (!a.includes('\n') && !b.includes('\n')) continue;
    const patch = createPatch(key, a.endsWith('\n') ? a : `${a}\n`, b.endsWith('\n') ? b : `${b}\n`, '', '', {
      context: 3,
    });
    // The header lines (Index, ===, ---, +++) say nothing a reader needs: keep the hunks.
    out[key] = patch.slice(patch.indexOf('@@')).trimEnd();
  }
  return Object.keys(out).length ? out : null;
}
