import { useState } from 'react';
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Paper,
  Stack,
  Switch,
  Table,
  Text,
  Tooltip,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconCopy, IconInfoCircle, IconPlus } from '@tabler/icons-react';
import { errorMessage } from '../../api/client.ts';
import {
  useDeleteImportSchedule,
  useImportSchedules,
  useUpdateImportSchedule,
  type ImportSchedule,
} from '../../api/import-schedules.ts';
import type { ImportCounts } from '../../api/imports.ts';
import { useCan } from '../../api/session.ts';
import { RowActions } from '../../components/RowActions.tsx';
import { ScheduleUploadButton } from './ScheduleUploadButton.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { DateTime, Empty, ErrorAlert, PageLoader } from '../../components/ui.tsx';
import { describeCron } from './cron.ts';
import { COUNT_LABELS, formatNumber, ImportStatusBadge, TYPE_LABELS } from './labels.tsx';
import { ScheduleDialog } from './ScheduleDialog.tsx';

/** Where files for a schedule go, as a shell would read it on the server. */
export const dropPath = (folder: string) => `$IMPORT_DROP_DIR/${folder}/`;

function FolderCell({ folder }: { folder: string }) {
  const path = dropPath(folder);
  return (
    <Group gap={4} wrap="nowrap">
      <Code style={{ whiteSpace: 'nowrap' }}>{path}</Code>
      <CopyButton value={path}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : 'Copy the folder path'} withArrow>
            <ActionIcon
              variant="subtle"
              color={copied ? 'teal' : 'gray'}
              size="sm"
              aria-label={`Copy ${path}`}
              onClick={copy}
            >
              {copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}

const COUNT_COLORS: Record<keyof ImportCounts, string> = {
  created: 'green.8',
  updated: 'blue.8',
  unchanged: 'gray.7',
  rejected: 'red.8',
};

function LastRunCell({ schedule: s }: { schedule: ImportSchedule }) {
  const last = s.lastImport;
  if (!s.lastRunAt && !last) {
    return (
      <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
        Not run yet
      </Text>
    );
  }
  // A run finds no file most times; the last import may be from an earlier run.
  const lastRunImported =
    last && s.lastRunAt && new Date(last.createdAt).getTime() >= new Date(s.lastRunAt).getTime() - 60_000;
  const counts = last
    ? (Object.keys(COUNT_COLORS) as (keyof ImportCounts)[]).filter((k) => last.counts[k] > 0)
    : [];
  return (
    <Stack gap={2} maw={200}>
      {s.lastRunAt && !lastRunImported ? (
        <>
          <Text size="sm">
            <DateTime iso={s.lastRunAt} />
          </Text>
          <Text size="xs" c="dimmed">
            No new file.{last ? ' Last import:' : ''}
          </Text>
        </>
      ) : null}
      {last ? (
        <>
          <AnchorLink
            to="/imports/$importId"
            params={{ importId: last.id }}
            size={lastRunImported ? 'sm' : 'xs'}
            title="Open this import"
          >
            <DateTime iso={last.createdAt} />
          </AnchorLink>
          <Group gap={6} wrap="wrap" style={{ fontVariantNumeric: 'tabular-nums' }}>
            <ImportStatusBadge status={last.status} />
            {counts.map((k) => (
              <Text key={k} span size="xs" c={COUNT_COLORS[k]} style={{ whiteSpace: 'nowrap' }}>
                {formatNumber(last.counts[k])} {COUNT_LABELS[k].toLowerCase()}
              </Text>
            ))}
          </Group>
        </>
      ) : null}
    </Stack>
  );
}

/** A date and time as a time zone reads it (the browser's when `timeZone` is undefined). */
function formatIn(iso: string, timeZone: string | undefined, style: 'date' | 'time' | 'both' = 'both') {
  const opts: Intl.DateTimeFormatOptions = {
    ...(style !== 'time' && { dateStyle: 'medium' }),
    ...(style !== 'date' && { timeStyle: 'short' }),
  };
  try {
    return new Intl.DateTimeFormat(undefined, { ...opts, timeZone }).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat(undefined, opts).format(new Date(iso));
  }
}

/** The next run as the schedule's time zone reads it, and the browser's time below when that differs. */
function NextRunCell({ schedule: s }: { schedule: ImportSchedule }) {
  if (!s.enabled || !s.nextRunAt) {
    return (
      <Text size="sm" c="dimmed">
        Paused
      </Text>
    );
  }
  const there = formatIn(s.nextRunAt, s.timezone);
  const here = formatIn(s.nextRunAt, undefined);
  const sameDay = formatIn(s.nextRunAt, s.timezone, 'date') === formatIn(s.nextRunAt, undefined, 'date');
  return (
    <Stack gap={0}>
      <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
        {there}
      </Text>
      {here !== there ? (
        <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
          {sameDay ? formatIn(s.nextRunAt, undefined, 'time') : here} your time
        </Text>
      ) : null}
    </Stack>
  );
}

function ActiveSwitch({ schedule: s }: { schedule: ImportSchedule }) {
  const update = useUpdateImportSchedule();
  return (
    <Switch
      aria-label={`Active: ${s.name}`}
      checked={update.isPending ? !s.enabled : s.enabled}
      disabled={update.isPending}
      onChange={(e) =>
        update.mutate(
          { id: s.id, body: { enabled: e.currentTarget.checked } },
          {
            onSuccess: (u) =>
              notifications.show({
                color: 'green',
                message: u.enabled ? `Schedule “${u.name}” resumed` : `Schedule “${u.name}” paused`,
              }),
            onError: (err) => notifications.show({ color: 'red', message: errorMessage(err) }),
          },
        )
      }
    />
  );
}

/** The imports that run on their own from drop folders, with their last outcome. */
export function SchedulesPanel() {
  const can = useCan();
  const canRun = can('imports.run');
  const list = useImportSchedules();
  const del = useDeleteImportSchedule();
  const [editing, setEditing] = useState<ImportSchedule | 'new' | null>(null);
  const configured = list.data?.dropDirConfigured ?? true;
  const schedules = list.data?.items ?? [];

  const confirmDelete = (s: ImportSchedule) =>
    modals.openConfirmModal({
      title: `Delete the schedule “${s.name}”?`,
      children: (
        <Text size="sm">
          Files dropped in <Code>{dropPath(s.folder)}</Code> are no longer imported. Its past imports stay in
          the history, and the folder and its files are left as they are.
        </Text>
      ),
      labels: { confirm: 'Delete schedule', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () =>
        del.mutate(s.id, {
          onSuccess: () => notifications.show({ color: 'green', message: `Schedule “${s.name}” deleted` }),
          onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }),
        }),
    });

  return (
    <Stack gap="md">
      {list.data && !configured ? (
        <Alert color="yellow" icon={<IconInfoCircle size={18} />} title="Scheduled imports are not set up">
          An administrator must first set <Code>IMPORT_DROP_DIR</Code> on the server to a folder it can read
          and write (a shared volume when several instances run), then restart it. Each schedule then imports
          the files dropped in a sub-folder of it.
        </Alert>
      ) : null}
      <Paper withBorder p="md" radius="md">
        <Group justify="space-between" align="flex-start" mb="sm" wrap="nowrap">
          <Text size="sm" c="dimmed" maw={720}>
            At each run, a schedule imports every CSV, TSV, TXT or Excel file dropped in its folder on the
            server, then moves it to <Code>.done/</Code> there. Each file becomes an import in the history,
            under the schedule’s name.
          </Text>
          {canRun ? (
            <Tooltip label="IMPORT_DROP_DIR is not set on the server" disabled={configured}>
              <Button
                leftSection={<IconPlus size={16} />}
                disabled={!configured}
                onClick={() => setEditing('new')}
                style={{ flexShrink: 0 }}
              >
                New schedule
              </Button>
            </Tooltip>
          ) : null}
        </Group>
        {list.isPending ? <PageLoader /> : null}
        {list.isError ? <ErrorAlert error={list.error} /> : null}
        {list.isSuccess && schedules.length === 0 ? (
          <Empty>
            {canRun && configured
              ? 'No schedules yet. Add one to import the files dropped in a folder every day, week or hour.'
              : 'No schedules yet.'}
          </Empty>
        ) : null}
        {schedules.length > 0 ? (
          <Table.ScrollContainer minWidth={900}>
            <Table
              verticalSpacing="sm"
              horizontalSpacing="xs"
              aria-label="Import schedules"
              data-testid="schedules-table"
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Schedule and drop folder</Table.Th>
                  <Table.Th>Runs</Table.Th>
                  <Table.Th>Next run</Table.Th>
                  <Table.Th>Last run</Table.Th>
                  <Table.Th w={canRun ? 116 : 80}>Active</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {schedules.map((s) => {
                  const inWords = describeCron(s.cron, s.timezone);
                  return (
                    <Table.Tr key={s.id} data-testid={`schedule-${s.name}`}>
                      <Table.Td>
                        <Text size="sm" fw={500} lineClamp={2} maw={260} title={s.name}>
                          {s.name}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {TYPE_LABELS[s.type]}
                        </Text>
                        <FolderCell folder={s.folder} />
                      </Table.Td>
                      <Table.Td maw={180}>
                        {inWords ? (
                          <Text size="sm" title={`cron ${s.cron}`}>
                            {inWords}
                          </Text>
                        ) : (
                          <>
                            <Text size="sm" ff="monospace">
                              {s.cron}
                            </Text>
                            <Text size="xs" c="dimmed">
                              {s.timezone}
                            </Text>
                          </>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <NextRunCell schedule={s} />
                      </Table.Td>
                      <Table.Td>
                        <LastRunCell schedule={s} />
                      </Table.Td>
                      <Table.Td>
                        {canRun ? (
                          <RowActions
                            what={`schedule ${s.name}`}
                            before={
                              <>
                                <ScheduleUploadButton schedule={s} />
                                <ActiveSwitch schedule={s} />
                              </>
                            }
                            onEdit={() => setEditing(s)}
                            onDelete={() => confirmDelete(s)}
                          />
                        ) : (
                          <Badge variant="light" radius="sm" color={s.enabled ? 'green' : 'gray'}>
                            {s.enabled ? 'Active' : 'Paused'}
                          </Badge>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
      </Paper>
      {editing ? (
        <ScheduleDialog
          key={editing === 'new' ? 'new' : editing.id}
          schedule={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </Stack>
  );
}
