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
 *
 * A record with a broken quote (`"Acme" Ltd`, `=HYPERLINK("http://x","y")`, a quote never closed) is cut
 * at the end of its own physical line and rejected alone: the parsing starts again on the next line, so
 * the rows after it are read as they are instead of being swallowed into the broken cell.
 */
export async function* parseDelimited(
  chunks: AsyncIterable<string> | Iterable<string>,
  delimiter: string,
): AsyncGenerator<SourceRow[]> {
  const parser = new Papa.Parser({ delimiter, newline: '\n' });
  const state = { pending: '', line: 0, tooLong: false };
  let heldCr = false;
  for await (const chunk of chunks) {
    // A CR at a chunk's end may be the first half of a CRLF: keep it until the next chunk is seen.
    let text: string = heldCr ? '\r' + chunk : chunk;
    heldCr = text.endsWith('\r');
    if (heldCr) text = text.slice(0, -1);
    state.pending += normaliseNewlines(text);
    yield drain(parser, delimiter, state, false);
    if (state.tooLong) return;
  }
  if (heldCr) state.pending += '\n';
  yield drain(parser, delimiter, state, true);
}

/** An open quoted cell longer than this (a quote that never closes, usually) is taken as broken. */
export const MAX_OPEN_QUOTE_CHARS = 1_000_000;

type ParseState = { pending: string; line: number; tooLong: boolean };

/** The complete records of `state.pending` (all of it when `final`), each broken one cut to its own line. */
function drain(parser: Papa.Parser, delimiter: string, state: ParseState, final: boolean): SourceRow[] {
  const out: SourceRow[] = [];
  for (;;) {
    const result = parser.parse(state.pending, 0, !final) as PapaResult;
    const broken = firstBrokenRecord(result, final, state.pending.length);
    if (broken === null) {
      const rows = toRows(result, state.line, final);
      state.line += rows.length;
      out.push(...rows);
      state.pending = final ? '' : state.pending.slice(result.meta.cursor);
      if (final || state.pending.length <= MAX_OPEN_QUOTE_CHARS) return out;
      // The unfinished record has been open too long: its first line is broken, the rest is read again.
      if (!cutBrokenLine(delimiter, state, 0, out, final)) return out;
      continue;
    }
    const good = toRows({ ...result, data: result.data.slice(0, broken) }, state.line, true);
    state.line += good.length;
    out.push(...good);
    const start =
      broken === 0
        ? 0
        : (
            new Papa.Parser({ delimiter, newline: '\n', preview: broken }).parse(
              state.pending,
              0,
              false,
            ) as PapaResult
          ).meta.cursor;
    if (!cutBrokenLine(delimiter, state, start, out, final)) return out;
  }
}

/** The index of the first record with a quote error that is sure to stay (not one that more text may close). */
function firstBrokenRecord(result: PapaResult, final: boolean, length: number): number | null {
  let first: number | null = null;
  for (const error of result.errors) {
    if (error.row === undefined || (error.code !== 'InvalidQuotes' && error.code !== 'MissingQuotes'))
      continue;
    // Without `final`, a quote still open at the end of the text may close in the next chunk.
    if (!final && error.code === 'MissingQuotes' && length <= MAX_OPEN_QUOTE_CHARS) continue;
    if (first === null || error.row < first) first = error.row;
  }
  return first;
}

/**
 * Rejects the physical line starting at `start` as one broken row (its cells split at the delimiter, as
 * typed) and moves past it. False when the line's end is not read yet (or never comes within the limit).
 */
function cutBrokenLine(
  delimiter: string,
  state: ParseState,
  start: number,
  out: SourceRow[],
  final: boolean,
): boolean {
  const { pending } = state;
  let end = pending.indexOf('\n', start);
  if (end < 0 && !final) {
    state.pending = pending.slice(start);
    if (state.pending.length <= MAX_RECORD_CHARS) return false;
    out.push({
      line: state.line + 1,
      cells: cellsOfLine(state.pending.slice(0, 1000), delimiter),
      error: RECORD_TOO_LONG,
    });
    state.tooLong = true;
    return false;
  }
  if (end < 0) end = pending.length;
  const text = pending.slice(start, end);
  state.line += 1;
  out.push({ line: state.line, cells: cellsOfLine(text, delimiter), error: BROKEN_QUOTE });
  state.pending = pending.slice(end + 1);
  return end < pending.length || !final;
}

const cellsOfLine = (text: string, delimiter: string) => text.split(delimiter);

const BROKEN_QUOTE =
  'A quote (") in this row is not closed or not doubled: quote a whole cell ("Acme ""Best"" Ltd") or ' +
  'leave quotes out; the row was read up to the end of its line';

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
    case 'InvalidQuotes':
      return BROKEN_QUOTE;
    default:
      return error.message;
  }
}

/** CRLF and lone CR become LF everywhere (papaparse takes one newline per file; cells keep LF breaks). */
function normaliseNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}
