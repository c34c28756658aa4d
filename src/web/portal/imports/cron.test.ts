import { describe, expect, it } from 'vitest';
import { cronOf, describeCron, frequencyOf } from './cron.ts';

describe('schedule crons in words', () => {
  it('says the common shapes in words, with the time zone when a time of day matters', () => {
    expect(describeCron('0 2 * * *', 'Europe/Paris')).toBe('Every day at 02:00 (Europe/Paris)');
    expect(describeCron('0 * * * *', 'UTC')).toBe('Every hour');
    expect(describeCron('30 * * * *', 'UTC')).toBe('Every hour at 30 minutes past');
    expect(describeCron('0 6 * * 1', 'UTC')).toBe('Every Monday at 06:00 (UTC)');
    expect(describeCron('0 6 * * 7', 'UTC')).toBe('Every Sunday at 06:00 (UTC)');
    expect(describeCron('15 22 * * 1-5', 'UTC')).toBe('Every weekday (Monday to Friday) at 22:15 (UTC)');
    expect(describeCron('0 8 * * 1,3,5', 'UTC')).toBe('Every Monday, Wednesday and Friday at 08:00 (UTC)');
    expect(describeCron('0 3 1 * *', 'UTC')).toBe('Every month on day 1 at 03:00 (UTC)');
    expect(describeCron('*/15 * * * *', 'UTC')).toBe('Every 15 minutes');
    expect(describeCron('* * * * *', 'UTC')).toBe('Every minute');
    expect(describeCron('0 */4 * * *', 'UTC')).toBe('Every 4 hours (UTC)');
  });

  it('leaves other crons to be shown as they are', () => {
    expect(describeCron('0 2 * 1 *', 'UTC')).toBeNull();
    expect(describeCron('0 2 * * MON', 'UTC')).toBeNull();
    expect(describeCron('every night', 'UTC')).toBeNull();
    expect(describeCron('0 25 * * *', 'UTC')).toBeNull();
  });
});

describe('the frequency picker', () => {
  it('makes the cron of each frequency', () => {
    expect(cronOf({ kind: 'hourly' })).toBe('0 * * * *');
    expect(cronOf({ kind: 'daily', time: '02:00' })).toBe('0 2 * * *');
    expect(cronOf({ kind: 'weekly', day: 1, time: '06:30' })).toBe('30 6 * * 1');
    expect(cronOf({ kind: 'custom', cron: ' 0  2 * * 1-5 ' })).toBe('0 2 * * 1-5');
  });

  it('reads a stored cron back into the simple frequency it came from', () => {
    expect(frequencyOf('0 * * * *')).toEqual({ kind: 'hourly' });
    expect(frequencyOf('0 2 * * *')).toEqual({ kind: 'daily', time: '02:00' });
    expect(frequencyOf('30 6 * * 1')).toEqual({ kind: 'weekly', day: 1, time: '06:30' });
    expect(frequencyOf('0 6 * * 7')).toEqual({ kind: 'weekly', day: 0, time: '06:00' });
    expect(frequencyOf('0 2 * * 1-5')).toEqual({ kind: 'custom', cron: '0 2 * * 1-5' });
  });
});
