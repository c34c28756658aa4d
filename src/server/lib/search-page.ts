import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { likePattern } from './cursor.ts';

/**
 * How a search term meets a `search` column (`f_unaccent(lower(…))`, trigram-indexed):
 * - `substring`: `LIKE '%term%'`, for terms of 3 characters or more;
 * - `word-start`: the start of a word, for 1–2 characters (trigrams cannot find a substring that short);
 * - `nothing`: a term without a letter or digit matches no row.
 * `indexed` is false when pg_trgm would take no trigram from the pattern: the index would read all of itself.
 */
export type SearchTerm =
  | { kind: 'nothing' }
  | { kind: 'substring'; indexed: boolean; pattern: RawBuilder<string> }
  | { kind: 'word-start'; indexed: true; pattern: RawBuilder<string>; substring: RawBuilder<string> };

const WORD_CHAR = /[\p{L}\p{N}]/u;
// What separates words in a search column: a space or ASCII punctuation. A class pg_trgm can read (a
// negated class such as [^[:alnum:]] makes it give up and scan the whole index).
const WORD_START = '(^|[ !-/:-@\\[-`{-~])';

/** Whether pg_trgm takes at least one trigram from `%term%`: a word of 3, or one padded by a separator. */
function likeHasTrigram(term: string): boolean {
  const chars = [...term];
  for (let i = 0; i < chars.length;) {
    if (!WORD_CHAR.test(chars[i]!)) {
      i++;
      continue;
    }
    let end = i;
    while (end < chars.length && WORD_CHAR.test(chars[end]!)) end++;
    // A word after a separator gets two pad blanks before it, one before a separator after it.
    const padded = end - i + (i > 0 ? 2 : 0) + (end < chars.length ? 1 : 0);
    if (padded >= 3) return true;
    i = end;
  }
  return false;
}

export function searchTerm(q: string): SearchTerm {
  const chars = [...q];
  if (!chars.some((c) => WORD_CHAR.test(c))) return { kind: 'nothing' };
  if (chars.length <= 2 && WORD_CHAR.test(chars[0]!)) {
    const escaped = q.toLowerCase().replace(/[^\p{L}\p{N}]/gu, (c) => `\\${c}`);
    return {
      kind: 'word-start',
      indexed: true,
      pattern: sql<string>`${WORD_START} || f_unaccent(${escaped})`,
      substring: sql<string>`f_unaccent(${likePattern(q)})`,
    };
  }
  return {
    kind: 'substring',
    indexed: likeHasTrigram(q),
    pattern: sql<string>`f_unaccent(${likePattern(q)})`,
  };
}

/**
 * `column` matches the term. With `indexed: false` the column is hidden from the trigram index
 * (`column || ''`), so a plan walking the primary key stays that walk.
 */
export function termMatches(
  term: Exclude<SearchTerm, { kind: 'nothing' }>,
  column: string,
  indexed: boolean,
): RawBuilder<SqlBool> {
  const col = indexed ? sql.ref(column) : sql`(${sql.ref(column)} || '')`;
  if (term.kind === 'substring') return sql<SqlBool>`${col} LIKE ${term.pattern}`;
  // Row by row, a LIKE first spares most rows the regular expression (ten times its cost); never
  // for the index, where a LIKE without trigrams would read all of it.
  if (indexed) return sql<SqlBool>`${col} ~ (${term.pattern})`;
  return sql<SqlBool>`(${col} LIKE ${term.substring} AND ${col} ~ (${term.pattern}))`;
}

/** Sizes of the search stages; tests shrink them to reach every stage with a few rows. */
export const searchStages = {
  /** Rows after the cursor the first stage reads in id order: a common term fills its page here. */
  probeRows: 2000,
  /** Most ids the trigram index may offer before the term counts as common (they are then ordered). */
  candidateCap: 5000,
};

const LAST_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

export type SearchPage = {
  table: 'contacts' | 'accounts';
  /** Conditions on the table's row besides the match: scope, visibility, the list's filters. */
  filters: Expression<SqlBool>[];
  /** The row matches the term, on the table's own columns or related rows; never through the index. */
  rowMatches: Expression<SqlBool>;
  /** Ids of every matching row through the trigram indexes (more and repeated ids are fine). */
  candidates: Expression<unknown> | null;
  after: string | undefined;
  /** Rows to return (the page and one more). */
  limit: number;
};

/**
 * One statement for a page of search matches in id order, whatever the planner estimates:
 * 1. the first `probeRows` rows after the cursor, in id order: enough matches there and the page is done
 *    (a common term: `e`, `gmail`, a frequent first name);
 * 2. else the trigram index's candidates, at most `candidateCap`, ordered by id (a rare term: the index
 *    finds all of them, however few the planner guesses);
 * 3. else (more candidates than that: common, but not in the first rows) the primary-key walk.
 * Each stage after the first runs only when the one before fell short: its condition is a one-time filter.
 */
export function searchPageQuery(page: SearchPage): RawBuilder<{ id: string }> {
  const { probeRows, candidateCap } = searchStages;
  const table = sql.table(page.table);
  const id = sql.ref(`${page.table}.id`);
  const after = page.after === undefined ? sql`true` : sql`${id} > ${page.after}::uuid`;
  const where = sql.join([...page.filters, after], sql` AND `);
  const walk = sql`SELECT ${id} FROM ${table} WHERE ${where} AND ${page.rowMatches}`;
  const probeEnd = sql`SELECT ${id} FROM ${table} WHERE ${after} ORDER BY ${id} OFFSET ${probeRows - 1} LIMIT 1`;
  const ordered = page.candidates
    ? sql`
    UNION ALL
    (SELECT ${id} FROM ${table}
      WHERE NOT (SELECT done FROM probed) AND (SELECT count(*) FROM few) <= ${candidateCap}
        AND ${id} = ANY (ARRAY(SELECT id FROM few)) AND ${where}
      ORDER BY ${id} LIMIT ${page.limit})`
    : sql``;
  const common = page.candidates ? sql`AND (SELECT count(*) FROM few) > ${candidateCap}` : sql``;
  return sql<{ id: string }>`
    WITH probe_end AS MATERIALIZED (SELECT (${probeEnd}) AS id),
    probe AS MATERIALIZED (
      ${walk} AND ${id} <= coalesce((SELECT id FROM probe_end), ${LAST_UUID}::uuid)
      ORDER BY ${id} LIMIT ${page.limit}),
    probed AS MATERIALIZED (
      SELECT count(*) = ${page.limit} OR (SELECT id IS NULL FROM probe_end) AS done FROM probe),
    hits AS MATERIALIZED (${page.candidates ?? sql`SELECT NULL::uuid AS id WHERE false`}),
    few AS MATERIALIZED (SELECT id FROM hits LIMIT ${candidateCap + 1})
    SELECT id FROM probe WHERE (SELECT done FROM probed)
    ${ordered}
    UNION ALL
    (${walk} AND NOT (SELECT done FROM probed) ${common} ORDER BY ${id} LIMIT ${page.limit})
    ORDER BY id`;
}
