import { Transform, type Readable } from 'node:stream';
import yauzl from 'yauzl';
import { AppError } from '../../../lib/errors.ts';
import { sourceError } from './source-error.ts';

export type ZipLimits = { maxUncompressedBytes: number; maxCompressionRatio: number };

/** Entries smaller than this are never called a bomb, however well they compress. */
const LARGE_ENTRY_BYTES = 10 * 1024 * 1024;

export const NOT_A_ZIP = 'The file is not a valid XLSX workbook (it could not be unzipped).';
const ZIP_BOMB =
  'The workbook unpacks to far more data than the file holds (it looks like a "zip bomb"), so it was not read. ' +
  'Save it again from Excel, or export it as CSV.';
const DAMAGED = 'The XLSX workbook is damaged: part of it could not be unzipped. Save it again from Excel.';

export type Zip = {
  has(name: string): boolean;
  /** The inflated bytes of an entry, counted against the limits as they arrive (declared sizes can lie). */
  open(name: string): Promise<Readable>;
  close(): void;
};

/**
 * Opens an XLSX (zip) file through its central directory, refusing archives that declare more inflated
 * bytes than the limits allow. Part names are matched without regard to case, as OOXML requires.
 */
export async function openZip(path: string, limits: ZipLimits): Promise<Zip> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, validateEntrySizes: true, autoClose: false });
  } catch {
    throw sourceError(NOT_A_ZIP);
  }
  const entries = new Map<string, yauzl.Entry>();
  let declared = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      entries.set(entry.fileName.toLowerCase(), entry);
      declared += entry.uncompressedSize;
      if (isBomb(entry.uncompressedSize, entry.compressedSize, limits)) throw sourceError(ZIP_BOMB);
    }
  } catch (err) {
    zip.close();
    throw err instanceof AppError ? err : sourceError(NOT_A_ZIP);
  }
  if (declared > limits.maxUncompressedBytes) {
    zip.close();
    throw sourceError(ZIP_BOMB);
  }

  let inflated = 0;
  return {
    has: (name) => entries.has(name.toLowerCase()),
    close: () => zip.close(),
    async open(name) {
      const entry = entries.get(name.toLowerCase());
      if (!entry) throw sourceError(DAMAGED);
      let source: Readable;
      try {
        source = await zip.openReadStreamPromise(entry);
      } catch {
        throw sourceError(DAMAGED);
      }
      let entryBytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          entryBytes += chunk.length;
          inflated += chunk.length;
          const over = inflated > limits.maxUncompressedBytes;
          if (over || isBomb(entryBytes, entry.compressedSize, limits)) done(sourceError(ZIP_BOMB));
          else done(null, chunk);
        },
      });
      // yauzl fails an entry that inflates past its declared size; that is a bomb's trick too.
      source.on('error', (err: Error) =>
        counter.destroy(/too many bytes/.test(err.message) ? sourceError(ZIP_BOMB) : sourceError(DAMAGED)),
      );
      counter.on('close', () => source.destroy());
      return source.pipe(counter);
    },
  };
}

function isBomb(inflated: number, compressed: number, limits: ZipLimits): boolean {
  return inflated > LARGE_ENTRY_BYTES && inflated > Math.max(compressed, 1) * limits.maxCompressionRatio;
}

/** Iterates `source`, failing with `onStall()` when one item takes longer than `ms` to arrive. */
export async function* withStallTimeout<T>(
  source: AsyncIterable<T>,
  ms: number,
  onStall: () => Error,
): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let stalled = false;
  try {
    for (;;) {
      const pending = iterator.next();
      const next = await new Promise<IteratorResult<T>>((resolve, reject) => {
        const timer = setTimeout(() => {
          stalled = true;
          pending.catch(() => undefined);
          reject(onStall());
        }, ms);
        pending.then(
          (result) => (clearTimeout(timer), resolve(result)),
          (err: unknown) => (clearTimeout(timer), reject(err as Error)),
        );
      });
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // A stalled iterator may never answer: ask it to stop without waiting.
    if (stalled) void iterator.return?.()?.catch(() => undefined);
    else await iterator.return?.();
  }
}
