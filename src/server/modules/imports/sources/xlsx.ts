import path from 'node:path/posix';
import type { Readable } from 'node:stream';
import type { SourceLimits, SourceRow } from './source.ts';
import { sourceError } from './source-error.ts';
import {
  formatExcelDate,
  formatIsoDate,
  formatNumber,
  isDateFormat,
  unescapeExcelText,
} from './xlsx-values.ts';
import { parseXml, readXml } from './xml.ts';
import { openZip, type Zip } from './zip.ts';

// The workbook is read here with yauzl + saxes rather than exceljs's streaming reader: that reader follows
// the zip's entry order, and fails on workbooks whose workbook.xml comes after the sheets (exceljs#3064),
// reads dates as numbers when styles.xml comes late, and skips sheets not named sheetN.xml.

type Workbook = {
  sheets: { name: string; part: string }[];
  sharedStrings: string | null;
  styles: string | null;
  date1904: boolean;
};

const NOT_A_WORKBOOK = 'The file is a zip archive but not an XLSX workbook.';

/** The workbook's worksheet names in order (chart sheets left out). */
export async function listSheets(file: string, limits: SourceLimits): Promise<string[]> {
  const zip = await openZip(file, limits);
  try {
    return (await readWorkbook(zip, limits.xlsxTimeoutMs)).sheets.map((s) => s.name);
  } finally {
    zip.close();
  }
}

/** The sheet asked for (by exact name, else ignoring case and spaces around it), or the first. */
export function chooseSheet(sheets: string[], asked: string | undefined): string {
  if (sheets.length === 0) throw sourceError('The workbook has no sheets to import.');
  if (asked === undefined || asked.trim() === '') return sheets[0]!;
  const found = sheets.find((s) => s === asked) ?? sheets.find((s) => same(s, asked));
  if (found !== undefined) return found;
  const names = sheets.map((s) => `"${s}"`).join(', ');
  throw sourceError(`The workbook has no sheet named "${asked}". Its sheets are: ${names}.`);
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The rows of one sheet as text cells, numbered as the sheet numbers them, in batches. */
export async function* readSheetRows(
  file: string,
  sheetName: string | null,
  limits: SourceLimits,
  signal?: AbortSignal,
): AsyncGenerator<SourceRow[]> {
  const zip = await openZip(file, limits);
  try {
    const book = await readWorkbook(zip, limits.xlsxTimeoutMs);
    const sheet = chooseSheet(
      book.sheets.map((s) => s.name),
      sheetName ?? undefined,
    );
    const part = book.sheets.find((s) => s.name === sheet)!.part;
    if (!zip.has(part)) throw sourceError(NOT_A_WORKBOOK);
    const strings = book.sharedStrings ? await readSharedStrings(zip, book.sharedStrings, limits) : [];
    const dateStyles = book.styles ? await readDateStyles(zip, book.styles, limits) : [];
    const text = (type: string, raw: string, style: number): string => {
      switch (type) {
        case 's':
          return strings[Number(raw)] ?? '';
        case 'str':
        case 'inlineStr':
          return unescapeExcelText(raw);
        case 'b':
          return raw === '' ? '' : raw === '1' || raw === 'true' ? 'TRUE' : 'FALSE';
        case 'e':
          return '';
        case 'd':
          return formatIsoDate(raw);
        default: {
          const n = raw.trim() === '' ? NaN : Number(raw);
          if (Number.isNaN(n)) return raw;
          return dateStyles[style] ? formatExcelDate(n, book.date1904) : formatNumber(n);
        }
      }
    };
    yield* sheetRows(await zip.open(part), text, limits.xlsxTimeoutMs, signal);
  } finally {
    zip.close();
  }
}

type CellText = (type: string, raw: string, style: number) => string;

async function* sheetRows(
  stream: Readable,
  text: CellText,
  stallMs: number,
  signal?: AbortSignal,
): AsyncGenerator<SourceRow[]> {
  const done: SourceRow[] = [];
  let line = 0;
  let cells: string[] = [];
  let col = 0;
  let type = 'n';
  let style = 0;
  let raw = '';
  let inValue = false; // inside <v>, or a <t> of an inline string (outside phonetic runs)
  let inPhonetic = false;
  const handlers = {
    open(name: string, a: Record<string, string>) {
      if (name === 'row') {
        line = a.r ? Number(a.r) : line + 1;
        cells = [];
        col = 0;
      } else if (name === 'c') {
        col = a.r ? columnNumber(a.r) : col + 1;
        type = a.t ?? 'n';
        style = a.s ? Number(a.s) : 0;
        raw = '';
      } else if (name === 'v' || (name === 't' && !inPhonetic)) inValue = true;
      else if (name === 'rPh') inPhonetic = true;
    },
    text(t: string) {
      if (inValue) raw += t;
    },
    close(name: string) {
      if (name === 'v' || name === 't') inValue = false;
      else if (name === 'rPh') inPhonetic = false;
      else if (name === 'c' && col > 0) {
        while (cells.length < col - 1) cells.push('');
        cells[col - 1] = text(type, raw, style);
      } else if (name === 'row') done.push({ line, cells });
    },
  };
  for await (const _ of parseXml(stream, handlers, stallMs, signal)) yield done.splice(0);
  yield done;
}

/** "AB12" → 28; Excel's last column is XFD (16384). */
function columnNumber(ref: string): number {
  let n = 0;
  for (const ch of ref.toUpperCase()) {
    const code = ch.charCodeAt(0);
    if (code < 65 || code > 90) break;
    n = n * 26 + code - 64;
  }
  return Math.min(n, 16_384);
}

async function readWorkbook(zip: Zip, stallMs: number): Promise<Workbook> {
  const rootRels = zip.has('_rels/.rels') ? await readRels(zip, '_rels/.rels', stallMs) : [];
  const main = rootRels.find((r) => r.type.endsWith('/officeDocument'))?.target ?? 'xl/workbook.xml';
  if (!zip.has(main)) throw sourceError(NOT_A_WORKBOOK);
  const relsPart = path.join(path.dirname(main), '_rels', `${path.basename(main)}.rels`);
  const rels = zip.has(relsPart) ? await readRels(zip, relsPart, stallMs) : [];

  const declared: { name: string; id: string }[] = [];
  let date1904 = false;
  await readXml(
    await zip.open(main),
    {
      open(name, a) {
        if (name === 'sheet') {
          const id = Object.entries(a).find(([k]) => k === 'id' || k.endsWith(':id'))?.[1] ?? '';
          declared.push({ name: a.name ?? '', id });
        } else if (name === 'workbookPr') date1904 = a.date1904 === '1' || a.date1904 === 'true';
      },
    },
    stallMs,
  );
  const sheets = declared.flatMap(({ name, id }) => {
    const rel = rels.find((r) => r.id === id);
    return rel?.type.endsWith('/worksheet') ? [{ name, part: rel.target }] : [];
  });
  const part = (suffix: string) => rels.find((r) => r.type.endsWith(suffix))?.target ?? null;
  return { sheets, sharedStrings: part('/sharedStrings'), styles: part('/styles'), date1904 };
}

type Rel = { id: string; type: string; target: string };

async function readRels(zip: Zip, part: string, stallMs: number): Promise<Rel[]> {
  // Targets are relative to the folder above _rels/, or absolute from the package root.
  const base = path.dirname(path.dirname(part));
  const rels: Rel[] = [];
  await readXml(
    await zip.open(part),
    {
      open(name, a) {
        if (name !== 'Relationship' || !a.Target || a.TargetMode === 'External') return;
        const target = a.Target.startsWith('/') ? a.Target.slice(1) : path.join(base, a.Target);
        rels.push({ id: a.Id ?? '', type: a.Type ?? '', target: path.normalize(target) });
      },
    },
    stallMs,
  );
  return rels;
}

/** Shared strings as plain text: rich-text runs joined, phonetic guides left out. */
async function readSharedStrings(zip: Zip, part: string, limits: SourceLimits): Promise<string[]> {
  const strings: string[] = [];
  let current = '';
  let inText = false;
  let inPhonetic = false;
  await readXml(
    await zip.open(part),
    {
      open(name) {
        if (name === 'si') current = '';
        else if (name === 'rPh') inPhonetic = true;
        else if (name === 't' && !inPhonetic) inText = true;
      },
      text(t) {
        if (inText) current += t;
      },
      close(name) {
        if (name === 't') inText = false;
        else if (name === 'rPh') inPhonetic = false;
        else if (name === 'si') strings.push(unescapeExcelText(current));
      },
    },
    limits.xlsxTimeoutMs,
  );
  return strings;
}

/** For each cell style (`s`), whether its number format shows a date. */
async function readDateStyles(zip: Zip, part: string, limits: SourceLimits): Promise<boolean[]> {
  const formats = new Map<number, string>();
  const styleFormats: number[] = [];
  let inCellXfs = false;
  await readXml(
    await zip.open(part),
    {
      open(name, a) {
        if (name === 'numFmt') formats.set(Number(a.numFmtId), a.formatCode ?? '');
        else if (name === 'cellXfs') inCellXfs = true;
        else if (name === 'xf' && inCellXfs) styleFormats.push(Number(a.numFmtId ?? 0));
      },
      close(name) {
        if (name === 'cellXfs') inCellXfs = false;
      },
    },
    limits.xlsxTimeoutMs,
  );
  return styleFormats.map((id) => isDateFormat(id, formats.get(id)));
}
