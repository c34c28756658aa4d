import fs from 'node:fs';
import Papa from 'papaparse';
import { createDecoder, type CsvEncoding } from './encoding.ts';
import type { SourceRow } from './source.ts';

export const CSV_DELIMITERS = [',', ';', '\t', '|'];
const CHUNK_BYTES = 256 * 1024;
/** A record still open after this many characters stops the read (a quote that never closes, usually). */
export const MAX_RECORD_CHARS = 10_000_000;

/** Papaparse's guess over the first ten records: the most consistent column count above one, else ','. */
export function detectDelimiter(sample: string): string {
  const result = Papa.parse<string[]>(normaliseNewlines(sample), {
    preview: 10,
    newline: '\n',
    skipEmptyLines: true,
    delimitersToGuess: CSV_DELIMITERS,
  });
  const guessed = result.meta.delimiter;
  return CSV_DELIMITERS.includes(guessed) ? guessed : ',';
}

/** The decoded text of a file, chunk by chunk, read only as fast as it is consumed. */
export async function* fileChunks(
  path: string,
  encoding: CsvEncoding,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  const decoder = createDecoder(encoding);
  const stream = fs.createReadStream(path, { highWaterMark: CHUNK_BYTES, signal });
  for await (const bytes of stream as AsyncIterable<Buffer>) {
    const text = decoder.decode(bytes);
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

export function* textChunks(text: string): Generator<string> {
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  for (let i = 0; i < body.length; i += CHUNK_BYTES) yield body.slice(i, i + CHUNK_BYTES);
}

type PapaError = { code: string; message: string; row?: number };
type PapaResult = { data: string[][]; errors: PapaError[]; meta: { cursor: number } };

/**
 * Parses delimited text incrementally with papaparse's low-level parser: the complete records of each chunk
 * are yielded as one batch before the next chunk is read; the unfinished last record waits for more text.
 * `line` counts records from 1, blank ones too, as a spreadsheet numbers its rows.
 */
export async function* parseDelimited(
  chunks: AsyncIterable<string> | Iterable<string>,
  delimiter: string,
): AsyncGenerator<SourceRow[]> {
  const parser = new Papa.Parser({ delimiter, newline: '\n' });
  let pending = '';
  let heldCr = false;
  let line = 0;
  for await (const chunk of chunks) {
    // A CR at a chunk's end may be the first half of a CRLF: keep it until the next chunk is seen.
    let text: string = heldCr ? '\r' + chunk : chunk;
    heldCr = text.endsWith('\r');
    if (heldCr) text = text.slice(0, -1);
    pending += normaliseNewlines(text);
    const result = parser.parse(pending, 0, true) as PapaResult;
    pending = pending.slice(result.meta.cursor);
    const rows = toRows(result, line, false);
    line += rows.length;
    yield rows;
    if (pending.length > MAX_RECORD_CHARS) {
      const cells = (parser.parse(pending, 0, false) as PapaResult).data[0] ?? [];
      yield [{ line: line + 1, cells, error: RECORD_TOO_LONG }];
      return;
    }
  }
  yield toRows(parser.parse(pending + (heldCr ? '\n' : ''), 0, false) as PapaResult, line, true);
}

const RECORD_TOO_LONG =
  'This row is longer than 10 million characters (most likely a quote (") that is never closed), ' +
  'so the rest of the file was not read';

/** Each parsed record, numbered on from `line`, with its papaparse errors turned into one readable reason. */
function toRows(result: PapaResult, line: number, final: boolean): SourceRow[] {
  const reasons = new Map<number, Set<string>>();
  for (const error of result.errors) {
    // Without `final`, an error on the unfinished last record is reported again once it is complete.
    if (error.row === undefined || (!final && error.row >= result.data.length)) continue;
    const set = reasons.get(error.row) ?? new Set<string>();
    set.add(readableError(error));
    reasons.set(error.row, set);
  }
  return result.data.map((cells, index) => {
    const reason = reasons.get(index);
    const row = { line: line + index + 1, cells };
    return reason ? { ...row, error: [...reason].join('; ') } : row;
  });
}

function readableError(error: PapaError): string {
  switch (error.code) {
    case 'MissingQuotes':
      return 'Unclosed quote: the row runs to the end of the file';
    case 'InvalidQuotes':
      return 'A quoted cell has a stray quote (") in it: quotes inside a quoted cell must be doubled ("")';
    default:
      return error.message;
  }
}

/** CRLF and lone CR become LF everywhere (papaparse takes one newline per file; cells keep LF breaks). */
function normaliseNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}
