import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { neutraliseCell, writeCsv, writeXlsx } from './report.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-report-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('neutraliseCell', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+1 (555) 0100+SUM(A1)', "'+1 (555) 0100+SUM(A1)"],
    ['+1 555 0100|cmd', "'+1 555 0100|cmd"],
    ['+1-2', "'+1-2"],
    ['+44 20 7946 0958\n=1', "'+44 20 7946 0958\n=1"],
    ['-44 20 7946 0958', "'-44 20 7946 0958"],
    ['-1+2', "'-1+2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=x', "'\t=x"],
    ['\rx', "'\rx"],
    [' =x', "' =x"],
    ['\n+cmd', "'\n+cmd"],
    ['--', "'--"],
  ])('neutralises %j', (value, expected) => {
    expect(neutraliseCell(value)).toBe(expected);
  });

  it.each(['-12.5', '-1', '+1', '1e5', '-1,234.56', '-', '', 'Acme', 'a=b', 'x@example.com', '00123'])(
    'keeps %j: a spreadsheet reads it as a number or text, never a formula',
    (value) => {
      expect(neutraliseCell(value)).toBe(value);
    },
  );

  it.each(['+1 555 0100', '+44 (0)20 7946-0958', '+49 30/1234567', '+33.1.23.45.67.89', '+4915112345678'])(
    'keeps the phone number %j as typed (digits and separators only: no formula can call anything)',
    (value) => {
      expect(neutraliseCell(value)).toBe(value);
    },
  );
});

const HEADER = ['line', 'column', 'reason', 'Email', 'Name'];
const ROWS = [
  ['2', 'Email', 'Not an email address', 'ada@', 'Ada "The Countess" Lovelace'],
  ['3', '', 'Two\nlines; and, commas', ' padded ', 'Zoë Åström – 10€'],
  ['4', 'Name', 'Looks like a formula', '=HYPERLINK("http://x")', '-12.5'],
  ['5', '', '', '', ''],
];
const NEUTRALISED = ROWS.map((row) => row.map(neutraliseCell));

/** A writable that takes its time, remembering the most it ever held unwritten. */
function slowSink() {
  const chunks: Buffer[] = [];
  let maxBuffered = 0;
  const sink = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      setImmediate(done);
    },
  });
  const watch = () => (maxBuffered = Math.max(maxBuffered, sink.writableLength));
  return { sink, chunks, watch, maxBuffered: () => maxBuffered };
}

describe('writeCsv', () => {
  it('writes UTF-8 with a byte-order mark that parses back to the (neutralised) cells', async () => {
    const { sink, chunks } = slowSink();
    await writeCsv(sink, HEADER, ROWS);
    const bytes = Buffer.concat(chunks);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    expect(text).toContain('\r\n');
    const parsed = Papa.parse<string[]>(text, { skipEmptyLines: false }).data.filter((r) => r.length > 1);
    expect(parsed).toEqual([HEADER, ...NEUTRALISED]);
    expect(sink.writableFinished).toBe(true);
  });

  it('fails with the error of the output instead of crashing the process', async () => {
    const broken = new Writable({ write: (_chunk, _encoding, done) => done(new Error('disk full')) });
    const many = Array.from({ length: 5_000 }, (_, i) => [String(i), 'x'.repeat(40)]);
    await expect(writeCsv(broken, ['a', 'b'], many)).rejects.toThrow('disk full');
    const brokenToo = new Writable({ write: (_chunk, _encoding, done) => done(new Error('disk full')) });
    await expect(writeXlsx(brokenToo, 'S', ['a', 'b'], many)).rejects.toThrow('disk full');
  });

  it('waits for a slow output instead of buffering the whole file', async () => {
    const { sink, chunks, watch, maxBuffered } = slowSink();
    function* rows() {
      for (let i = 0; i < 30_000; i++) {
        watch();
        yield [String(i), 'Email', 'Not an email address', `user${i}@`, `Name ${i}`];
      }
    }
    await writeCsv(sink, HEADER, rows());
    const total = Buffer.concat(chunks).length;
    expect(total).toBeGreaterThan(1_000_000);
    expect(maxBuffered()).toBeLessThan(200_000);
  });
});

describe('writeXlsx', () => {
  it('writes text cells that read back as written, with a bold header', async () => {
    const file = path.join(dir, 'report.xlsx');
    async function* rows() {
      yield* ROWS;
      for (let i = 0; i < 300; i++) yield [String(i + 6), '', 'Filler', `u${i}@`, '00123'];
    }
    await writeXlsx(fs.createWriteStream(file), 'Rejected rows: 2024/05', HEADER, rows());
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    const sheet = book.worksheets[0]!;
    expect(sheet.name).toBe('Rejected rows  2024 05');
    // An empty cell reads back as no value at all.
    const values = sheet
      .getRows(1, sheet.rowCount)!
      .map((row) => HEADER.map((_, i) => (row.getCell(i + 1).value as string | null) ?? ''));
    expect(values[0]).toEqual(HEADER);
    expect(values.slice(1, 5)).toEqual(NEUTRALISED);
    expect(values[5]).toEqual(['6', '', 'Filler', 'u0@', '00123']);
    expect(values).toHaveLength(305);
    expect(sheet.getRow(1).font?.bold).toBe(true);
    expect(sheet.getRow(2).getCell(5).type).toBe(ExcelJS.ValueType.String);
    expect(sheet.getColumn(5).width).toBeGreaterThanOrEqual('Ada "The Countess" Lovelace'.length);
  });

  it('hands rows on to a slow output as it goes instead of holding the sheet in memory', async () => {
    const { sink, chunks } = slowSink();
    const received = () => chunks.reduce((n, c) => n + c.length, 0);
    let receivedAtLastRow = 0;
    function* rows() {
      for (let i = 0; i < 10_000; i++) {
        if (i === 9_999) receivedAtLastRow = received();
        yield [String(i), 'Email', 'Not an email address', `user${i}@`, `Name ${i} ${Math.random()}`];
      }
    }
    await writeXlsx(sink, 'Rejected', HEADER, rows());
    expect(receivedAtLastRow).toBeGreaterThan(received() / 2);
  });
});
