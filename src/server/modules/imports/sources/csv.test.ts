import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../lib/errors.ts';
import { parseDelimited } from './csv.ts';
import { detectSource, readRows, type SourceInput, type SourceRow } from './source.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-csv-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fileInput(content: string | Buffer, fileName = 'data.csv') {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}-${fileName}`);
  fs.writeFileSync(file, content);
  return { kind: 'file', path: file, fileName } satisfies SourceInput;
}

async function collect(rows: AsyncIterable<SourceRow>): Promise<SourceRow[]> {
  const all: SourceRow[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

async function read(content: string | Buffer, fileName?: string) {
  const input = fileInput(content, fileName);
  const detected = await detectSource(input);
  return { detected, rows: await collect(readRows(input, detected)) };
}

const cellsOf = (rows: SourceRow[]) => rows.map((r) => r.cells);

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  expect(err.code).toBe('unprocessable');
  expect(err.details).toEqual([{ path: 'file', message: err.message }]);
  return err;
}

describe('CSV encodings', () => {
  const text = 'Name,City\nZoë Åström,Zürich\nFrançois,Besançon\n';
  const expected = [
    ['Name', 'City'],
    ['Zoë Åström', 'Zürich'],
    ['François', 'Besançon'],
  ];

  it('reads UTF-8 without a byte-order mark', async () => {
    const { detected, rows } = await read(Buffer.from(text, 'utf8'));
    expect(detected).toEqual({ format: 'csv', encoding: 'utf-8', delimiter: ',', sheets: [], sheet: null });
    expect(cellsOf(rows)).toEqual(expected);
  });

  it('reads UTF-8 with a byte-order mark and drops the mark', async () => {
    const { detected, rows } = await read(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
    );
    expect(detected.encoding).toBe('utf-8-bom');
    expect(cellsOf(rows)).toEqual(expected);
  });

  it('reads UTF-16LE and UTF-16BE with a byte-order mark', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    const fromLe = await read(le);
    const fromBe = await read(be);
    expect([fromLe.detected.encoding, fromBe.detected.encoding]).toEqual(['utf-16le', 'utf-16be']);
    expect(cellsOf(fromLe.rows)).toEqual(expected);
    expect(cellsOf(fromBe.rows)).toEqual(expected);
  });

  it('recognises UTF-16LE without a byte-order mark', async () => {
    const { detected, rows } = await read(Buffer.from(text, 'utf16le'));
    expect(detected.encoding).toBe('utf-16le');
    expect(cellsOf(rows)).toEqual(expected);
  });

  it('falls back to Windows-1252 and decodes its 0x80–0x9F range (€, œ)', async () => {
    const bytes = Buffer.concat([
      Buffer.from('Name;Note\nCaf', 'latin1'),
      Buffer.from([0xe9]),
      Buffer.from(';10', 'latin1'),
      Buffer.from([0x80]),
      Buffer.from(' ', 'latin1'),
      Buffer.from([0x9c]),
      Buffer.from('uvre ', 'latin1'),
      Buffer.from([0x93, 0x71, 0x94]),
      Buffer.from('\n', 'latin1'),
    ]);
    const { detected, rows } = await read(bytes);
    expect(detected.encoding).toBe('windows-1252');
    expect(cellsOf(rows)).toEqual([
      ['Name', 'Note'],
      ['Café', '10€ œuvre “q”'],
    ]);
  });

  it('keeps UTF-8 when the first megabyte ends inside a multi-byte character', async () => {
    const target = 1024 * 1024 - 1; // the é's first byte is the last byte of the sampled megabyte
    let head = 'a,b\n';
    while (head.length < target - 200) head += `x,${'y'.repeat(98)}\n`;
    head += `x,${'y'.repeat(target - head.length - 3)}\n`;
    const content = head + 'é,€\n';
    const input = fileInput(content);
    expect(Buffer.from(content).indexOf(Buffer.from('é'))).toBe(target);
    expect((await detectSource(input)).encoding).toBe('utf-8');
  });
});

describe('CSV delimiters', () => {
  it.each([
    [',', 'comma'],
    [';', 'semicolon'],
    ['\t', 'tab'],
    ['|', 'pipe'],
  ])('detects %j (%s)', async (d) => {
    const { detected, rows } = await read(`id${d}name${d}city\n1${d}Acme${d}Oslo\n2${d}Beta${d}Rome\n`);
    expect(detected.delimiter).toBe(d);
    expect(cellsOf(rows)[1]).toEqual(['1', 'Acme', 'Oslo']);
  });

  it('picks the semicolon over decimal commas, and the comma over semicolons in quoted text', async () => {
    expect((await read('Name;Amount\nA;12,5\nB;3,75\nC;1\n')).detected.delimiter).toBe(';');
    expect((await read('Name,Note\nA,"x; y"\nB,"p; q; r"\n')).detected.delimiter).toBe(',');
  });

  it('reads a one-column file with the comma as delimiter', async () => {
    const { detected, rows } = await read('email\na@example.com\nb@example.com\n');
    expect(detected.delimiter).toBe(',');
    expect(cellsOf(rows)).toEqual([['email'], ['a@example.com'], ['b@example.com']]);
  });
});

describe('CSV records', () => {
  it('reads quoted commas, doubled quotes and embedded newlines, numbering rows as a spreadsheet does', async () => {
    const { rows } = await read('id,note\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n4,after\n');
    expect(rows).toEqual([
      { line: 1, cells: ['id', 'note'] },
      { line: 2, cells: ['1', 'a, b'] },
      { line: 3, cells: ['2', 'say "hi"'] },
      { line: 4, cells: ['3', 'two\nlines'] },
      { line: 5, cells: ['4', 'after'] },
    ]);
  });

  it('reads CRLF and CR line endings alike (a CRLF inside a quoted cell becomes LF)', async () => {
    const expected = [
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', 'x\ny'] },
      { line: 3, cells: ['2', 'z'] },
    ];
    expect((await read('a,b\r\n1,"x\r\ny"\r\n2,z\r\n')).rows).toEqual(expected);
    expect((await read('a,b\r1,"x\ry"\r2,z')).rows).toEqual(expected);
  });

  it('skips blank rows but counts them in line numbers', async () => {
    const { rows } = await read('a,b\n\n , \n1,2\n,\n');
    expect(rows).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 4, cells: ['1', '2'] },
    ]);
  });

  it('rejects only the line with an unclosed quote and reads the rows after it', async () => {
    const { rows } = await read('a,b\n1,2\n3,"open\n4,5\n');
    expect(rows).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', '2'] },
      { line: 3, cells: ['3', '"open'], error: expect.stringMatching(/quote/) },
      { line: 4, cells: ['4', '5'] },
    ]);
  });

  it('rejects only the line with a stray quote and goes on with the next rows', async () => {
    const { rows } = await read('a,b,c\n1,"5" tall",x\n2,y,z\n');
    expect(rows[1]).toMatchObject({
      line: 2,
      cells: ['1', '"5" tall"', 'x'],
      error: expect.stringMatching(/quote/),
    });
    expect(rows[2]).toEqual({ line: 3, cells: ['2', 'y', 'z'] });
  });

  it('keeps the rows after a formula with quotes or a quoted name followed by text, later quotes or not', async () => {
    const files = [
      // No later quote in the file: the open quote would have run to its end.
      'email,name,note\na@x.io,Ann,=HYPERLINK("http://x","y")\nb@x.io,Bob,ok\nc@x.io,Cy,fine\n',
      // A later quoted cell: the stray quote would have paired with it and swallowed the rows between.
      'email,name,note\na@x.io,"Acme" Ltd,x\nb@x.io,Bob,ok\nc@x.io,"Cy, Jr",fine\n',
      'email,name,note\r\na@x.io,"Acme" Ltd,x\r\nb@x.io,Bob,ok\r\nc@x.io,"Cy, Jr",fine',
    ];
    for (const file of files) {
      const { rows } = await read(file);
      expect(rows.map((r) => [r.line, Boolean(r.error)])).toEqual([
        [1, false],
        [2, true],
        [3, false],
        [4, false],
      ]);
      expect(rows[2]!.cells).toEqual(['b@x.io', 'Bob', 'ok']);
      expect(rows[3]!.cells[0]).toBe('c@x.io');
    }
  });

  it('keeps a valid multi-line quoted cell after a broken row, across chunk boundaries', async () => {
    const rows: SourceRow[] = [];
    const chunks = ['a,b\n1,"Ac', 'me" Ltd\n2,"x\n', 'y"\n3,', '"z', '"\n'];
    for await (const batch of parseDelimited(chunks, ',')) rows.push(...batch);
    expect(rows).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', '"Acme" Ltd'], error: expect.stringMatching(/quote/) },
      { line: 3, cells: ['2', 'x\ny'] },
      { line: 4, cells: ['3', 'z'] },
    ]);
  });

  it('takes a quote still open after a megabyte as broken and reads on from the next line', async () => {
    const body = Array.from({ length: 150_000 }, (_, i) => `${i},row ${i}`).join('\n');
    const { rows } = await read(`a,b\nx,"open\n${body}\n`);
    expect(rows[1]).toMatchObject({ line: 2, error: expect.stringMatching(/quote/) });
    expect(rows).toHaveLength(150_002);
    expect(rows.at(-1)).toEqual({ line: 150_002, cells: ['149999', 'row 149999'] });
  });

  it('drops trailing blank header columns and keeps cells beyond the header', async () => {
    const { rows } = await read('a,b,,\n1,2,,\n3,4,5,\n');
    expect(cellsOf(rows)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4', '5'],
    ]);
  });

  it('refuses a header with more columns than allowed', async () => {
    const header = Array.from({ length: 250 }, (_, i) => `c${i}`).join(',');
    const input = fileInput(`${header}\n${header}\n`);
    const detected = await detectSource(input);
    const err = await failure(collect(readRows(input, detected)));
    expect(err.message).toBe('The file has 250 columns; at most 200 are allowed.');
    expect(await collect(readRows(input, detected, { limits: { maxColumns: 250 } }))).toHaveLength(2);
  });

  it('stops at a record longer than ten million characters instead of holding the rest of the file', async () => {
    const { rows } = await read(`a,b\n1,"open ${'x'.repeat(12_000_000)}\n2,3\n`);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({
      line: 2,
      error: expect.stringMatching(/longer than 10 million characters/),
    });
    expect(rows[1]!.cells[0]).toBe('1');
  });

  it('joins records split across chunks, CRLF and quotes included', async () => {
    const rows: SourceRow[] = [];
    for await (const batch of parseDelimited(['a,b\r', '\n1,"x', 'y",2\r', '\n3,4'], ','))
      rows.push(...batch);
    expect(rows).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', 'xy', '2'] },
      { line: 3, cells: ['3', '4'] },
    ]);
  });
});

describe('pasted text and files that are not CSV', () => {
  it('reads pasted text (tabs, as copied from a spreadsheet)', async () => {
    const input: SourceInput = { kind: 'text', text: '\ufeffName\tEmail\r\nAda\tada@example.com\r\n' };
    const detected = await detectSource(input);
    expect(detected).toEqual({ format: 'text', encoding: null, delimiter: '\t', sheets: [], sheet: null });
    expect(cellsOf(await collect(readRows(input, detected)))).toEqual([
      ['Name', 'Email'],
      ['Ada', 'ada@example.com'],
    ]);
  });

  it('refuses empty files and empty pasted text', async () => {
    expect((await failure(detectSource(fileInput('')))).message).toBe('The file is empty.');
    expect((await failure(detectSource(fileInput(' \r\n\n')))).message).toBe('The file is empty.');
    await failure(detectSource({ kind: 'text', text: '  \n' }));
  });

  it('refuses a text file named .xlsx, an old .xls and a binary file', async () => {
    const notZip = await failure(detectSource(fileInput('a,b\n1,2\n', 'book.xlsx')));
    expect(notZip.message).toBe('The file is not a valid XLSX workbook (it could not be unzipped).');
    const ole = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.alloc(512),
    ]);
    const xls = await failure(detectSource(fileInput(ole, 'book.xls')));
    expect(xls.message).toMatch(/^Old \.xls files are not supported: save it as \.xlsx or CSV/);
    const binary = Buffer.from('%PDF-1.7\n\x00\x01\x02\x00\x00\x00stream\x00\x00\x00\x9c\x00', 'latin1');
    expect((await failure(detectSource(fileInput(binary, 'scan.csv')))).message).toMatch(/neither CSV/);
  });
});

describe('large CSV files', () => {
  function bigCsv(rows: number): string {
    const lines = ['Customer No.,Company Name,Email,First Name,Last Name,City,Zip,Phone'];
    for (let i = 0; i < rows; i++)
      lines.push(
        `${10000 + i},"Company ${i}, Ltd",u${i}@example.com,First${i},Last${i},City ${i % 97},${i % 90000},+44 20 ${i}`,
      );
    return lines.join('\r\n') + '\r\n';
  }

  it('reads 200,000 rows to the last line number quickly', async () => {
    const input = fileInput(bigCsv(200_000));
    const started = performance.now();
    const detected = await detectSource(input);
    let count = 0;
    let last: SourceRow | undefined;
    for await (const row of readRows(input, detected)) {
      count++;
      last = row;
    }
    const seconds = (performance.now() - started) / 1000;
    expect(count).toBe(200_001);
    expect(last).toEqual({
      line: 200_001,
      cells: [
        '209999',
        'Company 199999, Ltd',
        'u199999@example.com',
        'First199999',
        'Last199999',
        'City 82',
        '19999',
        '+44 20 199999',
      ],
    });
    // About a second here; the bound only catches a slip into quadratic work, not a slow machine.
    expect(seconds).toBeLessThan(10);
  });

  it('streams: reads ahead only a chunk or two of what the consumer has taken', async () => {
    const input = fileInput(bigCsv(200_000));
    const detected = await detectSource(input);
    let count = 0;
    for await (const _ of readRows(input, detected)) {
      // The file disappears under the reader after the first row: only what it already read can follow.
      if (++count === 1) fs.truncateSync(input.path, 0);
    }
    expect(count).toBeGreaterThan(1);
    expect(count).toBeLessThan(10_000);
  });

  it('stops when the signal aborts', async () => {
    const input = fileInput(bigCsv(50_000));
    const detected = await detectSource(input);
    const controller = new AbortController();
    let count = 0;
    const reading = (async () => {
      for await (const _ of readRows(input, detected, { signal: controller.signal })) {
        if (++count === 10) controller.abort();
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await expect(reading).rejects.toThrow(/abort/i);
    expect(count).toBeLessThan(50_000);
  });
});
