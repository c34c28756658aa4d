import { once } from 'node:events';
import type { Stream } from 'node:stream';
import ExcelJS from 'exceljs';

/** One rejected row of an import, as the report lists it. */
export type ReportRow = { line: number; column: string | null; reason: string; cells: string[] | null };

type Rows = AsyncIterable<string[]> | Iterable<string[]>;

// A number, signed or not, is only a number to a spreadsheet: "-12.5" and "+1" stay as they are (and "-"
// alone, the usual "nothing" placeholder, means nothing to it either).
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)(?:[eE][+-]?\d+)?$/;

// An international phone number: + then digits, spaces and ( ) . / - only. Without letters, quotes, ! or |
// a spreadsheet can at worst do arithmetic with it: no function call, no link, no DDE command.
const PHONE = /^\+[\d ()./-]+$/;
const isPhone = (value: string) => PHONE.test(value) && (value.match(/\d/g)?.length ?? 0) >= 5;

/**
 * A cell a spreadsheet would run as a formula (CSV injection) gets a leading apostrophe: one starting
 * with = + - @ (after any whitespace), a tab or a carriage return. Plain numbers and phone numbers are
 * left alone, so a report's rows can be fixed and imported again as they are.
 */
export function neutraliseCell(value: string): string {
  if (value === '-' || PLAIN_NUMBER.test(value) || isPhone(value)) return value;
  return /^[\t\r]|^\s*[=+\-@]/.test(value) ? `'${value}` : value;
}

/**
 * Writes a CSV file (RFC 4180 quoting, CRLF, UTF-8 with a byte-order mark so Excel reads accents right)
 * to `out`, neutralising every cell, waiting whenever `out` asks to, and ends `out`.
 */
export async function writeCsv(out: NodeJS.WritableStream, header: string[], rows: Rows): Promise<void> {
  const errors = watchErrors(out);
  try {
    let buffer = '\ufeff' + csvLine(header);
    for await (const row of rows) {
      buffer += csvLine(row);
      if (buffer.length >= 64 * 1024) {
        await write(out, buffer);
        errors.check();
        buffer = '';
      }
    }
    await write(out, buffer);
    await new Promise<void>((resolve) => out.end(() => resolve()));
    errors.check();
  } finally {
    errors.stop();
  }
}

function csvLine(cells: string[]): string {
  return cells.map((cell) => csvField(neutraliseCell(cell))).join(',') + '\r\n';
}

// Semicolons and tabs are quoted too: Excel in many European locales splits on them.
function csvField(value: string): string {
  return /[",;\t\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (text && !out.write(text)) await drained(out);
}

async function drained(out: NodeJS.WritableStream): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([
      once(out, 'drain', { signal: stop.signal }),
      once(out, 'close', { signal: stop.signal }).then(() => {
        throw new Error('The output was closed before the file was written');
      }),
    ]);
  } finally {
    stop.abort();
  }
}

/** Keeps an error `out` emits while being written (unheard, it would crash the process) for `check()`. */
function watchErrors(out: NodeJS.WritableStream) {
  let failure: unknown;
  const onError = (err: unknown) => (failure ??= err);
  out.on('error', onError);
  return {
    check: () => {
      if (failure !== undefined) throw failure;
    },
    stop: () => out.off('error', onError),
  };
}

const EXCEL_MAX_CELL = 32_767;

/**
 * Writes a one-sheet XLSX workbook with exceljs's streaming writer: cells as (neutralised) text, a bold
 * frozen header, columns as wide as the header and first rows need. Ends `out`.
 */
export async function writeXlsx(
  out: NodeJS.WritableStream,
  sheetName: string,
  header: string[],
  rows: Rows,
): Promise<void> {
  const errors = watchErrors(out);
  try {
    await writeWorkbook(out, sheetName, header, rows, errors.check);
  } finally {
    errors.stop();
  }
}

async function writeWorkbook(
  out: NodeJS.WritableStream,
  sheetName: string,
  header: string[],
  rows: Rows,
  checkErrors: () => void,
): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out as unknown as Stream,
    useStyles: true,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet(safeSheetName(sheetName), { views: [{ state: 'frozen', ySplit: 1 }] });
  const iterator = toAsync(rows);
  const first: string[][] = [];
  while (first.length < 100) {
    const next = await iterator.next();
    if (next.done) break;
    first.push(next.value);
  }
  sheet.columns = header.map((title, i) => ({
    width: columnWidth([title, ...first.map((r) => r[i] ?? '')]),
  }));
  const headerRow = sheet.addRow(header.map(xlsxCell));
  headerRow.font = { bold: true };
  headerRow.commit();
  let count = 0;
  const add = async (row: string[]) => {
    sheet.addRow(row.map(xlsxCell)).commit();
    // exceljs never pushes back: unless the event loop gets a turn every hundred rows (about what zlib
    // compresses in one), its zip stream does not run and the whole sheet piles up in memory.
    if (++count % 100 === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      if ((out as { writableNeedDrain?: boolean }).writableNeedDrain) await drained(out);
      checkErrors();
    }
  };
  for (const row of first) await add(row);
  for await (const row of iterator) await add(row);
  sheet.commit();
  await workbook.commit();
}

async function* toAsync(rows: Rows): AsyncGenerator<string[]> {
  yield* rows;
}

// Excel's own cell limit; a longer text makes Excel "repair" the file.
const xlsxCell = (value: string) => neutraliseCell(value).slice(0, EXCEL_MAX_CELL);

function columnWidth(values: string[]): number {
  const longest = Math.max(...values.map((v) => Math.max(...v.split('\n').map((line) => line.length))));
  return Math.min(Math.max(longest + 2, 8), 60);
}

/** Excel sheet names: at most 31 characters, none of : \ / ? * [ ]. */
function safeSheetName(name: string): string {
  return (
    name
      .replace(/[:\\/?*[\]]/g, ' ')
      .trim()
      .slice(0, 31) || 'Sheet1'
  );
}
