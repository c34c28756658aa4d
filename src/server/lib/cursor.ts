import { AppError } from './errors.ts';

/** Opaque keyset cursors: the last row's sort key, base64url-encoded JSON. */
export function encodeCursor(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<K extends string>(cursor: string | undefined, keys: K[]): Record<K, string> | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (keys.every((k) => typeof parsed[k] === 'string')) return parsed as Record<K, string>;
  } catch {
    // fall through to the error below
  }
  throw new AppError('invalid_input', 'The cursor is not valid; start again from the first page', [
    { path: 'cursor', message: 'Not a cursor from this list' },
  ]);
}

/** Turns `limit + 1` fetched rows into a page and the cursor of the next one. */
export function toPage<T, I>(
  rows: T[],
  limit: number,
  cursorOf: (row: T) => Record<string, string>,
  map: (row: T) => I,
): { items: I[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(map), nextCursor: more && last ? encodeCursor(cursorOf(last)) : null };
}

/** A user's search text as a LIKE pattern: lower-cased, wildcards escaped, accents left to f_unaccent. */
export function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
