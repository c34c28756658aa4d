import { describe, expect, it } from 'vitest';
import { detectDelimiter, parsePastedContacts } from './bulk-add.parse.ts';

describe('reading pasted contact lines', () => {
  it('detects tabs first, then semicolons or commas', () => {
    expect(detectDelimiter('a@b.c\tAnn, Jr\tAx; y')).toBe('\t');
    expect(detectDelimiter('a@b.c;Smith, Jr;Ann\nb@c.d;Doe;Jo')).toBe(';');
    expect(detectDelimiter('a@b.c,Ann,Ax\nb@c.d,Jo,Doe')).toBe(',');
    expect(detectDelimiter('a@b.c')).toBe(',');
  });

  it('numbers rows by the line they start on, across blank lines, CRLF and quoted line breaks', () => {
    const rows = parsePastedContacts('e-mail,first,last\r\n\r\na@b.c,"Two\nLines",X\r\n  \r\nb@c.d,Jo,Doe\n');
    expect(rows).toEqual([
      { line: 3, cells: ['a@b.c', 'Two\nLines', 'X'], unclosedQuote: false },
      { line: 6, cells: ['b@c.d', 'Jo', 'Doe'], unclosedQuote: false },
    ]);
  });

  it('keeps a first line that is a contact, and flags a quote never closed', () => {
    expect(parsePastedContacts('a@b.c,Ann,Ax').map((r) => r.line)).toEqual([1]);
    const [row] = parsePastedContacts('a@b.c,"Ann,Ax\nb@c.d,Jo,Doe');
    expect(row?.unclosedQuote).toBe(true);
  });

  it('reads a line typed with another delimiter than the rest of the text', () => {
    const rows = parsePastedContacts('a@b.c, Ann, Ax, +1 555\nb@c.d; Bo; Bix\nc@d.e;"Smith, Jr";Cy');
    expect(rows.map((r) => r.cells.map((c) => c.trim()))).toEqual([
      ['a@b.c', 'Ann', 'Ax', '+1 555'],
      ['b@c.d', 'Bo', 'Bix'],
      ['c@d.e', 'Smith, Jr', 'Cy'],
    ]);
  });

  it('skips a header only when it names the email column', () => {
    expect(parsePastedContacts('Email address;Vorname;Nachname\nx@y.z;A;B').map((r) => r.line)).toEqual([2]);
    expect(parsePastedContacts('name,first\nx@y.z,A,B').map((r) => r.line)).toEqual([1, 2]);
  });
});
