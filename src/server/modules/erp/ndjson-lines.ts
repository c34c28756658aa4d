/** One line of an NDJSON body: its text, or `tooLong` when it passed the limit (its text is then dropped). */
export type RawLine = { line: number; text: string; tooLong: boolean };

/** The body passed its limit: the lines up to `lastLine` were whole within it and have been yielded. */
export class BatchTooLargeError extends Error {
  constructor(
    readonly maxBytes: number,
    readonly lastLine: number,
  ) {
    super(`The batch is larger than ${maxBytes} bytes`);
  }
}

/**
 * Splits a byte stream into lines (LF or CRLF) without holding more than one line: a line longer than
 * `maxLineBytes` is read to its end but not kept, so one huge line cannot fill the memory.
 * Past `maxBytes` in all it stops reading and throws BatchTooLargeError after the lines that ended within it.
 */
export async function* ndjsonLines(
  body: AsyncIterable<Buffer | string>,
  maxLineBytes: number,
  maxBytes = Infinity,
): AsyncGenerator<RawLine> {
  let total = 0;
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let line = 0;
  const take = (): RawLine => {
    line++;
    const text = tooLong ? '' : Buffer.concat(parts, size).toString('utf8').replace(/\r$/, '');
    const result = { line, text, tooLong };
    parts = [];
    size = 0;
    tooLong = false;
    return result;
  };
  const keep = (piece: Buffer) => {
    if (tooLong || piece.length === 0) return;
    if (size + piece.length > maxLineBytes) {
      tooLong = true;
      parts = [];
      size = 0;
      return;
    }
    parts.push(piece);
    size += piece.length;
  };
  for await (const chunk of body) {
    const whole = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const over = total + whole.length > maxBytes;
    const bytes = over ? whole.subarray(0, maxBytes - total) : whole;
    total += bytes.length;
    let start = 0;
    for (let end = bytes.indexOf(10, start); end !== -1; end = bytes.indexOf(10, start)) {
      keep(bytes.subarray(start, end));
      yield take();
      start = end + 1;
    }
    if (over) throw new BatchTooLargeError(maxBytes, line);
    keep(bytes.subarray(start));
  }
  if (size > 0 || tooLong) yield take();
}
