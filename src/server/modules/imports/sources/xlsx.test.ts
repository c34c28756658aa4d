import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../lib/errors.ts';
import { detectSource, readRows, type SourceInput, type SourceRow } from './source.ts';
import { withStallTimeout } from './zip.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-xlsx-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const tempFile = (name: string) => path.join(dir, `${crypto.randomUUID()}-${name}`);
const input = (file: string): SourceInput => ({ kind: 'file', path: file, fileName: path.basename(file) });

async function readAll(file: string, sheet?: string) {
  const detected = await detectSource(input(file), { sheet });
  const rows: SourceRow[] = [];
  for await (const row of readRows(input(file), detected)) rows.push(row);
  return { detected, rows };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  expect(err.code).toBe('unprocessable');
  return err;
}

/** A zip written by hand: entries in the order given, sizes as declared (yauzl does not check CRCs). */
function zip(entries: { name: string; data: Buffer; deflated?: Buffer; declaredSize?: number }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = e.deflated ?? zlib.deflateRawSync(e.data);
    const crc = zlib.crc32(e.data);
    const size = e.declaredSize ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const dirEntry = Buffer.alloc(46);
    dirEntry.writeUInt32LE(0x02014b50, 0);
    dirEntry.writeUInt16LE(20, 4);
    dirEntry.writeUInt16LE(20, 6);
    dirEntry.writeUInt16LE(8, 10);
    dirEntry.writeUInt32LE(crc, 16);
    dirEntry.writeUInt32LE(body.length, 20);
    dirEntry.writeUInt32LE(size, 24);
    dirEntry.writeUInt16LE(name.length, 28);
    dirEntry.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(dirEntry, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

async function unzipAll(file: string): Promise<Map<string, Buffer>> {
  const archive = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false });
  const files = new Map<string, Buffer>();
  for await (const entry of archive.eachEntry()) {
    if (entry.fileName.endsWith('/')) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of await archive.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    files.set(entry.fileName, Buffer.concat(chunks));
  }
  archive.close();
  return files;
}

const CONTACTS_HEADER = [
  'Number',
  'Float',
  'Date',
  'DateTime',
  'Bool',
  'Rich',
  'Formula',
  'FormulaText',
  'Error',
  'Link',
  'Code',
];
const CONTACTS: ExcelJS.CellValue[][] = [
  CONTACTS_HEADER,
  [
    10001,
    0.1 + 0.2,
    new Date(Date.UTC(2024, 0, 15)),
    new Date(Date.UTC(2024, 0, 15, 10, 30)),
    true,
    { richText: [{ text: 'Hello ' }, { font: { bold: true }, text: 'World' }] },
    { formula: 'A2*2', result: 20002 },
    { formula: 'UPPER("x")', result: 'X' },
    { error: '#N/A' },
    { text: 'Example', hyperlink: 'https://example.com' },
    '00123',
  ],
  [],
  [-12.5, null, null, null, false],
];
const EXPECTED_CONTACTS: SourceRow[] = [
  { line: 1, cells: CONTACTS_HEADER },
  {
    line: 2,
    cells: [
      '10001',
      '0.3',
      '2024-01-15',
      '2024-01-15T10:30:00',
      'TRUE',
      'Hello World',
      '20002',
      'X',
      '',
      'Example',
      '00123',
    ],
  },
  { line: 4, cells: ['-12.5', '', '', '', 'FALSE'] },
];
const CUSTOMERS = [
  ['Account', 'Name'],
  ['A-1', 'Acme'],
];

async function writeWithWorkbook(file: string) {
  const book = new ExcelJS.Workbook();
  book.addWorksheet('Customers').addRows(CUSTOMERS);
  book.addWorksheet('Contacts').addRows(CONTACTS);
  await book.xlsx.writeFile(file);
}

async function writeWithStreamWriter(file: string, useSharedStrings: boolean) {
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings, useStyles: true });
  for (const [name, rows] of [
    ['Customers', CUSTOMERS],
    ['Contacts', CONTACTS],
  ] as const) {
    const sheet = book.addWorksheet(name);
    for (const row of rows) sheet.addRow(row).commit();
    sheet.commit();
  }
  await book.commit();
}

/** The layout exceljs's own streaming reader fails on (exceljs#3064): shared strings first, workbook.xml last. */
async function writeReordered(file: string) {
  const source = tempFile('source.xlsx');
  await writeWithWorkbook(source);
  const parts = await unzipAll(source);
  const first = [
    'xl/_rels/workbook.xml.rels',
    'xl/sharedStrings.xml',
    'xl/worksheets/sheet2.xml',
    'xl/worksheets/sheet1.xml',
  ];
  const order = [
    ...first,
    ...[...parts.keys()].filter((n) => !first.includes(n) && n !== 'xl/workbook.xml'),
    'xl/workbook.xml',
  ];
  fs.writeFileSync(file, zip(order.map((name) => ({ name, data: parts.get(name)! }))));
}

describe('XLSX workbooks', () => {
  it.each([
    ['workbook.xlsx.writeFile', (file: string) => writeWithWorkbook(file)],
    ['stream WorkbookWriter, shared strings', (file: string) => writeWithStreamWriter(file, true)],
    ['stream WorkbookWriter, inline strings', (file: string) => writeWithStreamWriter(file, false)],
    ['entries reordered, workbook.xml last', (file: string) => writeReordered(file)],
  ])('reads every kind of cell as text from a file by %s', async (_producer, write) => {
    const file = tempFile('book.xlsx');
    await write(file);
    const contacts = await readAll(file, 'Contacts');
    expect(contacts.detected).toEqual({
      format: 'xlsx',
      encoding: null,
      delimiter: null,
      sheets: ['Customers', 'Contacts'],
      sheet: 'Contacts',
    });
    expect(contacts.rows).toEqual(EXPECTED_CONTACTS);
    const first = await readAll(file);
    expect(first.detected.sheet).toBe('Customers');
    expect(first.rows).toEqual([
      { line: 1, cells: ['Account', 'Name'] },
      { line: 2, cells: ['A-1', 'Acme'] },
    ]);
  });

  it('finds a sheet ignoring case, and names the sheets when one is missing', async () => {
    const file = tempFile('book.xlsx');
    await writeWithWorkbook(file);
    expect((await detectSource(input(file), { sheet: ' contacts ' })).sheet).toBe('Contacts');
    const err = await failure(detectSource(input(file), { sheet: 'Orders' }));
    expect(err.message).toBe(
      'The workbook has no sheet named "Orders". Its sheets are: "Customers", "Contacts".',
    );
  });

  it('reads a hand-written workbook: prefixed tags, no cell references, absolute targets, 1904 dates', async () => {
    const file = tempFile('handmade.xlsx');
    const ns = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
    const rel = (id: string, type: string, target: string) =>
      `<Relationship Id="${id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/${type}" Target="${target}"/>`;
    const parts: Record<string, string> = {
      '_rels/.rels': `<Relationships>${rel('rId1', 'officeDocument', 'xl/workbook.xml')}</Relationships>`,
      'xl/workbook.xml':
        `<x:workbook ${ns} xmlns:r="r"><x:workbookPr date1904="1"/><x:sheets>` +
        '<x:sheet name="Chart" sheetId="2" r:id="rId9"/><x:sheet name="Data &amp; More" sheetId="1" r:id="rId1"/>' +
        '</x:sheets></x:workbook>',
      'xl/_rels/workbook.xml.rels':
        '<Relationships>' +
        rel('rId1', 'worksheet', '/xl/worksheets/data.xml') +
        rel('rId9', 'chartsheet', 'chartsheets/sheet1.xml') +
        rel('rId2', 'sharedStrings', 'sharedStrings.xml') +
        rel('rId3', 'styles', 'styles.xml') +
        '</Relationships>',
      'xl/sharedStrings.xml':
        `<x:sst ${ns}><x:si><x:t>Name</x:t></x:si>` +
        '<x:si><x:r><x:t xml:space="preserve">Ada </x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t>Lovelace</x:t></x:r>' +
        '<x:rPh sb="0" eb="1"><x:t>phonetic</x:t></x:rPh></x:si><x:si><x:t>A_x000D_B</x:t></x:si></x:sst>',
      'xl/styles.xml':
        `<x:styleSheet ${ns}><x:numFmts count="1"><x:numFmt numFmtId="164" formatCode="dd/mm/yyyy;@"/></x:numFmts>` +
        '<x:cellStyleXfs count="1"><x:xf numFmtId="14"/></x:cellStyleXfs>' +
        '<x:cellXfs count="3"><x:xf numFmtId="0"/><x:xf numFmtId="164"/><x:xf numFmtId="4"/></x:cellXfs></x:styleSheet>',
      'xl/worksheets/data.xml':
        `<x:worksheet ${ns}><x:sheetData>` +
        '<x:row><x:c t="s"><x:v>0</x:v></x:c><x:c t="inlineStr"><x:is><x:t>When</x:t></x:is></x:c>' +
        '<x:c t="inlineStr"><x:is><x:r><x:t>Amo</x:t></x:r><x:r><x:t>unt</x:t></x:r></x:is></x:c>' +
        '<x:c t="inlineStr"><x:is><x:t>Seen</x:t></x:is></x:c></x:row>' +
        '<x:row><x:c t="s"><x:v>1</x:v></x:c><x:c s="1"><x:v>43000</x:v></x:c><x:c s="2"><x:v>1234.5</x:v></x:c>' +
        '<x:c t="d"><x:v>2024-03-01T00:00:00Z</x:v></x:c></x:row>' +
        '<x:row r="5"><x:c r="A5" t="s"><x:v>2</x:v></x:c><x:c r="C5" t="str"><x:f>B5</x:f><x:v>x&amp;y</x:v></x:c></x:row>' +
        '</x:sheetData></x:worksheet>',
    };
    fs.writeFileSync(
      file,
      zip(Object.entries(parts).map(([name, xml]) => ({ name, data: Buffer.from(xml) }))),
    );
    const { detected, rows } = await readAll(file);
    expect(detected.sheets).toEqual(['Data & More']);
    expect(rows).toEqual([
      { line: 1, cells: ['Name', 'When', 'Amount', 'Seen'] },
      { line: 2, cells: ['Ada Lovelace', '2021-09-23', '1234.5', '2024-03-01'] },
      { line: 5, cells: ['A\rB', '', 'x&y'] },
    ]);
  });

  it('refuses a sheet whose header is wider than allowed', async () => {
    const file = tempFile('wide.xlsx');
    const book = new ExcelJS.Workbook();
    book.addWorksheet('Wide').addRows([Array.from({ length: 250 }, (_, i) => `c${i}`), ['x']]);
    await book.xlsx.writeFile(file);
    const detected = await detectSource(input(file));
    const reading = (async () => {
      for await (const _ of readRows(input(file), detected));
    })();
    expect((await failure(reading)).message).toBe('The file has 250 columns; at most 200 are allowed.');
  });
});

describe('files that are not readable workbooks', () => {
  const NOT_A_ZIP = 'The file is not a valid XLSX workbook (it could not be unzipped).';

  it('refuses a truncated workbook and random bytes named .xlsx', async () => {
    const whole = tempFile('whole.xlsx');
    await writeWithWorkbook(whole);
    const truncated = tempFile('truncated.xlsx');
    fs.writeFileSync(truncated, fs.readFileSync(whole).subarray(0, 4000));
    expect((await failure(detectSource(input(truncated)))).message).toBe(NOT_A_ZIP);
    const random = tempFile('random.xlsx');
    fs.writeFileSync(random, crypto.randomBytes(4096));
    expect((await failure(detectSource(input(random)))).message).toBe(NOT_A_ZIP);
    const zipLike = tempFile('zip-like.bin');
    fs.writeFileSync(zipLike, Buffer.concat([Buffer.from('PK\x03\x04'), crypto.randomBytes(4096)]));
    expect((await failure(detectSource(input(zipLike)))).message).toBe(NOT_A_ZIP);
  });

  it('refuses a zip that is not a workbook', async () => {
    const file = tempFile('letter.docx');
    fs.writeFileSync(file, zip([{ name: 'word/document.xml', data: Buffer.from('<w:document/>') }]));
    expect((await failure(detectSource(input(file)))).message).toBe(
      'The file is a zip archive but not an XLSX workbook.',
    );
  });

  it('refuses an old .xls workbook', async () => {
    const file = tempFile('old.xls');
    fs.writeFileSync(file, Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(1024)]));
    expect((await failure(detectSource(input(file)))).message).toMatch(/^Old \.xls files are not supported/);
  });
});

describe('zip bombs', () => {
  const MB = 1024 * 1024;
  /** A workbook whose sheet XML inflates to `size` bytes (spaces) from a few hundred kilobytes. */
  async function bomb(size: number, declaredSize?: number): Promise<string> {
    const deflate = zlib.createDeflateRaw({ level: 9 });
    const chunks: Buffer[] = [];
    deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = new Promise((resolve) => deflate.on('end', resolve));
    const head = Buffer.from('<worksheet><sheetData>');
    deflate.write(head);
    const spaces = Buffer.alloc(MB, 0x20);
    for (let written = head.length; written < size; written += MB) {
      if (!deflate.write(spaces)) await new Promise((resolve) => deflate.once('drain', resolve));
    }
    deflate.end();
    await done;
    const sheet = {
      name: 'xl/worksheets/sheet1.xml',
      data: head,
      deflated: Buffer.concat(chunks),
      declaredSize: declaredSize ?? size,
    };
    const relType = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet';
    const file = tempFile('bomb.xlsx');
    fs.writeFileSync(
      file,
      zip([
        {
          name: 'xl/workbook.xml',
          data: Buffer.from('<workbook><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>'),
        },
        {
          name: 'xl/_rels/workbook.xml.rels',
          data: Buffer.from(
            `<Relationships><Relationship Id="rId1" Type="${relType}" Target="worksheets/sheet1.xml"/></Relationships>`,
          ),
        },
        sheet,
      ]),
    );
    return file;
  }

  const ZIP_BOMB = /zip bomb/;

  it('refuses a workbook declaring more inflated bytes than allowed', async () => {
    const file = await bomb(64 * MB);
    expect(fs.statSync(file).size).toBeLessThan(MB);
    const err = await failure(detectSource(input(file), { limits: { maxUncompressedBytes: 32 * MB } }));
    expect(err.message).toMatch(ZIP_BOMB);
  });

  it('refuses an entry that inflates far beyond its compressed size', async () => {
    const file = await bomb(64 * MB);
    expect((await failure(detectSource(input(file)))).message).toMatch(ZIP_BOMB);
  });

  it('refuses an entry that inflates past the size its directory declares, without inflating it all', async () => {
    const file = await bomb(64 * MB, 1000);
    const detected = await detectSource(input(file));
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const reading = (async () => {
      for await (const _ of readRows(input(file), detected));
    })();
    expect((await failure(reading)).message).toMatch(ZIP_BOMB);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * MB);
  });
});

describe('withStallTimeout', () => {
  it('passes items through and fails when the next one does not come in time', async () => {
    const stalling = {
      async *[Symbol.asyncIterator]() {
        yield 1;
        yield 2;
        await new Promise(() => undefined);
      },
    };
    const seen: number[] = [];
    const reading = (async () => {
      for await (const n of withStallTimeout(stalling, 50, () => new Error('stalled'))) seen.push(n);
    })();
    await expect(reading).rejects.toThrow('stalled');
    expect(seen).toEqual([1, 2]);
  });
});
