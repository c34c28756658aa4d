// The audit page's URL filters, apart from its components so the route tree stays light.
import type { AuditFilters } from '../../api/audit.ts';

export const FILTERS = ['actor', 'source', 'action', 'entity', 'from', 'to'] as const;
export type FilterKey = (typeof FILTERS)[number];

/** The audit page's filters as read from its URL. */
export function auditFilterSearch(
  s: Record<string, unknown>,
  str: (v: unknown) => string | undefined,
): Pick<AuditFilters, FilterKey> {
  return Object.fromEntries(FILTERS.map((k) => [k, str(s[k])]));
}

export function auditFiltersOf(search: AuditFilters): Pick<AuditFilters, FilterKey> {
  return Object.fromEntries(FILTERS.map((k) => [k, search[k]]));
}
