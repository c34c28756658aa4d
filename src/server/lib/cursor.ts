import { AppError } from './errors.ts';
import { unstorableText } from './storable-text.ts';

/** Opaque keyset cursors: the last row's sort key, base64url-encoded JSON. */
export function encodeCursor(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** What a cursor field holds; checked before it reaches SQL, where a failed cast would be a server error. */
export type CursorField = 'text' | 'uuid' | 'integer' | 'timestamp';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// PostgreSQL's timestamptz::text: `2025-01-31 09:15:02.123456+00` (the offset may carry minutes).
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

function isValid(kind: CursorField, value: string): boolean {
  if (kind === 'uuid') return UUID.test(value);
  if (kind === 'integer') return /^\d{1,18}$/.test(value);
  if (kind === 'timestamp') {
    const m = TIMESTAMP.exec(value);
    if (!m) return false;
    const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = m.slice(1, 7).map(Number);
    const date = new Date(Date.UTC(y, mo - 1, d));
    return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
  }
  return value.length <= 1000 && unstorableText(value) === undefined;
}

export function decodeCursor<K extends string>(
  cursor: string | undefined,
  fields: Record<K, CursorField>,
): Record<K, string> | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const values = parsed as Record<string, unknown>;
      const ok = (Object.entries(fields) as [K, CursorField][]).every(
        ([k, kind]) => typeof values[k] === 'string' && isValid(kind, values[k]),
      );
      if (ok) return values as Record<K, string>;
    }
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
