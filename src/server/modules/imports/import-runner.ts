import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { z } from 'zod';
import {
  ImportOptions,
  isAttributeTarget,
  type ImportField,
  type ImportMapping,
  type ImportType,
} from '../../../contracts/imports.ts';
import type { Db } from '../../db/client.ts';
import { inBackground } from '../../db/pglite-dialect.ts';
import type { ImportCounts, ImportsTable } from '../../db/schema.ts';
import { defineQueue, type JobRunner } from '../../jobs/job-runner.ts';
import { AppError } from '../../lib/errors.ts';
import { accountNumberPrefix } from '../accounts/accounts.repository.ts';
import type { ContactsDeps } from '../contacts/contacts.service.ts';
import { applyChunk, type ApplyEnv } from './apply.ts';
import { attributeTargets, findTarget } from './import-attributes.ts';
import { deleteFile, materialiseFile } from './file-store.ts';
import { issueLogins, loginSettings } from './logins.ts';
import { prepareStage } from './prepare.ts';
import { enabledLanguages } from '../settings/languages.ts';
import { fillRejectedCells } from './rejected-cells.ts';
import { compileMapping } from './row-validator.ts';
import { detectSource, readRows, type SourceInput } from './sources/source.ts';
import {
  createStage,
  indexStage,
  stageHasRows,
  dropStage,
  insertRejections,
  insertStageRows,
  stageTable,
  type RejectedRow,
  type StagedRow,
} from './stage.ts';
import type { Selectable } from 'kysely';

export const runImportQueue = defineQueue('import.run', z.object({ importId: z.uuid() }), {
  // The lease decides who works on an import; a retried job that finds it taken just ends.
  retry: { limit: 50, delaySeconds: 30, backoff: false },
  expireInSeconds: 6 * 3600,
});
export const sweepImportsQueue = defineQueue('import.sweep', z.object({}), {
  retry: { limit: 0, delaySeconds: 60, backoff: false },
  expireInSeconds: 120,
});

type ImportRow = Selectable<ImportsTable>;
export type ImportRunnerOptions = {
  leaseMs: number;
  batchRows: number;
  /** Line ranges applied at once on separate connections; they still commit in line order. */
  applyWorkers: number;
  /**
   * On the embedded database (one session for everything): how long one batch should hold the session.
   * Batches are then sized to take about that long, and other queries run between them.
   */
  sliceMs?: number;
  /** Also run every minute by the sweeper: the drop-folder schedules. */
  onSweep?: () => Promise<unknown>;
};
export type ImportRunner = ReturnType<typeof createImportRunner>;

class LeaseLost extends Error {}
class Cancelled extends Error {}
class Stopped extends Error {}

// Bounds of a paced batch: a few rows still make progress, and a batch never exceeds IMPORT_BATCH_ROWS.
const MIN_PACED_ROWS = 20;
const FIRST_PACED_ROWS = 50;

/**
 * Sizes batches so each takes about `sliceMs`, from the rate of the ones before (it changes with the work
 * per row: activation emails cost far more than a plain update). Without `sliceMs`, every batch is `batchRows`.
 */
export function createPacer(batchRows: number, sliceMs: number | undefined) {
  let rows = sliceMs ? Math.min(FIRST_PACED_ROWS, batchRows) : batchRows;
  return {
    paced: sliceMs !== undefined,
    rows: () => rows,
    /** Records how long a batch of `done` rows took, to size the next one. */
    took(done: number, ms: number) {
      if (!sliceMs || done <= 0) return;
      const fits = Math.floor((done * sliceMs) / Math.max(ms, 1));
      // Grows at most twofold a batch: one quick batch (all rows unchanged) says little about the next.
      rows = Math.max(MIN_PACED_ROWS, Math.min(batchRows, fits, rows * 2));
    },
    /** Runs one batch of `n` rows, timed for the next one's size. */
    async timed<T>(n: number, batch: () => Promise<T>): Promise<T> {
      const started = performance.now();
      const result = await batch();
      this.took(n, performance.now() - started);
      return result;
    },
  };
}
type Pacer = ReturnType<typeof createPacer>;

/** Lets queued HTTP requests and jobs have the event loop and the session before the next batch. */
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const ZERO: ImportCounts = { created: 0, updated: 0, unchanged: 0, rejected: 0 };

/**
 * Runs import passes (a dry run or the run) in two phases, each resumable: staging reads, validates and
 * loads the file in batches; applying writes line ranges set-based. Every batch commits together with
 * the position it reached, so after a crash the next holder of the lease continues from exactly there.
 */
export function createImportRunner(
  db: Db,
  jobs: JobRunner,
  contacts: ContactsDeps,
  options: ImportRunnerOptions,
) {
  async function claim(importId: string): Promise<{ row: ImportRow; lease: Date } | null> {
    const lease = new Date(Date.now() + options.leaseMs);
    const now = new Date();
    const row = await db
      .updateTable('imports')
      // A scheduled import whose time has come starts running now.
      .set({
        lease_until: lease,
        status: sql`CASE WHEN status = 'scheduled' THEN 'running' ELSE status END`,
        pass_started_at: sql`CASE WHEN status = 'scheduled' THEN now() ELSE pass_started_at END`,
        started_at: sql`CASE WHEN status = 'scheduled' THEN now() ELSE started_at END`,
        updated_at: now,
      })
      .where('id', '=', importId)
      .where((eb) =>
        eb.or([
          eb('status', 'in', ['checking', 'running']),
          eb.and([eb('status', '=', 'scheduled'), eb('scheduled_at', '<=', now)]),
        ]),
      )
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .returningAll()
      .executeTakeFirst();
    return row ? { row, lease } : null;
  }

  /** Renews the lease inside a batch's transaction; a lost lease or a cancel request ends the pass. */
  async function heartbeat(tx: Db, importId: string, lease: { at: Date }, set: Record<string, unknown>) {
    const next = new Date(Date.now() + options.leaseMs);
    const row = await tx
      .updateTable('imports')
      .set({ ...set, lease_until: next, updated_at: new Date() })
      .where('id', '=', importId)
      .where('lease_until', '=', lease.at)
      .returning(['cancel_requested'])
      .executeTakeFirst();
    if (!row) throw new LeaseLost();
    if (row.cancel_requested) throw new Cancelled();
    lease.at = next;
  }

  let stopping = false;
  const inFlight = new Set<Promise<void>>();

  /** Between batches: a server shutting down stops here, after the last committed batch. */
  async function betweenBatches(pacer: Pacer) {
    if (stopping) throw new Stopped();
    if (pacer.paced) await yieldTurn();
  }

  function process(importId: string): Promise<void> {
    if (stopping) return Promise.resolve();
    // Background work: on the embedded database every other query goes before the import's next batch.
    const run = inBackground(() => processNow(importId));
    inFlight.add(run);
    return run.finally(() => inFlight.delete(run));
  }

  async function processNow(importId: string): Promise<void> {
    const claimed = await claim(importId);
    if (!claimed) return;
    const lease = { at: claimed.lease };
    let file: string | null = null;
    // Each phase has its own pace: staging a row costs far less than applying it.
    const pacer = () => createPacer(options.batchRows, options.sliceMs);
    try {
      const imp = await recoverLostStage(claimed.row);
      if (imp.phase !== 'applying') {
        file = imp.format === 'text' ? null : await materialiseFile(db, importId);
        await stage(imp, file, lease, pacer());
      }
      await apply(importId, lease, pacer());
    } catch (err) {
      if (err instanceof LeaseLost) return;
      if (err instanceof Stopped) return await releaseLease(importId, lease);
      if (err instanceof Cancelled) return await finish(importId, 'cancelled', null);
      if (err instanceof AppError) return await finish(importId, 'failed', err.message);
      // An unexpected error (the database went away…): leave the lease to expire and the sweeper to resume.
      throw err;
    } finally {
      if (file) await fs.promises.rm(file, { force: true });
    }
  }

  /** A stopped pass gives its lease back, so the next start (its sweep) resumes it at once. */
  async function releaseLease(importId: string, lease: { at: Date }) {
    await db
      .updateTable('imports')
      .set({ lease_until: null, updated_at: new Date() })
      .where('id', '=', importId)
      .where('lease_until', '=', lease.at)
      .execute();
  }

  /**
   * A database crash empties the unlogged stage. Staging again from the top is exact: the rejections
   * of staging are recounted, and applying continues after the last line it committed.
   */
  async function recoverLostStage(imp: ImportRow): Promise<ImportRow> {
    const expected =
      imp.phase === 'applying'
        ? (imp.total_rows ?? 0) - imp.counts.rejected - imp.rows_applied > 0
        : imp.rows_read > imp.counts.rejected;
    if (!expected || (await stageHasRows(db, imp.id))) return imp;
    return db.transaction().execute(async (tx) => {
      await tx.deleteFrom('import_rejections').where('import_id', '=', imp.id).execute();
      await dropStage(tx, imp.id);
      return tx
        .updateTable('imports')
        .set({
          phase: 'staging',
          rows_read: 0,
          counts: sql`jsonb_set(counts, '{rejected}', '0')`,
        })
        .where('id', '=', imp.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  }

  async function inputOf(imp: ImportRow, file: string | null): Promise<SourceInput> {
    if (file) return { kind: 'file', path: file, fileName: imp.file_name };
    const chunks = await db
      .selectFrom('import_files')
      .select('data')
      .where('import_id', '=', imp.id)
      .orderBy('seq')
      .execute();
    return { kind: 'text', text: Buffer.concat(chunks.map((c) => c.data)).toString('utf8') };
  }

  async function stage(imp: ImportRow, file: string | null, lease: { at: Date }, pacer: Pacer) {
    const opts = ImportOptions.parse(imp.options);
    const input = await inputOf(imp, file);
    const detected = await detectSource(input, { ...(imp.sheet && { sheet: imp.sheet }) });
    const groups = await knownGroups(imp.scope_id);
    const targets = await attributeTargets(db, imp.scope_id, imp.type);
    const mapping = compileMapping(imp.type, imp.columns, imp.mapping as ImportMapping, groups, targets);
    if (mapping.mappingErrors.length)
      throw new AppError('unprocessable', mapping.mappingErrors.map((e) => e.message).join('; '));
    await createStage(db, imp.id);
    let skip = imp.rows_read;
    let headerSeen = !opts.hasHeader;
    let staged: StagedRow[] = [];
    let rejected: RejectedRow[] = [];
    // One batch is written while the next is parsed: on PostgreSQL the two run on different cores.
    let writing: Promise<void> = Promise.resolve();
    const write = (batch: { staged: StagedRow[]; rejected: RejectedRow[] }) =>
      pacer.timed(batch.staged.length + batch.rejected.length, () =>
        db.transaction().execute(async (tx) => {
          await batchSettings(tx);
          await insertStageRows(tx, imp.id, mapping.fields, batch.staged);
          await insertRejections(tx, imp.id, batch.rejected);
          await heartbeat(tx, imp.id, lease, {
            rows_read: sql`rows_read + ${batch.staged.length + batch.rejected.length}`,
            counts: sql`jsonb_set(counts, '{rejected}', to_jsonb((counts->>'rejected')::int + ${batch.rejected.length}))`,
          });
        }),
      );
    const flush = async () => {
      const batch = { staged, rejected };
      staged = [];
      rejected = [];
      // Batches commit in order, each with the position it reached.
      await writing;
      await betweenBatches(pacer);
      writing = write(batch);
      writing.catch(() => undefined); // awaited at the next flush or below
    };
    try {
      for await (const row of readRows(input, detected)) {
        if (!headerSeen) {
          headerSeen = true;
          continue;
        }
        if (skip > 0) {
          skip--;
          continue;
        }
        if (row.error) {
          rejected.push({
            line: row.line,
            cells: row.cells,
            errors: [{ column: null, field: null, message: row.error }],
          });
        } else {
          const result = mapping.validate(row.cells);
          if (result.errors.length)
            rejected.push({ line: row.line, cells: row.cells, errors: result.errors });
          else staged.push({ line: row.line, values: result.values, attributes: result.attributes });
        }
        if (staged.length + rejected.length >= pacer.rows()) await flush();
      }
      await flush();
    } finally {
      // Never leave a batch writing behind a failed read: the caller may drop the stage next.
      await writing.catch(() => undefined);
    }
    await writing;
    const columnOf = (field: ImportField) => mappingColumn(imp.mapping as ImportMapping, field);
    const more = await db.transaction().execute(async (tx) => {
      const more = await prepareStage(tx, imp.id, imp.scope_id, imp.type, columnOf, {
        mandatory: targets.filter((t) => t.mandatory),
        columns: mapping.attributeColumns,
      });
      await indexStage(tx, imp.id);
      // applied_line stays: after a lost stage, applying continues after the last line it committed.
      await heartbeat(tx, imp.id, lease, {
        phase: 'applying',
        total_rows: sql`rows_read`,
        counts: sql`jsonb_set(counts, '{rejected}', to_jsonb((counts->>'rejected')::int + ${more}))`,
      });
      return more;
    });
    if (more > 0) await fillRejectedCells(db, imp.id, () => readRows(input, detected));
  }

  async function apply(importId: string, lease: { at: Date }, pacer: Pacer) {
    const imp = await db
      .selectFrom('imports')
      .selectAll()
      .where('id', '=', importId)
      .executeTakeFirstOrThrow();
    const opts = ImportOptions.parse(imp.options);
    const dryRun = imp.pass === 'dry-run';
    if (opts.allOrNothing && imp.counts.rejected > 0 && !dryRun) {
      throw new AppError(
        'unprocessable',
        `${imp.counts.rejected} row${imp.counts.rejected === 1 ? ' was' : 's were'} rejected, so nothing was imported (all or nothing).`,
      );
    }
    const env: ApplyEnv = {
      importId,
      scopeId: imp.scope_id,
      type: imp.type,
      actor: { type: imp.created_by_type, id: imp.created_by_id, label: imp.created_by_label },
      accountNumberPrefix: await accountNumberPrefix(db, imp.scope_id),
      groupKeys: opts.customerGroups.map((k) => k.toLowerCase()),
      groupsMapped: Boolean((imp.mapping as ImportMapping).customerGroups),
      attributesMapped: await attributesMapped(imp.scope_id, imp.type, imp.mapping as ImportMapping),
      login: await loginSettings(db, imp.scope_id, opts),
      dryRun,
      defaultLanguage: (await enabledLanguages(db, imp.scope_id))[0]!,
    };
    // The embedded database has no autovacuum: tables filled since their last analysis (accounts an ERP or
    // the API created) would be planned as empty, their lookups by a wrong index scanning the whole scope.
    if (pacer.paced) await analyzeGrown(db, IMPORTED_TABLES);
    const stageRef = stageTable(importId);
    const nextRange = async (tx: Db, from: number) => {
      const { rows } = await sql<{
        hi: number | null;
        n: number;
      }>`SELECT max(line) AS hi, count(*)::int AS n FROM (
          SELECT line FROM ${stageRef} WHERE line > ${from} ORDER BY line LIMIT ${pacer.rows()}) c`.execute(
        tx,
      );
      const { hi, n } = rows[0]!;
      return hi === null ? null : { lo: from, hi, n };
    };
    /** One range's writes; `committable` resolves once every earlier range has committed. */
    const applyRange = async (
      t: Db,
      range: { lo: number; hi: number; n: number },
      committable: Promise<void>,
    ) => {
      await batchSettings(t);
      const result = await applyChunk(t, env, range);
      const outcomes = [...result.outcomes.values()];
      const created = outcomes.filter((o) => o === 'created').length;
      const updated = outcomes.length - created;
      if (!dryRun) await issueLogins(t, contacts, imp, opts, result.createdContacts);
      // Ranges commit in line order, so `applied_line` stays the exact point to resume from.
      await committable;
      await heartbeat(t, importId, lease, {
        applied_line: range.hi,
        rows_applied: sql`rows_applied + ${range.n}`,
        counts: sql`jsonb_build_object(
          'created', (counts->>'created')::int + ${created},
          'updated', (counts->>'updated')::int + ${updated},
          'unchanged', (counts->>'unchanged')::int + ${range.n - created - updated},
          'rejected', (counts->>'rejected')::int)`,
      });
    };
    // All or nothing: one transaction for every line, so one failure leaves nothing behind.
    if (opts.allOrNothing && !dryRun) {
      await db.transaction().execute(async (tx) => {
        for (let r = await nextRange(tx, imp.applied_line); r; r = await nextRange(tx, r.hi))
          await applyRange(tx, r, Promise.resolve());
      });
    } else if (pacer.paced) {
      // One range at a time, each sized to hold the embedded database's one session only briefly.
      for (let r = await nextRange(db, imp.applied_line); r; r = await nextRange(db, r.hi)) {
        const range = r;
        await pacer.timed(range.n, () =>
          db.transaction().execute((t) => applyRange(t, range, Promise.resolve())),
        );
        await betweenBatches(pacer);
        // The tables this import fills are looked up by the next ranges: see them grow (a quick sample).
        if (!dryRun) await analyzeGrown(db, LOOKED_UP, { growth: 4, sample: 10 });
      }
    } else {
      // Rows of one range never touch another's (prepare rejected duplicate keys), except in a mixed
      // file, where a contact may need the account an earlier range creates: that runs one range at a time.
      const workers = imp.type === 'mixed' ? 1 : options.applyWorkers;
      const running: Promise<void>[] = [];
      try {
        for (let r = await nextRange(db, imp.applied_line); r; r = await nextRange(db, r.hi)) {
          if (running.length >= workers) await running.shift();
          await betweenBatches(pacer);
          const range = r;
          const committable = running.at(-1) ?? Promise.resolve();
          const done = db.transaction().execute((t) => applyRange(t, range, committable));
          done.catch(() => undefined); // awaited in turn below
          running.push(done);
        }
        for (const done of running) await done;
      } finally {
        // After a failure, the later ranges roll back (their predecessor failed); wait until they have.
        await Promise.allSettled(running);
      }
    }
    await finish(importId, dryRun ? 'checked' : 'completed', null);
    if (pacer.paced && !dryRun) await analyzeGrown(db, IMPORTED_TABLES);
  }

  async function finish(
    importId: string,
    status: 'checked' | 'completed' | 'failed' | 'cancelled',
    error: string | null,
  ) {
    await db.transaction().execute(async (tx) => {
      const imp = await tx
        .selectFrom('imports')
        .select(['pass', 'counts'])
        .where('id', '=', importId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const checked = status === 'checked';
      await tx
        .updateTable('imports')
        .set({
          status,
          error,
          lease_until: null,
          phase: null,
          ...(checked
            ? {
                dry_run_counts: JSON.stringify(imp.counts),
                counts: JSON.stringify(ZERO),
                rows_read: 0,
                applied_line: 0,
                rows_applied: 0,
              }
            : { finished_at: new Date() }),
          updated_at: new Date(),
        })
        .where('id', '=', importId)
        .execute();
      await dropStage(tx, importId);
      if (!checked) await deleteFile(tx, importId);
    });
  }

  /** Which entities' custom attributes the mapping fills. */
  async function attributesMapped(scopeId: string, type: ImportType, mapping: ImportMapping) {
    const names = Object.keys(mapping).filter(isAttributeTarget);
    const targets = names.length ? await attributeTargets(db, scopeId, type) : [];
    const entities = names.map((n) => findTarget(targets, n)?.entity);
    return { account: entities.includes('account'), contact: entities.includes('contact') };
  }

  async function knownGroups(scopeId: string): Promise<Set<string>> {
    const rows = await db
      .selectFrom('customer_groups')
      .select('key')
      .where('scope_id', '=', scopeId)
      .execute();
    return new Set(rows.map((r) => r.key.toLowerCase()));
  }

  /** Imports whose worker stopped answering (a crash, a restart) get a new job; the lease picks one taker. */
  async function sweep(): Promise<number> {
    const stale = await db
      .selectFrom('imports')
      .select('id')
      .where((eb) =>
        eb.or([
          eb('status', 'in', ['checking', 'running']),
          eb.and([eb('status', '=', 'scheduled'), eb('scheduled_at', '<=', new Date())]),
        ]),
      )
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', new Date())]))
      .execute();
    for (const { id } of stale) await jobs.send(runImportQueue, { importId: id });
    return stale.length;
  }

  return {
    process,
    sweep,
    /**
     * Stops the passes running here at their next batch boundary (what they committed stays, their lease is
     * given back) and resolves once they have.
     */
    async stop() {
      stopping = true;
      await Promise.allSettled([...inFlight]);
    },
    async startWorkers() {
      await jobs.work(runImportQueue, ({ importId }) => process(importId), { pollingIntervalSeconds: 1 });
      await jobs.work(sweepImportsQueue, async () => {
        await sweep();
        await options.onSweep?.();
      });
      await jobs.schedule(sweepImportsQueue, '* * * * *', {});
      await sweep();
    },
  };
}

// The tables an import writes to.
const IMPORTED_TABLES = [
  'accounts',
  'addresses',
  'contacts',
  'contact_accounts',
  'account_customer_groups',
  'contact_customer_groups',
  'audit_log',
  'emails',
  'one_time_tokens',
  'events',
];
// The tables the apply statements probe by index for every row (the contacts lookup by email, the account by
// number): planned from stale statistics of a table still small, the probe became a scan of the whole scope.
const LOOKED_UP = ['accounts', 'contacts'];

/**
 * The embedded database runs no autovacuum, so nothing analyses a table an import made much larger: the
 * next import's (and searches') plans would still see it as it was. Each table grown more than `growth`
 * times since its last analysis, one statement each; `sample` (a statistics target) makes it quicker.
 */
async function analyzeGrown(
  db: Db,
  tables: string[],
  o: { growth: number; sample?: number } = { growth: 1.2 },
) {
  const { rows } = await sql<{ name: string }>`SELECT relname AS name FROM pg_class
    WHERE relname = ANY (${tables}::text[]) AND relkind = 'r' AND relnamespace = 'public'::regnamespace
      AND pg_relation_size(oid) / current_setting('block_size')::int > greatest(relpages, 0) * ${o.growth}::float8 + 8`.execute(
    db,
  );
  for (const { name } of rows) {
    if (!o.sample) await sql`ANALYZE ${sql.table(name)}`.execute(db);
    else
      await db.transaction().execute(async (tx) => {
        await sql`SET LOCAL default_statistics_target = ${sql.lit(o.sample)}`.execute(tx);
        await sql`ANALYZE ${sql.table(name)}`.execute(tx);
      });
  }
}

/**
 * For one batch's transaction. JIT compiles each chunk's statement anew (~130 ms a chunk on PostgreSQL 15),
 * more than it saves. Without waiting for the WAL flush, a database crash may lose the last batches, but
 * each batch commits with its position, so they are simply done again: nothing lost, nothing twice.
 */
async function batchSettings(tx: Db) {
  await sql`SET LOCAL jit = off`.execute(tx);
  await sql`SET LOCAL synchronous_commit = off`.execute(tx);
}

function mappingColumn(mapping: ImportMapping, field: ImportField): string | null {
  const source = mapping[field];
  return source && 'column' in source ? source.column : null;
}
