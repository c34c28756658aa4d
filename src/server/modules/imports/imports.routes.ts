import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import multipart from '@fastify/multipart';
import { z } from 'zod';
import { IdParams, page } from '../../../contracts/common.ts';
import {
  Import,
  ImportCreated,
  ImportPreview,
  ImportSummary,
  ImportType,
  IMPORT_TYPES,
  ImportSchedule,
  ImportScheduleBody,
  ImportScheduleUpdateBody,
  ImportUpdateBody,
  ReportQuery,
} from '../../../contracts/imports.ts';
import { createSchedule, deleteSchedule, listSchedules, updateSchedule } from './schedules.service.ts';
import { scheduleFilesRoutes } from './schedule-files.routes.ts';
import type { App, AppDeps } from '../../deps.ts';
import { assertStorableText } from '../../http/text-guard.ts';
import { AppError, unprocessable } from '../../lib/errors.ts';
import { receiveToTemp, tooLarge } from './file-store.ts';
import {
  cancelImport,
  createImport,
  getImport,
  listImports,
  previewImport,
  rejectionRows,
  startPass,
  takeCredentials,
  updateImport,
  type ImportsDeps,
} from './imports.service.ts';
import { writeCsv, writeXlsx } from './sources/report.ts';

const TextImportBody = z.object({
  type: ImportType,
  text: z
    .string()
    .min(1, 'Paste some rows')
    .max(5 * 1024 * 1024, 'Paste at most 5 MB; upload a file instead'),
  sourceName: z.string().trim().max(200).optional(),
  mapping: z.unknown().optional().describe('ImportMapping: field → {column} | {value}'),
  options: z.unknown().optional().describe('ImportOptions'),
});

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(25),
  cursor: z.string().max(200).optional(),
});

/**
 * A body that only claims to be multipart makes the parser fail with a plain Error (no code, no status):
 * that is the client's mistake, a 400, not ours.
 */
function malformedUpload(err: unknown): AppError | undefined {
  if (err instanceof AppError || !(err instanceof Error) || 'code' in err || 'statusCode' in err)
    return undefined;
  return new AppError('invalid_input', 'The upload is not valid multipart/form-data; send a `file` part', [
    { path: 'file', message: 'Not readable as multipart/form-data' },
  ]);
}

/** Multipart text fields that carry JSON: a clear error naming the field when they don't parse. */
function jsonField(name: string, value: string | undefined): unknown {
  if (value === undefined || value.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw unprocessable(`The ${name} field is not valid JSON`, [{ path: name, message: 'Not valid JSON' }]);
  }
  // JSON escapes can spell what the raw field could not hold (\u0000).
  assertStorableText({ [name]: parsed });
  return parsed;
}

export async function importsRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Imports'];
  const importsDeps: ImportsDeps = { db, jobs: deps.jobs, config: deps.config.imports };
  const maxBytes = deps.config.imports.maxFileBytes;
  await app.register(multipart, {
    limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 1024 * 1024, parts: 12 },
  });

  app.post('/api/imports', {
    config: { access: 'imports.run' },
    schema: {
      tags,
      summary: 'Upload a CSV or XLSX file to import',
      description:
        'multipart/form-data with a `file` part and fields `type` (accounts | contacts | individuals | mixed | invoices | payment-terms | price-groups | sales-reps), optional `sourceName`, `mapping` and `options` (JSON). Answers with the detected columns, the suggested (or remembered) mapping and a preview of the first rows with per-cell errors. Nothing is imported until `POST /api/imports/{id}/run`.',
      consumes: ['multipart/form-data'],
      response: { 201: ImportCreated },
    },
    handler: async (request, reply) => {
      if (!request.isMultipart()) {
        throw new AppError('invalid_input', 'Send the file as multipart/form-data with a `file` part', [
          { path: 'file', message: 'Required' },
        ]);
      }
      const fields: Record<string, string> = {};
      let upload: { path: string; size: number; fileName: string } | null = null;
      try {
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            if (part.fieldname !== 'file') {
              part.file.resume();
              continue;
            }
            const received = await receiveToTemp(part.file, maxBytes);
            if (part.file.truncated) throw tooLarge(maxBytes);
            upload = { ...received, fileName: part.filename.slice(0, 255) || 'upload' };
          } else {
            fields[part.fieldname] = String(part.value);
          }
        }
        assertStorableText({ ...fields, ...(upload && { file: upload.fileName }) });
        if (!upload)
          throw new AppError('invalid_input', 'Choose a file to import', [
            { path: 'file', message: 'Required' },
          ]);
        if (!upload.size) throw unprocessable('The file is empty', [{ path: 'file', message: 'Empty' }]);
        const type = ImportType.safeParse(fields.type);
        if (!type.success) {
          throw new AppError('invalid_input', `Choose what the file holds: ${IMPORT_TYPES.join(', ')}`, [
            { path: 'type', message: `Use ${IMPORT_TYPES.join(', ')}` },
          ]);
        }
        const created = await createImport(importsDeps, request.ctx, {
          type: type.data,
          sourceName: fields.sourceName ?? null,
          fileName: upload.fileName,
          mapping: jsonField('mapping', fields.mapping),
          options: jsonField('options', fields.options),
          file: upload.path,
          size: upload.size,
        });
        return reply.status(201).send(created);
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(maxBytes);
        throw malformedUpload(err) ?? err;
      } finally {
        if (upload) await fs.promises.rm(upload.path, { force: true });
      }
    },
  });

  app.post('/api/imports/text', {
    config: { access: 'imports.run' },
    bodyLimit: 6 * 1024 * 1024,
    schema: {
      tags,
      summary: 'Import pasted rows (tab-, comma- or semicolon-separated, as copied from a spreadsheet)',
      body: TextImportBody,
      response: { 201: ImportCreated },
    },
    handler: async (request, reply) =>
      reply.status(201).send(
        await createImport(importsDeps, request.ctx, {
          type: request.body.type,
          sourceName: request.body.sourceName ?? null,
          fileName: null,
          mapping: request.body.mapping,
          options: request.body.options,
          text: request.body.text,
        }),
      ),
  });

  app.get('/api/imports', {
    config: { access: 'imports.read' },
    schema: {
      tags,
      summary: 'Import history, newest first',
      querystring: ListQuery,
      response: { 200: page(ImportSummary) },
    },
    handler: (request) => listImports(db, request.ctx, request.query),
  });

  app.get('/api/imports/:id', {
    config: { access: 'imports.read' },
    schema: {
      tags,
      summary: 'An import: status, counts and progress',
      params: IdParams,
      response: { 200: Import },
    },
    handler: (request) => getImport(db, request.ctx, request.params.id),
  });

  app.patch('/api/imports/:id', {
    config: { access: 'imports.run' },
    schema: {
      tags,
      summary: 'Change the mapping, options or type before running',
      params: IdParams,
      body: ImportUpdateBody,
      response: { 200: Import },
    },
    handler: (request) => updateImport(db, request.ctx, request.params.id, request.body),
  });

  app.get('/api/imports/:id/preview', {
    config: { access: 'imports.read' },
    schema: {
      tags,
      summary: 'The first rows with per-cell validation under the current mapping',
      params: IdParams,
      response: { 200: ImportPreview },
    },
    handler: (request) => previewImport(db, request.ctx, request.params.id),
  });

  for (const pass of ['dry-run', 'run'] as const) {
    app.post(`/api/imports/:id/${pass}`, {
      config: { access: 'imports.run' },
      schema: {
        tags,
        summary:
          pass === 'run'
            ? 'Run the import (now, or at options.scheduledAt)'
            : 'Check the whole file: what would be created, updated, unchanged and rejected, writing nothing',
        params: IdParams,
        response: { 202: Import },
      },
      handler: async (request, reply) =>
        reply.status(202).send(await startPass(importsDeps, request.ctx, request.params.id, pass)),
    });
  }

  app.post('/api/imports/:id/cancel', {
    config: { access: 'imports.run' },
    schema: {
      tags,
      summary: 'Stop the import after its current batch; rows already imported stay',
      params: IdParams,
      response: { 202: Import },
    },
    handler: async (request, reply) =>
      reply.status(202).send(await cancelImport(db, request.ctx, request.params.id)),
  });

  app.get('/api/imports/:id/report', {
    config: { access: 'imports.read' },
    schema: {
      tags,
      summary: 'The rejected rows with line, column and reason (CSV or XLSX)',
      params: IdParams,
      querystring: ReportQuery,
    },
    handler: async (request, reply) => {
      const imp = await getImport(db, request.ctx, request.params.id);
      const header = ['Line', 'Column', 'Reason', ...imp.columns];
      const rows = rejectionRows(db, request.ctx, imp.id);
      const out = new PassThrough();
      const base = `rejected-rows-${imp.id.slice(0, 8)}`;
      const xlsx = request.query.format === 'xlsx';
      void (xlsx ? writeXlsx(out, 'Rejected rows', header, rows) : writeCsv(out, header, rows)).catch(
        (err: unknown) => out.destroy(err as Error),
      );
      return reply
        .type(
          xlsx
            ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
            : 'text/csv; charset=utf-8',
        )
        .header('content-disposition', `attachment; filename="${base}.${xlsx ? 'xlsx' : 'csv'}"`)
        .send(out);
    },
  });

  app.get('/api/imports/:id/credentials', {
    config: { access: 'imports.run' },
    schema: {
      tags,
      summary: 'The generated passwords as CSV; they are deleted once downloaded',
      params: IdParams,
    },
    handler: async (request, reply) => {
      const rows = await takeCredentials(db, request.ctx, request.params.id);
      const out = new PassThrough();
      void writeCsv(
        out,
        ['Email', 'Password'],
        rows.map((r) => [r.email, r.password]),
      ).catch((err: unknown) => out.destroy(err as Error));
      return reply
        .type('text/csv; charset=utf-8')
        .header('cache-control', 'no-store')
        .header(
          'content-disposition',
          `attachment; filename="passwords-${request.params.id.slice(0, 8)}.csv"`,
        )
        .send(out);
    },
  });

  scheduleFilesRoutes(app, importsDeps, maxBytes);
  const schedules = ['Import schedules'];
  app.get('/api/import-schedules', {
    config: { access: 'imports.read' },
    schema: {
      tags: schedules,
      summary: 'Repeating imports from drop folders, with their last outcome',
      response: { 200: z.object({ items: z.array(ImportSchedule), dropDirConfigured: z.boolean() }) },
    },
    handler: async (request) => ({
      items: await listSchedules(db, request.ctx),
      dropDirConfigured: Boolean(deps.config.imports.dropDir),
    }),
  });

  app.post('/api/import-schedules', {
    config: { access: 'imports.run' },
    schema: {
      tags: schedules,
      summary: 'Import every file dropped in IMPORT_DROP_DIR/<folder>, on a cron schedule',
      body: ImportScheduleBody,
      response: { 201: ImportSchedule },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await createSchedule(importsDeps, request.ctx, request.body)),
  });

  app.patch('/api/import-schedules/:id', {
    config: { access: 'imports.run' },
    schema: {
      tags: schedules,
      summary: 'Change or pause a schedule',
      params: IdParams,
      body: ImportScheduleUpdateBody,
      response: { 200: ImportSchedule },
    },
    handler: (request) => updateSchedule(importsDeps, request.ctx, request.params.id, request.body),
  });

  app.delete('/api/import-schedules/:id', {
    config: { access: 'imports.run' },
    schema: {
      tags: schedules,
      summary: 'Delete a schedule (its imports stay in the history)',
      params: IdParams,
    },
    handler: async (request, reply) => {
      await deleteSchedule(db, request.ctx, request.params.id);
      return reply.status(204).send();
    },
  });
}
