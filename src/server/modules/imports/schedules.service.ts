import fs from 'node:fs';
import path from 'node:path';
import { Cron } from 'croner';
import type { Selectable } from 'kysely';
import { ImportOptions, type ImportSchedule, type ImportScheduleBody } from '../../../contracts/imports.ts';
import type { Db } from '../../db/client.ts';
import type { ImportSchedulesTable } from '../../db/schema.ts';
import { isCommercialImport } from '../../../contracts/import-fields.ts';
import { assertCan, systemContext, type RequestContext } from '../../http/context.ts';
import { AppError, conflict, notFound, uniqueViolation, unprocessable } from '../../lib/errors.ts';
import { createImport, startPass, type ImportsDeps } from './imports.service.ts';

type ScheduleRow = Selectable<ImportSchedulesTable>;

/** Files still being written (copied over the network, exported) are left for the next tick. */
export const SETTLE_MS = 10_000;
export const READABLE = /\.(csv|txt|tsv|xlsx)$/i;

export function nextRun(cron: string, timezone: string, after = new Date()): Date {
  // croner checks the pattern when built and the time zone only when it computes a time: both inside.
  let next: Date | null;
  try {
    next = new Cron(cron, { timezone, paused: true }).nextRun(after);
  } catch (err) {
    const message = String((err as Error).message ?? err);
    const path = /time ?zone|invalid time/i.test(message) ? 'timezone' : 'cron';
    throw unprocessable('The schedule is not valid', [
      { path, message: path === 'timezone' ? `Unknown time zone ${timezone}` : message },
    ]);
  }
  if (!next) throw unprocessable('The schedule never runs', [{ path: 'cron', message: 'No next run' }]);
  return next;
}

function requireDropDir(deps: ImportsDeps): string {
  if (!deps.config.dropDir) {
    throw unprocessable(
      'Scheduled imports need a drop folder: an administrator sets IMPORT_DROP_DIR on the server',
      [{ path: 'folder', message: 'IMPORT_DROP_DIR is not set' }],
    );
  }
  return deps.config.dropDir;
}

async function toSchedule(db: Db, row: ScheduleRow): Promise<ImportSchedule> {
  const last = await db
    .selectFrom('imports')
    .select(['id', 'status', 'counts', 'created_at'])
    .where('schedule_id', '=', row.id)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    folder: row.folder,
    cron: row.cron,
    timezone: row.timezone,
    options: row.options,
    enabled: row.enabled,
    nextRunAt: row.next_run_at?.toISOString() ?? null,
    lastRunAt: row.last_run_at?.toISOString() ?? null,
    lastImport: last
      ? { id: last.id, status: last.status, counts: last.counts, createdAt: last.created_at.toISOString() }
      : null,
  };
}

function parseOptions(value: unknown) {
  const parsed = ImportOptions.safeParse(value ?? {});
  if (!parsed.success) {
    throw unprocessable(
      'The import options are not valid',
      parsed.error.issues.map((i) => ({ path: ['options', ...i.path].join('.'), message: i.message })),
    );
  }
  return parsed.data;
}

const nameTaken = () =>
  conflict('Another schedule has this name', [{ path: 'name', message: 'Already used' }]);

export async function listSchedules(db: Db, ctx: RequestContext): Promise<ImportSchedule[]> {
  assertCan(ctx, 'imports.read');
  const rows = await db
    .selectFrom('import_schedules')
    .selectAll()
    .where('scope_id', '=', ctx.scopeId)
    .orderBy('name')
    .execute();
  return Promise.all(rows.map((r) => toSchedule(db, r)));
}

export async function createSchedule(
  deps: ImportsDeps,
  ctx: RequestContext,
  body: ImportScheduleBody,
): Promise<ImportSchedule> {
  assertCan(ctx, 'imports.run');
  if (isCommercialImport(body.type)) assertCan(ctx, 'settings.write');
  const dropDir = requireDropDir(deps);
  const options = parseOptions(body.options);
  const folder = body.folder ?? body.type;
  const next = nextRun(body.cron, body.timezone);
  await fs.promises.mkdir(path.join(dropDir, folder), { recursive: true });
  try {
    const row = await deps.db
      .insertInto('import_schedules')
      .values({
        scope_id: ctx.scopeId,
        name: body.name,
        type: body.type,
        folder,
        cron: body.cron,
        timezone: body.timezone,
        options: JSON.stringify(options),
        enabled: body.enabled,
        next_run_at: body.enabled ? next : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return await toSchedule(deps.db, row);
  } catch (err) {
    if (uniqueViolation(err)) throw nameTaken();
    throw err;
  }
}

export async function updateSchedule(
  deps: ImportsDeps,
  ctx: RequestContext,
  id: string,
  body: Partial<ImportScheduleBody>,
): Promise<ImportSchedule> {
  assertCan(ctx, 'imports.run');
  const current = await deps.db
    .selectFrom('import_schedules')
    .selectAll()
    .where('id', '=', id)
    .where('scope_id', '=', ctx.scopeId)
    .executeTakeFirst();
  if (!current) throw notFound('The schedule');
  const merged = {
    name: body.name ?? current.name,
    type: body.type ?? current.type,
    folder: body.folder ?? current.folder,
    cron: body.cron ?? current.cron,
    timezone: body.timezone ?? current.timezone,
    options: body.options === undefined ? current.options : parseOptions(body.options),
    enabled: body.enabled ?? current.enabled,
  };
  if (isCommercialImport(merged.type)) assertCan(ctx, 'settings.write');
  const next = nextRun(merged.cron, merged.timezone);
  if (merged.folder !== current.folder)
    await fs.promises.mkdir(path.join(requireDropDir(deps), merged.folder), { recursive: true });
  try {
    const row = await deps.db
      .updateTable('import_schedules')
      .set({
        ...merged,
        options: JSON.stringify(merged.options),
        next_run_at: merged.enabled ? next : null,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return await toSchedule(deps.db, row);
  } catch (err) {
    if (uniqueViolation(err)) throw nameTaken();
    throw err;
  }
}

export async function deleteSchedule(db: Db, ctx: RequestContext, id: string): Promise<void> {
  assertCan(ctx, 'imports.run');
  const deleted = await db
    .deleteFrom('import_schedules')
    .where('id', '=', id)
    .where('scope_id', '=', ctx.scopeId)
    .executeTakeFirst();
  if (!deleted.numDeletedRows) throw notFound('The schedule');
}

/**
 * Runs the schedules that are due: each is claimed by moving its next run forward (one instance wins),
 * then every settled file in its folder is claimed by renaming it (one instance wins) and imported.
 */
export async function runDueSchedules(
  deps: ImportsDeps,
  log: (msg: string, err?: unknown) => void = () => {},
) {
  const dropDir = deps.config.dropDir;
  if (!dropDir) return 0;
  const due = await deps.db
    .selectFrom('import_schedules')
    .selectAll()
    .where('enabled', '=', true)
    .where('next_run_at', '<=', new Date())
    .execute();
  let started = 0;
  for (const schedule of due) {
    const claimed = await deps.db
      .updateTable('import_schedules')
      .set({ next_run_at: nextRun(schedule.cron, schedule.timezone), last_run_at: new Date() })
      .where('id', '=', schedule.id)
      .where('next_run_at', '=', schedule.next_run_at)
      .executeTakeFirst();
    if (!claimed.numUpdatedRows) continue;
    started += await importFolder(deps, schedule, path.join(dropDir, schedule.folder), log);
  }
  return started;
}

async function importFolder(
  deps: ImportsDeps,
  schedule: ScheduleRow,
  folder: string,
  log: (msg: string, err?: unknown) => void,
) {
  const entries = await fs.promises.readdir(folder, { withFileTypes: true }).catch(() => []);
  const processing = path.join(folder, '.processing');
  const done = path.join(folder, '.done');
  await fs.promises.mkdir(processing, { recursive: true });
  await fs.promises.mkdir(done, { recursive: true });
  let started = 0;
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isFile() || !READABLE.test(entry.name)) continue;
    const source = path.join(folder, entry.name);
    const stat = await fs.promises.stat(source).catch(() => null);
    if (!stat || Date.now() - stat.mtimeMs < SETTLE_MS) continue;
    const claimed = path.join(processing, `${new Date().toISOString().replace(/[:.]/g, '-')}-${entry.name}`);
    try {
      await fs.promises.rename(source, claimed);
    } catch {
      continue; // Another instance took it.
    }
    const ctx = systemContext(schedule.scope_id, 'import', `schedule ${schedule.name}`);
    try {
      const created = await createImport(deps, ctx, {
        type: schedule.type,
        sourceName: schedule.name,
        fileName: entry.name,
        options: schedule.options,
        file: claimed,
        size: stat.size,
      });
      await deps.db
        .updateTable('imports')
        .set({ schedule_id: schedule.id })
        .where('id', '=', created.id)
        .execute();
      await startPass(deps, ctx, created.id, 'run').catch(async (err: unknown) => {
        // An incomplete mapping or bad options: the import stays in the history as failed, with the reason.
        const message = err instanceof AppError ? err.message : 'The import could not start';
        await deps.db
          .updateTable('imports')
          .set({ status: 'failed', error: message, finished_at: new Date() })
          .where('id', '=', created.id)
          .execute();
      });
      started++;
    } catch (err) {
      // A file that can't be read still leaves a failed import in the history, with the reason.
      if (!(err instanceof AppError)) log(`scheduled import of ${entry.name} failed`, err);
      await deps.db
        .insertInto('imports')
        .values({
          scope_id: schedule.scope_id,
          type: schedule.type,
          source_name: schedule.name,
          format: /\.xlsx$/i.test(entry.name) ? 'xlsx' : 'csv',
          file_name: entry.name,
          file_size: stat.size,
          status: 'failed',
          error: err instanceof AppError ? err.message : 'The file could not be imported',
          schedule_id: schedule.id,
          created_by_type: ctx.actor.type,
          created_by_id: null,
          created_by_label: ctx.actor.label,
          finished_at: new Date(),
        })
        .execute();
    } finally {
      await fs.promises.rename(claimed, path.join(done, path.basename(claimed))).catch(() => {});
    }
  }
  return started;
}
