import type { AuditEntry } from '../../../contracts/audit.ts';
import { expressionBuilder, type Insertable } from 'kysely';
import type { Executor } from '../../db/client.ts';
import type { AuditLogTable, DB } from '../../db/schema.ts';
import type { RequestContext } from '../../http/context.ts';
import { decodeCursor, toPage } from '../../lib/cursor.ts';
import { auditConditions, auditRange, textDiffsOf, type AuditFilters } from './audit-filters.ts';

export type AuditInput = {
  action: string;
  entityType: string;
  entityId: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
};

/** Keeps only the fields that changed, so an entry says what happened and nothing else. */
export function diff(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { before: Record<string, unknown>; after: Record<string, unknown> } | null {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key] ?? null;
      a[key] = after[key] ?? null;
    }
  }
  return Object.keys(a).length ? { before: b, after: a } : null;
}

export async function recordAudit(db: Executor, ctx: RequestContext, entry: AuditInput): Promise<void> {
  await recordAudits(db, ctx, [entry]);
}

/** The audit rows of entries, for `recordAudits` or a caller's chain of writes. */
export function auditRows(ctx: RequestContext, entries: AuditInput[]): Insertable<AuditLogTable>[] {
  return entries.map((entry) => ({
    actor_type: ctx.actor.type,
    actor_id: ctx.actor.id,
    actor_label: ctx.actor.label,
    source: ctx.source,
    action: entry.action,
    entity_type: entry.entityType,
    entity_id: entry.entityId,
    before: entry.before ? JSON.stringify(entry.before) : null,
    after: entry.after ? JSON.stringify(entry.after) : null,
    ip: ctx.ip,
    request_id: ctx.requestId,
  }));
}

/** Several audit entries of one change in one statement. */
export async function recordAudits(db: Executor, ctx: RequestContext, entries: AuditInput[]): Promise<void> {
  if (entries.length === 0) return;
  await db.insertInto('audit_log').values(auditRows(ctx, entries)).execute();
}

export async function listAudit(
  db: Executor,
  query: {
    entityType?: string;
    entityId?: string;
    actorId?: string;
    limit: number;
    cursor?: string;
  } & AuditFilters,
): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  const range = auditRange(query);
  const cursor = decodeCursor(query.cursor, { id: 'integer' });
  let q = db
    .selectFrom('audit_log')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  if (query.entityType) q = q.where('entity_type', '=', query.entityType);
  if (query.entityId) q = q.where('entity_id', '=', query.entityId);
  if (query.actorId) q = q.where('actor_id', '=', query.actorId);
  for (const condition of auditConditions(expressionBuilder<DB, 'audit_log'>(), query, range))
    q = q.where(condition);
  if (cursor) q = q.where('id', '<', cursor.id);
  const rows = await q.execute();
  return toPage(
    rows,
    query.limit,
    (r) => ({ id: String(r.id) }),
    (r) => ({
      id: String(r.id),
      at: r.at.toISOString(),
      actorType: r.actor_type,
      actorId: r.actor_id,
      actorLabel: r.actor_label,
      source: r.source as AuditEntry['source'],
      action: r.action,
      entityType: r.entity_type,
      entityId: r.entity_id,
      before: r.before,
      after: r.after,
      ip: r.ip,
      textDiffs: textDiffsOf(r.before, r.after),
    }),
  );
}
