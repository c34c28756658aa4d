import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ImportSchedule } from '../../src/contracts/imports.ts';
import {
  adminApi,
  baseUrl,
  fieldError,
  signedInContext,
  unique,
  useBrowser,
  visible,
  type Api,
} from './browser.ts';

const { browser } = useBrowser();
let api: Api;
let context: BrowserContext | undefined;
const run = unique();

beforeAll(async () => {
  api = await adminApi();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function newPage(): Promise<Page> {
  context = await signedInContext(browser());
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

async function schedules() {
  return (await api<{ items: ImportSchedule[]; dropDirConfigured: boolean }>('GET', '/api/import-schedules'))
    .items;
}

async function openSchedulesTab(page: Page) {
  await page.goto(`${baseUrl()}/imports`);
  // The history stays the first view.
  await visible(page.getByTestId('imports-table'));
  expect(await page.getByRole('tab', { name: 'History' }).getAttribute('aria-selected')).toBe('true');
  await page.getByRole('tab', { name: 'Schedules' }).click();
  await page.waitForURL(`${baseUrl()}/imports?tab=schedules`);
}

async function chooseTimeZone(dialog: Locator, zone: string) {
  const input = dialog.getByLabel('Time zone', { exact: true });
  await input.click();
  await input.fill(zone);
  await (await visible(dialog.page().getByRole('option', { name: zone, exact: true }))).click();
}

describe('import schedules in the portal', () => {
  it('creates a nightly schedule, lists it with its folder and next run, pauses, edits and deletes it', async () => {
    const name = `Nightly contacts ${run}`;
    const page = await newPage();
    await openSchedulesTab(page);
    await page.getByRole('button', { name: 'New schedule' }).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'New schedule' }));

    await dialog.getByLabel('Name', { exact: true }).fill(name);
    await dialog.getByText('Contacts', { exact: true }).click();
    // The folder follows the type.
    expect(await dialog.getByLabel('Folder').inputValue()).toBe('contacts');
    await dialog.getByText('Every day', { exact: true }).click();
    await dialog.getByLabel('At', { exact: true }).fill('02:00');
    await chooseTimeZone(dialog, 'Europe/Paris');
    await page.screenshot({ path: '/tmp/schedules-dialog-top.png' });
    expect(await dialog.getByTestId('schedule-in-words').textContent()).toBe(
      'Runs: Every day at 02:00 (Europe/Paris).',
    );
    await dialog.getByRole('radio', { name: /No login for now/ }).check();
    await page.screenshot({ path: '/tmp/schedules-dialog.png', fullPage: true });
    await dialog.getByRole('button', { name: 'Create schedule' }).click();
    await dialog.waitFor({ state: 'detached' });

    const row = await visible(page.getByTestId(`schedule-${name}`));
    const cells = await row.locator('td').allInnerTexts();
    expect(cells[0]).toContain(name);
    expect(cells[0]).toContain('Contacts');
    expect(cells[0]).toContain('$IMPORT_DROP_DIR/contacts/');
    expect(cells[1]).toBe('Every day at 02:00 (Europe/Paris)');
    expect(cells[3]).toBe('Not run yet');
    await visible(row.getByRole('button', { name: 'Copy $IMPORT_DROP_DIR/contacts/' }));

    const [created] = (await schedules()).filter((s) => s.name === name);
    expect(created).toMatchObject({
      type: 'contacts',
      folder: 'contacts',
      cron: '0 2 * * *',
      timezone: 'Europe/Paris',
      enabled: true,
      options: { logins: 'none' },
    });
    // The next run is the coming 02:00 in Paris, and the page shows it.
    const next = new Date(created!.nextRunAt!);
    const paris = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Paris',
      hour: '2-digit',
      minute: '2-digit',
    });
    expect(paris.format(next)).toBe('02:00');
    // Shown as Paris reads it, and in the browser's own time zone when that reads it otherwise.
    expect(next.getTime() - Date.now()).toBeGreaterThan(0);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(25 * 3600_000);
    const shown = await page.evaluate(
      (iso) =>
        new Intl.DateTimeFormat(undefined, {
          dateStyle: 'medium',
          timeStyle: 'short',
          timeZone: 'Europe/Paris',
        }).format(new Date(iso)),
      created!.nextRunAt!,
    );
    expect(cells[2]?.split('\n')[0]).toBe(shown);
    // The server made the folder to drop files in.
    expect(fs.statSync(path.join(inject('importDropDir'), 'contacts')).isDirectory()).toBe(true);
    await page.screenshot({ path: '/tmp/schedules-list.png', fullPage: true });

    // Pause it.
    // The input is hidden under the switch's track, which takes the click.
    await row.getByRole('switch', { name: `Active: ${name}` }).click({ force: true });
    await visible(row.getByText('Paused', { exact: true }).first());
    await expect.poll(async () => (await schedules()).find((s) => s.name === name)?.enabled).toBe(false);
    expect((await schedules()).find((s) => s.name === name)?.nextRunAt).toBeNull();
    expect(await row.locator('td').nth(2).innerText()).toBe('Paused');
    await page.screenshot({ path: '/tmp/schedules-paused.png', fullPage: true });

    // Edit: the dialog holds what was saved; switch to every Monday at 06:00.
    await row.getByRole('button', { name: `Edit schedule ${name}` }).click();
    const edit = await visible(page.getByRole('dialog', { name: `Edit schedule “${name}”` }));
    expect(await edit.getByLabel('At', { exact: true }).inputValue()).toBe('02:00');
    expect(await edit.getByLabel('Time zone', { exact: true }).inputValue()).toBe('Europe/Paris');
    await edit.getByText('Every week', { exact: true }).click();
    await edit.getByLabel('At', { exact: true }).fill('06:00');
    expect(await edit.getByTestId('schedule-in-words').textContent()).toBe(
      'Runs: Every Monday at 06:00 (Europe/Paris).',
    );
    await edit.getByRole('button', { name: 'Save schedule' }).click();
    await edit.waitFor({ state: 'detached' });
    await visible(row.getByText('Every Monday at 06:00 (Europe/Paris)'));
    expect((await schedules()).find((s) => s.name === name)).toMatchObject({
      cron: '0 6 * * 1',
      enabled: false,
    });

    // Delete, after confirming.
    await row.getByRole('button', { name: `Delete schedule ${name}` }).click();
    const confirm = await visible(page.getByRole('dialog', { name: `Delete the schedule “${name}”?` }));
    await confirm.getByRole('button', { name: 'Delete schedule' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await schedules()).some((s) => s.name === name)).toBe(false);
  });

  it('shows the server’s cron error next to a custom cron, and keeps the dialog open', async () => {
    const name = `Bad cron ${run}`;
    const page = await newPage();
    await openSchedulesTab(page);
    await page.getByRole('button', { name: 'New schedule' }).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'New schedule' }));
    await dialog.getByLabel('Name', { exact: true }).fill(name);
    await dialog.getByText('Custom (cron)', { exact: true }).click();
    const cron = dialog.getByLabel('Cron', { exact: true });
    await cron.fill('every night');
    await dialog.getByRole('button', { name: 'Create schedule' }).click();

    await expect.poll(() => fieldError(cron)).toMatch(/five, six, or seven space separated parts/);
    await visible(dialog);
    await page.screenshot({ path: '/tmp/schedules-cron-error.png', fullPage: true });
    expect((await schedules()).some((s) => s.name === name)).toBe(false);

    // A valid cron goes through.
    await cron.fill('30 1 * * 1-5');
    expect(await dialog.getByTestId('schedule-in-words').textContent()).toMatch(
      /^Runs: Every weekday \(Monday to Friday\) at 01:30 \(.+\)\.$/,
    );
    await dialog.getByRole('button', { name: 'Create schedule' }).click();
    await dialog.waitFor({ state: 'detached' });
    await visible(page.getByTestId(`schedule-${name}`));
    await api('DELETE', `/api/import-schedules/${(await schedules()).find((s) => s.name === name)!.id}`);
  });
});
