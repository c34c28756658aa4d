import fs from 'node:fs';
import { ErrorBody, IdParams } from '../../../contracts/common.ts';
import { ScheduleFileQueued } from '../../../contracts/imports.ts';
import type { App } from '../../deps.ts';
import { assertStorableText } from '../../http/text-guard.ts';
import { AppError, unprocessable } from '../../lib/errors.ts';
import { receiveToTemp, tooLarge } from './file-store.ts';
import type { ImportsDeps } from './imports.service.ts';
import { queueScheduleFile } from './schedule-files.service.ts';

/** Registered inside the imports plugin, which holds the multipart parser and its limits. */
export function scheduleFilesRoutes(app: App, deps: ImportsDeps, maxBytes: number) {
  app.post('/api/import-schedules/:id/files', {
    config: { access: 'imports.run' },
    schema: {
      tags: ['Import schedules'],
      summary: 'Feed a repeating import by upload: the file is queued in its folder, as if dropped there',
      description:
        'multipart/form-data with a `file` part (.csv, .txt, .tsv or .xlsx). The schedule’s next run imports it with the schedule’s type, mapping and options.',
      consumes: ['multipart/form-data'],
      params: IdParams,
      response: { 202: ScheduleFileQueued, 400: ErrorBody, 404: ErrorBody, 413: ErrorBody, 422: ErrorBody },
    },
    handler: async (request, reply) => {
      if (!request.isMultipart()) {
        throw new AppError('invalid_input', 'Send the file as multipart/form-data with a `file` part', [
          { path: 'file', message: 'Required' },
        ]);
      }
      let upload: { path: string; size: number; fileName: string } | null = null;
      try {
        for await (const part of request.parts()) {
          if (part.type !== 'file' || part.fieldname !== 'file') {
            if (part.type === 'file') part.file.resume();
            continue;
          }
          const received = await receiveToTemp(part.file, maxBytes);
          if (part.file.truncated) throw tooLarge(maxBytes);
          upload = { ...received, fileName: part.filename.slice(0, 255) || 'upload' };
        }
        if (!upload)
          throw new AppError('invalid_input', 'Choose a file to import', [
            { path: 'file', message: 'Required' },
          ]);
        assertStorableText({ file: upload.fileName });
        if (!upload.size) throw unprocessable('The file is empty', [{ path: 'file', message: 'Empty' }]);
        const queued = await queueScheduleFile(deps, request.ctx, request.params.id, upload);
        return reply.status(202).send(queued);
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(maxBytes);
        if (err instanceof Error && !(err instanceof AppError) && !('code' in err) && !('statusCode' in err))
          throw new AppError(
            'invalid_input',
            'The upload is not valid multipart/form-data; send a `file` part',
            [{ path: 'file', message: 'Not readable as multipart/form-data' }],
          );
        throw err;
      } finally {
        if (upload) await fs.promises.rm(upload.path, { force: true });
      }
    },
  });
}
