/** The frequencies the schedule dialog offers, and the five-field crons they stand for. */
export type Frequency =
  | { kind: 'hourly' }
  | { kind: 'daily'; time: string }
  | { kind: 'weekly'; day: number; time: string }
  | { kind: 'custom'; cron: string };

/** Sunday is 0, as in cron; the lists start on Monday. */
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0];

const pad = (n: number) => String(n).padStart(2, '0');
const INT = /^\d{1,2}$/;

function inRange(field: string, max: number): number | null {
  if (!INT.test(field)) return null;
  const n = Number(field);
  return n <= max ? n : null;
}

/** "02:00" → [2, 0]; null unless a valid 24-hour time. */
function parseTime(time: string): [number, number] | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h < 24 && min < 60 ? [h, min] : null;
}

/** The cron of a frequency; a time that is not HH:MM counts as 00:00. */
export function cronOf(f: Frequency): string {
  if (f.kind === 'hourly') return '0 * * * *';
  if (f.kind === 'custom') return f.cron.trim().replace(/\s+/g, ' ');
  const [h, m] = parseTime(f.time) ?? [0, 0];
  return f.kind === 'daily' ? `${m} ${h} * * *` : `${m} ${h} * * ${f.day}`;
}

/** The dialog's frequency for a stored cron: one of the simple ones when it is, custom otherwise. */
export function frequencyOf(cron: string): Frequency {
  const fields = cron.trim().split(/\s+/);
  if (fields.length === 5) {
    const [min, hour, dom, month, dow] = fields as [string, string, string, string, string];
    const m = inRange(min, 59);
    const h = inRange(hour, 23);
    if (m === 0 && hour === '*' && dom === '*' && month === '*' && dow === '*') return { kind: 'hourly' };
    if (m !== null && h !== null && dom === '*' && month === '*') {
      const time = `${pad(h)}:${pad(m)}`;
      if (dow === '*') return { kind: 'daily', time };
      const d = inRange(dow, 7);
      if (d !== null) return { kind: 'weekly', day: d % 7, time };
    }
  }
  return { kind: 'custom', cron: cron.trim() };
}

/** "Monday, Wednesday and Friday". */
function listOf(words: string[]): string {
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : (words[0] ?? '');
}

/** Weekdays of a day-of-week field ("1", "1-5", "1,3,5"), or null for anything else. */
function weekdays(dow: string): number[] | null {
  const range = /^(\d)-(\d)$/.exec(dow);
  if (range) {
    const from = Number(range[1]);
    const to = Number(range[2]);
    if (from > to || to > 7) return null;
    return Array.from({ length: to - from + 1 }, (_, i) => (from + i) % 7);
  }
  const days = dow.split(',').map((d) => inRange(d, 7));
  return days.every((d) => d !== null) ? [...new Set(days.map((d) => d % 7))] : null;
}

/**
 * A cron in words: "Every day at 02:00 (Europe/Paris)", "Every hour", "Every Monday at 06:00 (UTC)";
 * null when it is not one of the common shapes (show the cron itself then).
 */
export function describeCron(cron: string, timezone: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const [min, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const m = inRange(min, 59);
  const everyDay = dom === '*' && month === '*' && dow === '*';

  const everyN = /^\*\/(\d+)$/;
  const minuteStep = everyN.exec(min);
  if (min === '*' && hour === '*' && everyDay) return 'Every minute';
  if (minuteStep && hour === '*' && everyDay) return `Every ${Number(minuteStep[1])} minutes`;
  if (m === null) return null;
  const past = m === 0 ? '' : `, at ${m} minutes past`;
  if (hour === '*' && everyDay) return m === 0 ? 'Every hour' : `Every hour at ${m} minutes past`;
  const hourStep = everyN.exec(hour);
  if (hourStep && everyDay) return `Every ${Number(hourStep[1])} hours${past} (${timezone})`;

  const h = inRange(hour, 23);
  if (h === null || month !== '*') return null;
  const at = `at ${pad(h)}:${pad(m)} (${timezone})`;
  if (everyDay) return `Every day ${at}`;
  if (dom === '*') {
    const days = weekdays(dow);
    if (!days || days.length === 0) return null;
    if (days.length === 5 && [1, 2, 3, 4, 5].every((d) => days.includes(d)))
      return `Every weekday (Monday to Friday) ${at}`;
    const names = WEEK_ORDER.filter((d) => days.includes(d)).map((d) => WEEKDAYS[d] ?? '');
    return `Every ${listOf(names)} ${at}`;
  }
  const day = inRange(dom, 31);
  if (day !== null && day > 0 && dow === '*') return `Every month on day ${day} ${at}`;
  return null;
}
