import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ScheduleFileQueued } from '../../../contracts/imports.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { notFound, unprocessable } from '../../lib/errors.ts';
import type { ImportsDeps } from './imports.service.ts';
import { READABLE, SETTLE_MS } from './schedules.service.ts';

/** A file name safe in any folder: no path, no leading dot, only plain characters. */
function safeName(fileName: string): string {
  const base = path.basename(fileName.replace(/\\/g, '/')).replace(/[^A-Za-z0-9._-]+/g, '_');
  return base.replace(/^[._]+/, '').slice(-120) || 'upload.csv';
}

/**
 * Puts an uploaded file into a repeating import's folder, as if someone had dropped it there: its next run
 * imports it with the schedule's type, mapping and options. Written under a hidden name and renamed, already
 * settled, so a run never sees half a file.
 */
export async function queueScheduleFile(
  deps: ImportsDeps,
  ctx: RequestContext,
  scheduleId: string,
  upload: { path: string; fileName: string },
): Promise<ScheduleFileQueued> {
  assertCan(ctx, 'imports.run');
  const schedule = await deps.db
    .selectFrom('import_schedules')
    .select(['folder', 'next_run_at', 'enabled'])
    .where('id', '=', scheduleId)
    .where('scope_id', '=', ctx.scopeId)
    .executeTakeFirst();
  if (!schedule) throw notFound('The schedule');
  if (!deps.config.dropDir) {
    throw unprocessable(
      'Scheduled imports need a drop folder: an administrator sets IMPORT_DROP_DIR on the server',
      [{ path: 'file', message: 'IMPORT_DROP_DIR is not set' }],
    );
  }
  if (!READABLE.test(upload.fileName)) {
    throw unprocessable('A repeating import reads .csv, .txt, .tsv and .xlsx files', [
      { path: 'file', message: 'Use a .csv, .txt, .tsv or .xlsx file' },
    ]);
  }
  const folder = path.join(deps.config.dropDir, schedule.folder);
  await fs.promises.mkdir(folder, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const fileName = `${stamp}-${safeName(upload.fileName)}`;
  const hidden = path.join(folder, `.upload-${randomUUID()}`);
  try {
    await fs.promises.copyFile(upload.path, hidden);
    const settled = new Date(Date.now() - SETTLE_MS - 1000);
    await fs.promises.utimes(hidden, settled, settled);
    await fs.promises.rename(hidden, path.join(folder, fileName));
  } finally {
    await fs.promises.rm(hidden, { force: true });
  }
  return {
    fileName,
    folder: schedule.folder,
    nextRunAt: schedule.enabled ? (schedule.next_run_at?.toISOString() ?? null) : null,
  };
}
