/** Excel's built-in number formats that show dates or times (ECMA-376 §18.8.30; 50–58 are East Asian dates). */
const BUILTIN_DATE_FORMATS = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54,
  55, 56, 57, 58,
]);

/** Whether a number format shows a date or time: a built-in date id, or a format code using d, m, y, h or s. */
export function isDateFormat(id: number, code: string | undefined): boolean {
  if (code === undefined) return BUILTIN_DATE_FORMATS.has(id);
  const tokens = code
    .split(';')[0]!
    .replace(/"[^"]*"/g, '') // literal text
    .replace(/[\\_*]./g, '') // escaped characters, padding and fill
    .replace(/\[(?!h+\]|m+\]|s+\])[^\]]*\]/gi, ''); // colours, conditions, locales (not elapsed [h]/[m]/[s])
  return /[dmyhs]/i.test(tokens);
}

/** A number as Excel shows it at most: 15 significant digits, so 0.1+0.2 reads "0.3" and 10001 "10001". */
export function formatNumber(value: number): string {
  if (Number.isSafeInteger(value) && Math.abs(value) < 1e15) return String(value);
  return String(Number(value.toPrecision(15)));
}

const DAY_MS = 86_400_000;

/**
 * An Excel date serial as ISO text: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS` with a time of day, `HH:MM:SS` for
 * a time alone. Serials are wall-clock times without a zone; before 1900-03-01 Excel counts a 29 February
 * that never was, hence the shifted epoch there.
 */
export function formatExcelDate(serial: number, date1904: boolean): string {
  const key = date1904 ? -serial : serial;
  let text = recentDates.get(key);
  if (text === undefined) {
    if (recentDates.size > 10_000) recentDates.clear();
    recentDates.set(key, (text = serialToIso(serial, date1904)));
  }
  return text;
}

// Columns of dates repeat the same few thousand days; formatting each once halves the cost of a dated sheet.
const recentDates = new Map<number, string>();

function serialToIso(serial: number, date1904: boolean): string {
  if (!Number.isFinite(serial) || serial < 0 || serial > 2_958_465) return formatNumber(serial);
  const days = Math.floor(serial);
  const seconds = Math.round((serial - days) * 86_400);
  const epoch = date1904
    ? Date.UTC(1904, 0, 1)
    : serial < 60
      ? Date.UTC(1899, 11, 31)
      : Date.UTC(1899, 11, 30);
  const iso = new Date(epoch + days * DAY_MS + seconds * 1000).toISOString();
  if (days === 0) return iso.slice(11, 19);
  return seconds === 0 ? iso.slice(0, 10) : iso.slice(0, 19);
}

/** A `t="d"` cell's ISO 8601 text, shortened to the date when it has no time of day. */
export function formatIsoDate(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(
    text.trim(),
  );
  if (!m) return text;
  const time = m[2];
  if (!time || /^00:00(:00)?$/.test(time)) return m[1]!;
  return `${m[1]}T${time.length === 5 ? `${time}:00` : time}`;
}

/** Excel writes characters XML cannot hold as `_xHHHH_` (and a literal `_x` as `_x005F_x`). */
export function unescapeExcelText(text: string): string {
  return text.includes('_x')
    ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    : text;
}
