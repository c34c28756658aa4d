import Papa from 'papaparse';

export type PastedLine = {
  /** 1-based line of the text where the row starts. */
  line: number;
  cells: string[];
  /** A quoted cell that is never closed: it swallowed the rest of the text. */
  unclosedQuote: boolean;
};

/** Tabs when the text has any (a spreadsheet copy); otherwise comma or semicolon, whichever fits. */
export function detectDelimiter(text: string): '\t' | ',' | ';' {
  if (text.includes('\t')) return '\t';
  const guess = Papa.parse<string[]>(text.slice(0, 64_000), {
    delimitersToGuess: [',', ';'],
    preview: 50,
  });
  return guess.meta.delimiter === ';' ? ';' : ',';
}

/** A first line of column names ("email, first name, …") rather than a contact. */
const isHeader = (cells: string[]) => {
  const first = (cells[0] ?? '').trim();
  return !first.includes('@') && /e-?mail/i.test(first);
};

/**
 * A line that stayed one cell but holds another delimiter was typed with that one (a text mixing
 * "a@b.c, Ann, Ax" and "b@c.d; Bo; Bix" lines): split it with that. A single cell is never a valid
 * contact, so this can only turn an invalid line into a valid one.
 */
function splitAgain(cells: string[], raw: string, delimiter: string): string[] {
  if (cells.length !== 1) return cells;
  for (const other of [';', ',', '\t'].filter((d) => d !== delimiter && raw.includes(d))) {
    const again = Papa.parse<string[]>(raw, { delimiter: other, newline: '\n' });
    const [row] = again.data;
    if (again.data.length === 1 && row && row.length > 1) return row;
  }
  return cells;
}

/**
 * The rows of pasted text with the line each starts on; blank lines and a header line are left out.
 * Quoted cells may hold delimiters, quotes ("") and line breaks.
 */
export function parsePastedContacts(text: string): PastedLine[] {
  const normalized = text.replace(/\r\n?/g, '\n');
  const delimiter = detectDelimiter(normalized);
  const rows: PastedLine[] = [];
  let start = 0;
  let line = 1;
  let headerChecked = false;
  Papa.parse<string[]>(normalized, {
    delimiter,
    newline: '\n',
    step: (result) => {
      const end = result.meta.cursor;
      const rowLine = line;
      const cells = splitAgain(result.data, normalized.slice(start, end).replace(/\n$/, ''), delimiter);
      for (let i = start; i < end && i < normalized.length; i++) if (normalized[i] === '\n') line++;
      start = end;
      if (cells.every((c) => c.trim() === '')) return;
      if (!headerChecked) {
        headerChecked = true;
        if (isHeader(cells)) return;
      }
      rows.push({
        line: rowLine,
        cells,
        unclosedQuote: result.errors.some((e) => e.code === 'MissingQuotes'),
      });
    },
  });
  return rows;
}
