import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Executor } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';

const CHUNK = 1024 * 1024;

export const tempPath = (name: string) =>
  path.join(
    os.tmpdir(),
    `clientele-import-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}-${name}`,
  );

/** Copies a stream to a temporary file, refusing it beyond `maxBytes`; returns the path and size. */
export async function receiveToTemp(
  source: Readable,
  maxBytes: number,
): Promise<{ path: string; size: number }> {
  const file = tempPath('upload');
  let size = 0;
  try {
    await pipeline(
      source,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          size += chunk.length;
          if (size > maxBytes) throw tooLarge(maxBytes);
          yield chunk;
        }
      },
      fs.createWriteStream(file),
    );
    return { path: file, size };
  } catch (err) {
    await fs.promises.rm(file, { force: true });
    throw err;
  }
}

export const tooLarge = (maxBytes: number) =>
  new AppError('invalid_input', `The file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`, [
    { path: 'file', message: 'Too large' },
  ]);

/** Keeps the uploaded file in the database, so any instance can run the import, before or after a restart. */
export async function storeFile(db: Executor, importId: string, file: string): Promise<void> {
  let seq = 0;
  const stream = fs.createReadStream(file, { highWaterMark: CHUNK });
  for await (const data of stream as AsyncIterable<Buffer>) {
    await db.insertInto('import_files').values({ import_id: importId, seq: seq++, data }).execute();
  }
}

/** Writes the stored file back to a temporary file for reading; the caller removes it. */
export async function materialiseFile(db: Executor, importId: string): Promise<string> {
  const file = tempPath(importId);
  const out = fs.createWriteStream(file);
  try {
    for (let seq = 0; ; seq++) {
      const row = await db
        .selectFrom('import_files')
        .select('data')
        .where('import_id', '=', importId)
        .where('seq', '=', seq)
        .executeTakeFirst();
      if (!row) break;
      if (!out.write(row.data)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    return file;
  } catch (err) {
    out.destroy();
    await fs.promises.rm(file, { force: true });
    throw err;
  }
}

export async function deleteFile(db: Executor, importId: string): Promise<void> {
  await db.deleteFrom('import_files').where('import_id', '=', importId).execute();
}
