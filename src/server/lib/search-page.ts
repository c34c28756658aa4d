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
  | { kind: 'substring'; indexed: boolean; pattern: RawBuilder<string>; fragments: RawBuilder<string>[] }
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

const ASCII_WORD = /^[a-z0-9]+$/;

/**
 * The parts of a term the trigram index looks up, each a substring of it (so a row matching the term
 * matches every part; the whole term is then checked row by row). pg_trgm decodes every trigram's list
 * of rows, and the ones at a word's edges ("  c", " ch", "oe ") are the longest (every word starting
 * with c): `chloe.dub` took 10–20 ms with its 10 trigrams, 1–3 ms with `chl`, `loe`, `dub`. So: a word
 * of 3 ASCII characters or more gives the trigrams that cover it (chars 1–3, 4–6, …, and its last 3);
 * another word of 3 or more, itself (`jürgen`: accents are removed in SQL); a shorter word its
 * neighbouring separators too (`.77`, ` cl`), the only way its trigrams (edges) are read.
 */
export function indexFragments(term: string): string[] {
  const chars = [...term.toLowerCase()];
  const fragments = new Set<string>();
  for (let i = 0; i < chars.length;) {
    if (!WORD_CHAR.test(chars[i]!)) {
      i++;
      continue;
    }
    let end = i;
    while (end < chars.length && WORD_CHAR.test(chars[end]!)) end++;
    const word = chars.slice(i, end).join('');
    if (end - i >= 3 && ASCII_WORD.test(word)) {
      for (let at = 0; at < word.length - 2; at += 3) fragments.add(word.slice(at, at + 3));
      fragments.add(word.slice(-3));
    } else if (end - i >= 3) fragments.add(word);
    else {
      const padded = chars.slice(Math.max(0, i - 1), Math.min(chars.length, end + 1)).join('');
      if (likeHasTrigram(padded)) fragments.add(padded);
    }
    i = end;
  }
  return [...fragments];
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
  const fragments = indexFragments(q);
  return {
    kind: 'substring',
    indexed: fragments.length > 0,
    pattern: sql<string>`f_unaccent(${likePattern(q)})`,
    fragments: fragments.map((f) => sql<string>`f_unaccent(${likePattern(f)})`),
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
  if (term.kind === 'substring' && indexed && term.fragments.length) {
    // The index reads the fragments; the whole term, hidden from it, is checked on its rows.
    const parts = term.fragments.map((f) => sql`${col} LIKE ${f}`);
    return sql<SqlBool>`(${sql.join(parts, sql` AND `)} AND (${sql.ref(column)} || '') LIKE ${term.pattern})`;
  }
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
