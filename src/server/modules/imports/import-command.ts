import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { ImportType } from '../../../contracts/imports.ts';
import { loadConfig } from '../../config.ts';
import { systemContext, type RequestContext } from '../../http/context.ts';
import type { AppDeps } from '../../deps.ts';
import { AppError } from '../../lib/errors.ts';
import { openRuntime } from '../../runtime.ts';
import { tooLarge } from './file-store.ts';
import { createImport, getImport, rejectionRows, startPass, type ImportsDeps } from './imports.service.ts';
import { writeCsv } from './sources/report.ts';

export type ImportCommandOptions = {
  type?: ImportType;
  source?: string;
  mapping?: string;
  options?: string;
  dryRun?: boolean;
  report?: string;
  resume?: string;
};

function json(name: string, value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new AppError('invalid_input', `--${name} is not valid JSON`);
  }
}

/** `clientele import FILE`: the same import as the portal's, run in this process with a progress bar. */
export async function runImportCommand(file: string | undefined, opts: ImportCommandOptions): Promise<void> {
  if (!opts.resume && (!file || !opts.type)) {
    throw new AppError('invalid_input', 'Give a file and --type, or --resume <import id>');
  }
  const config = loadConfig();
  const stat = file ? await fs.promises.stat(file).catch(() => null) : null;
  if (file && !stat?.isFile()) throw new AppError('invalid_input', `No such file: ${file}`);
  if (stat && stat.size > config.imports.maxFileBytes) throw tooLarge(config.imports.maxFileBytes);
  const deps = await openRuntime(config);
  const ctx = systemContext(deps.scopeId, 'import', 'command line');
  const importsDeps: ImportsDeps = { db: deps.database.db, jobs: deps.jobs, config: config.imports };
  try {
    const id = opts.resume ?? (await start(importsDeps, ctx, file!, stat!.size, opts));
    await follow(deps, ctx, id, Boolean(opts.resume));
    const done = await getImport(deps.database.db, ctx, id);
    const counts = done.status === 'checked' ? done.dryRunCounts! : done.counts;
    const would = done.status === 'checked' ? ' would be' : '';
    console.log(
      `${done.status}: ${counts.created}${would} created, ${counts.updated}${would} updated, ${counts.unchanged} unchanged, ${counts.rejected} rejected`,
    );
    if (done.error) console.log(done.error);
    if (opts.report && counts.rejected > 0) {
      const out = fs.createWriteStream(opts.report);
      await writeCsv(
        out,
        ['Line', 'Column', 'Reason', ...done.columns],
        rejectionRows(deps.database.db, ctx, id),
      );
      await new Promise<void>((resolve) => out.end(() => resolve()));
      console.log(`Rejected rows written to ${opts.report}`);
    }
    if (!['completed', 'checked'].includes(done.status)) process.exitCode = 1;
  } finally {
    await deps.close();
  }
}

async function start(
  deps: ImportsDeps,
  ctx: RequestContext,
  file: string,
  size: number,
  opts: ImportCommandOptions,
): Promise<string> {
  const created = await createImport(deps, ctx, {
    type: opts.type!,
    sourceName: opts.source ?? null,
    fileName: path.basename(file),
    mapping: json('mapping', opts.mapping),
    options: json('options', opts.options),
    file,
    size,
  });
  const mapped = Object.entries(created.mapping)
    .map(([field, s]) => `${field} ← ${s && 'column' in s ? `“${s.column}”` : `“${s?.value}”`}`)
    .join(', ');
  console.log(
    `Import ${created.id}: ${[created.format.toUpperCase(), created.encoding, created.sheet].filter(Boolean).join(' ')}`,
  );
  console.log(`Mapping: ${mapped}`);
  await startPass(deps, ctx, created.id, opts.dryRun ? 'dry-run' : 'run');
  return created.id;
}

/** Works on the import in this process, showing progress: a bar on a terminal, plain lines otherwise. */
async function follow(deps: AppDeps, ctx: RequestContext, id: string, resuming: boolean) {
  const tty = process.stdout.isTTY;
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted} | {phase}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  if (tty) bar.start(100, 0, { rows: 0, rate: '–', phase: 'reading' });
  let last = '';
  const report = async () => {
    const p = (await getImport(deps.database.db, ctx, id)).progress;
    const phase = p.phase === 'applying' ? 'writing' : 'reading';
    if (tty) {
      bar.update(p.percent, {
        rows: p.phase === 'applying' ? p.rowsApplied : p.rowsRead,
        rate: p.rowsPerSecond ?? '–',
        phase,
      });
      return;
    }
    const line = `progress ${phase} read=${p.rowsRead} written=${p.rowsApplied} ${p.percent}%`;
    if (line !== last) console.log((last = line));
  };
  const timer = setInterval(() => void report().catch(() => {}), 500);
  try {
    for (;;) {
      // This process works on the import itself; if it dies, a server (or `--resume`) continues it.
      await deps.imports.process(id);
      const imp = await getImport(deps.database.db, ctx, id);
      if (!resuming || !['checking', 'running', 'scheduled'].includes(imp.status)) break;
      // Resuming: the crashed holder's lease has to run out first.
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    clearInterval(timer);
    if (tty) {
      bar.update(100);
      bar.stop();
    }
  }
}
