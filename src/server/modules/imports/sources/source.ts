import fs from 'node:fs/promises';
import { detectDelimiter, fileChunks, parseDelimited, textChunks } from './csv.ts';
import { createDecoder, detectEncoding, type CsvEncoding } from './encoding.ts';
import { sourceError } from './source-error.ts';
import { chooseSheet, listSheets, readSheetRows } from './xlsx.ts';
import { NOT_A_ZIP } from './zip.ts';

export type SourceLimits = {
  /** More columns than this in the header row fails the read. */
  maxColumns: number;
  /** XLSX: inflated bytes allowed in all. */
  maxUncompressedBytes: number;
  /** XLSX: an entry inflating past 10 MB at more than this many times its compressed size is a zip bomb. */
  maxCompressionRatio: number;
  /** XLSX: give up when reading makes no progress for this long. */
  xlsxTimeoutMs: number;
};

export const DEFAULT_SOURCE_LIMITS: SourceLimits = {
  maxColumns: 200,
  maxUncompressedBytes: 1024 ** 3,
  maxCompressionRatio: 200,
  xlsxTimeoutMs: 120_000,
};

export type SourceInput =
  { kind: 'file'; path: string; fileName: string | null } | { kind: 'text'; text: string };

export type DetectedSource = {
  format: 'csv' | 'xlsx' | 'text';
  /** CSV only: 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252'. */
  encoding: string | null;
  /** CSV and pasted text: ',' | ';' | '\t' | '|'. */
  delimiter: string | null;
  /** XLSX: the worksheet names in order. */
  sheets: string[];
  /** XLSX: the sheet to read. */
  sheet: string | null;
};

/**
 * `line` is the row number a spreadsheet shows (the header is 1); `error` marks a row the parser could
 * not make sense of, with the cells it got so far.
 */
export type SourceRow = { line: number; cells: string[]; error?: string };

const HEAD_BYTES = 1024 * 1024;
const SAMPLE_CHARS = 64 * 1024;
const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];
const OLE_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0];
const EMPTY = 'The file is empty.';
const OLD_XLS =
  'Old .xls files are not supported: save it as .xlsx or CSV. ' +
  '(A password-protected workbook looks the same: remove the password first.)';

/** Works out what a file (or pasted text) is and how to read it; reads at most its first megabyte. */
export async function detectSource(
  input: SourceInput,
  opts: { sheet?: string; limits?: Partial<SourceLimits> } = {},
): Promise<DetectedSource> {
  const limits = { ...DEFAULT_SOURCE_LIMITS, ...opts.limits };
  if (input.kind === 'text') {
    if (input.text.replace(/^\ufeff/, '').trim() === '') throw sourceError('The pasted text is empty.');
    return {
      format: 'text',
      encoding: null,
      delimiter: detectDelimiter(sample(input.text, true)),
      sheets: [],
      sheet: null,
    };
  }
  const { head, wholeFile } = await readHead(input.path);
  if (startsWith(head, ZIP_SIGNATURE)) {
    const sheets = await listSheets(input.path, limits);
    return {
      format: 'xlsx',
      encoding: null,
      delimiter: null,
      sheets,
      sheet: chooseSheet(sheets, opts.sheet),
    };
  }
  if (startsWith(head, OLE_SIGNATURE)) throw sourceError(OLD_XLS);
  if (/\.xls[xm]$/i.test(input.fileName ?? '')) throw sourceError(NOT_A_ZIP);
  if (head.length === 0) throw sourceError(EMPTY);

  const encoding = detectEncoding(head, wholeFile);
  const text = createDecoder(encoding).decode(head);
  if (looksBinary(text)) throw sourceError('The file is neither CSV text nor an XLSX workbook.');
  if (wholeFile && text.trim() === '') throw sourceError(EMPTY);
  return {
    format: 'csv',
    encoding,
    delimiter: detectDelimiter(sample(text, wholeFile)),
    sheets: [],
    sheet: null,
  };
}

/**
 * The rows of a detected source, streamed: the next rows are read only when these are consumed.
 * Blank rows are skipped. The first row (the header) loses its trailing blank cells and fails the read
 * when wider than `maxColumns`; later rows lose blank cells beyond the header's width, and keep others.
 */
export function readRows(
  input: SourceInput,
  detected: DetectedSource,
  opts: { limits?: Partial<SourceLimits>; signal?: AbortSignal } = {},
): AsyncIterable<SourceRow> {
  const limits = { ...DEFAULT_SOURCE_LIMITS, ...opts.limits };
  return shapeRows(rawRows(input, detected, limits, opts.signal), limits.maxColumns);
}

function rawRows(
  input: SourceInput,
  detected: DetectedSource,
  limits: SourceLimits,
  signal?: AbortSignal,
): AsyncIterable<SourceRow[]> {
  if (input.kind === 'text') return parseDelimited(textChunks(input.text), detected.delimiter ?? ',');
  if (detected.format === 'xlsx') return readSheetRows(input.path, detected.sheet, limits, signal);
  const encoding = ENCODINGS.find((e) => e === detected.encoding) ?? 'utf-8';
  return parseDelimited(fileChunks(input.path, encoding, signal), detected.delimiter ?? ',');
}

const ENCODINGS: CsvEncoding[] = ['utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be', 'windows-1252'];

// The readers hand over batches: one generator step per row, not one per layer, keeps reading fast.
async function* shapeRows(
  batches: AsyncIterable<SourceRow[]>,
  maxColumns: number,
): AsyncGenerator<SourceRow> {
  let width = -1;
  for await (const batch of batches) {
    for (const row of batch) {
      if (!row.error && row.cells.every(isBlank)) continue;
      if (width < 0) {
        row.cells = withoutTrailingBlanks(row.cells, 0);
        if (row.cells.length > maxColumns)
          throw sourceError(`The file has ${row.cells.length} columns; at most ${maxColumns} are allowed.`);
        width = row.cells.length;
      } else row.cells = withoutTrailingBlanks(row.cells, width);
      yield row;
    }
  }
}

const isBlank = (cell: string) => cell.trim() === '';

function withoutTrailingBlanks(cells: string[], keep: number): string[] {
  let end = cells.length;
  while (end > keep && isBlank(cells[end - 1]!)) end--;
  return end === cells.length ? cells : cells.slice(0, end);
}

async function readHead(file: string): Promise<{ head: Buffer; wholeFile: boolean }> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return { head: head.subarray(0, bytesRead), wholeFile: bytesRead >= size };
  } finally {
    await handle.close();
  }
}

const startsWith = (bytes: Buffer, signature: number[]) => signature.every((b, i) => bytes[i] === b);

/** Text has next to no NUL characters; PDFs, images and other binaries have plenty. */
function looksBinary(text: string): boolean {
  let nuls = 0;
  for (let i = text.indexOf('\0'); i >= 0; i = text.indexOf('\0', i + 1)) nuls++;
  return nuls > 0 && nuls >= text.length / 200;
}

/** The first complete lines of the text, for guessing the delimiter. */
function sample(text: string, wholeText: boolean): string {
  const head = text.slice(0, SAMPLE_CHARS);
  if (wholeText && head.length === text.length) return head;
  const lastBreak = Math.max(head.lastIndexOf('\n'), head.lastIndexOf('\r'));
  return lastBreak > 0 ? head.slice(0, lastBreak) : head;
}
