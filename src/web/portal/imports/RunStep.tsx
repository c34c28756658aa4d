import { Alert, Anchor, Button, Group, Paper, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import {
  IconAlertCircle,
  IconCircleCheck,
  IconClock,
  IconDownload,
  IconKey,
  IconPlayerPlay,
  IconPlayerStop,
  IconSearch,
} from '@tabler/icons-react';
import {
  credentialsUrl,
  FIELDS_BY_TYPE,
  importKeys,
  isEditable,
  isWorking,
  optionsOf,
  reportUrl,
  useCancelImport,
  useStartImport,
  IMPORT_FIELD_LABELS,
  type ColumnSource,
  type Import,
  type ImportCounts,
  type LoginMode,
} from '../../api/imports.ts';
import { ErrorAlert, Field, formatDateTime } from '../../components/ui.tsx';
import { COUNT_LABELS, formatBytes, formatDuration, formatNumber, useNow } from './labels.tsx';

/** The server counts the rows of files this small exactly, and estimates bigger ones. */
const ESTIMATED_ABOVE = 20;

const COUNT_COLORS: Record<keyof ImportCounts, string> = {
  created: 'green.8',
  updated: 'blue.8',
  unchanged: 'gray.7',
  rejected: 'red.8',
};

function Counts({ counts, dryRun, testId }: { counts: ImportCounts; dryRun?: boolean; testId: string }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm" data-testid={testId}>
      {(Object.keys(COUNT_LABELS) as (keyof ImportCounts)[]).map((k) => (
        <Paper key={k} withBorder p="sm" radius="md" data-testid={`${testId}-${k}`}>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            {dryRun ? `Would be ${COUNT_LABELS[k].toLowerCase()}` : COUNT_LABELS[k]}
          </Text>
          <Text fz={26} fw={700} c={counts[k] ? COUNT_COLORS[k] : 'dimmed'} lh={1.3}>
            {formatNumber(counts[k])}
          </Text>
        </Paper>
      ))}
    </SimpleGrid>
  );
}

function ProgressPanel({
  imp,
  onCancel,
  cancelling,
}: {
  imp: Import;
  onCancel?: () => void;
  cancelling: boolean;
}) {
  const p = imp.progress;
  const dryRun = p.pass === 'dry-run' || imp.status === 'checking';
  const applying = p.phase === 'applying';
  const done = applying ? p.rowsApplied : p.rowsRead;
  const what = dryRun
    ? applying
      ? 'Working out what would change'
      : 'Reading and checking the rows'
    : applying
      ? 'Saving accounts and contacts'
      : 'Reading and checking the rows';
  // While the file is being read, the server's total is an estimate from the file size.
  const about = !applying && p.totalRows !== null && p.totalRows > ESTIMATED_ABOVE ? 'about ' : '';
  const details = [
    done === 0 && !applying
      ? 'Starting…'
      : p.totalRows
        ? `${formatNumber(done)} of ${about}${formatNumber(p.totalRows)} rows`
        : `${formatNumber(done)} rows`,
    p.rowsPerSecond ? `${formatNumber(p.rowsPerSecond)} rows a second` : null,
    p.etaSeconds !== null && p.etaSeconds > 0 ? `about ${formatDuration(p.etaSeconds)} left` : null,
  ].filter(Boolean);
  return (
    <Paper withBorder p="md" radius="md" data-testid="import-progress">
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={600}>
            {dryRun ? 'Dry run' : 'Importing'}: {what}…
          </Text>
          <Text fw={600} c="indigo.7">
            {p.percent}%
          </Text>
        </Group>
        <Progress
          value={p.percent}
          size="lg"
          animated
          striped
          aria-label={`${dryRun ? 'Dry run' : 'Import'} progress`}
        />
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {details.join(' · ')}
          </Text>
          {onCancel ? (
            <Button
              size="xs"
              variant="light"
              color="red"
              leftSection={<IconPlayerStop size={14} />}
              loading={cancelling}
              onClick={onCancel}
            >
              {dryRun ? 'Stop the dry run' : 'Cancel import'}
            </Button>
          ) : null}
        </Group>
        {!dryRun ? (
          <Text size="xs" c="dimmed">
            You can leave this page: the import goes on. Cancelling keeps the rows already saved.
          </Text>
        ) : null}
      </Stack>
    </Paper>
  );
}

function Downloads({ imp, rejected }: { imp: Import; rejected: number }) {
  const qc = useQueryClient();
  return (
    <Stack gap="sm">
      {rejected > 0 ? (
        <Group gap="xs" data-testid="report-links">
          <IconDownload size={18} />
          <Text size="sm">
            Download the rejected {rejected === 1 ? 'row' : 'rows'}, with the line and the reason:
          </Text>
          <Anchor href={reportUrl(imp.id, 'csv')} download size="sm" fw={500}>
            CSV
          </Anchor>
          <Text size="sm" c="dimmed">
            ·
          </Text>
          <Anchor href={reportUrl(imp.id, 'xlsx')} download size="sm" fw={500}>
            Excel (XLSX)
          </Anchor>
        </Group>
      ) : null}
      {imp.hasCredentials ? (
        <Alert color="yellow" icon={<IconKey size={18} />} title="Generated passwords">
          <Stack gap="xs" align="flex-start">
            <Text size="sm">
              The file with the new contacts’ passwords can be downloaded <b>only once</b>. Keep it somewhere
              safe and delete it once the passwords are passed on.
            </Text>
            <Button
              component="a"
              href={credentialsUrl(imp.id)}
              download
              size="xs"
              leftSection={<IconDownload size={14} />}
              onClick={() =>
                // The server deletes the passwords as it sends them: let the button go.
                setTimeout(() => void qc.invalidateQueries({ queryKey: importKeys.one(imp.id) }), 1500)
              }
            >
              Download passwords
            </Button>
          </Stack>
        </Alert>
      ) : null}
    </Stack>
  );
}

const LOGIN_LABELS: Record<LoginMode, string> = {
  activation: 'Activation email',
  generated: 'Generated passwords (downloaded once)',
  'group-password': 'Shared password of the customer group',
  none: 'No login',
};

/** What the import will do (or did): from which file, which columns, with which options. */
function Summary({ imp }: { imp: Import }) {
  const o = optionsOf(imp);
  const mapped = FIELDS_BY_TYPE[imp.type].flatMap((field) => {
    const source: ColumnSource | undefined = imp.mapping[field];
    if (!source) return [];
    const label = IMPORT_FIELD_LABELS[field].replace(/ \(.*\)$/, '');
    return ['column' in source ? `${label} ← “${source.column}”` : `${label} = “${source.value}”`];
  });
  for (const t of imp.attributeTargets) {
    const source = imp.mapping[t.target];
    if (source)
      mapped.push('column' in source ? `${t.label} ← “${source.column}”` : `${t.label} = “${source.value}”`);
  }
  const validity = [
    o.loginValidFrom ? `from ${o.loginValidFrom.slice(0, 10)}` : null,
    o.loginValidUntil ? `until ${o.loginValidUntil.slice(0, 10)}` : null,
  ].filter(Boolean);
  return (
    <Paper withBorder p="md" radius="md" bg="gray.0" data-testid="import-summary">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="sm">
        <Field label="File">
          {imp.fileName ?? 'Pasted rows'}
          {imp.fileSize ? ` (${formatBytes(imp.fileSize)})` : ''}
          {imp.sheet ? `, sheet “${imp.sheet}”` : ''}
        </Field>
        <Field label="Customer groups">
          {o.customerGroups.length ? o.customerGroups.join(', ') : 'None'}
        </Field>
        <Field label={`Columns used (${mapped.length})`}>
          <Text size="sm" lineClamp={3} title={mapped.join(', ')}>
            {mapped.join(', ') || 'None'}
          </Text>
        </Field>
        {imp.type !== 'accounts' ? (
          <Field label="Logins for new contacts">
            {LOGIN_LABELS[o.logins]}
            {o.logins !== 'none' && validity.length ? `, valid ${validity.join(' ')}` : ''}
          </Field>
        ) : null}
        <Field label="Rejected rows">
          {o.allOrNothing
            ? 'All or nothing: one rejected row stops the whole import'
            : 'Left out and reported'}
        </Field>
        {imp.startedAt && !isEditable(imp.status) ? (
          <Field label="Started">{formatDateTime(imp.startedAt)}</Field>
        ) : (
          <Field label="Runs">
            {o.scheduledAt ? formatDateTime(o.scheduledAt) : 'When you click Run import'}
          </Field>
        )}
      </SimpleGrid>
    </Paper>
  );
}

/** Step 4: the dry run, the run with its progress, and the outcome. */
export function RunStep({ imp, canRun, blocked }: { imp: Import; canRun: boolean; blocked: string | null }) {
  const start = useStartImport(imp.id);
  const cancel = useCancelImport(imp.id);
  const now = useNow();
  const options = optionsOf(imp);
  const at = options.scheduledAt ? new Date(options.scheduledAt) : null;
  const later = at && at.getTime() > now ? at : null;
  const { status } = imp;
  const startable = canRun && (status === 'uploaded' || status === 'checked');
  const working = isWorking(status);
  const finished = status === 'completed' || status === 'failed' || status === 'cancelled';

  return (
    <Stack gap="lg" maw={900}>
      {!finished ? <Summary imp={imp} /> : null}
      {status === 'uploaded' ? (
        <Stack gap={4}>
          <Title order={4}>Check the whole file first</Title>
          <Text size="sm" c="dimmed">
            The dry run reads every row and counts what would be created, updated, left unchanged or rejected,
            without saving anything.
          </Text>
        </Stack>
      ) : null}

      {working ? (
        <ProgressPanel
          imp={imp}
          onCancel={canRun ? () => cancel.mutate() : undefined}
          cancelling={cancel.isPending}
        />
      ) : null}

      {status === 'checked' && imp.dryRunCounts ? (
        <Stack gap="sm">
          <Group gap="xs">
            <IconSearch size={20} color="var(--mantine-color-cyan-7)" />
            <Title order={4}>The dry run found</Title>
          </Group>
          <Counts counts={imp.dryRunCounts} dryRun testId="dry-run-counts" />
          {imp.dryRunCounts.rejected > 0 ? (
            <Downloads imp={{ ...imp, hasCredentials: false }} rejected={imp.dryRunCounts.rejected} />
          ) : null}
          {imp.dryRunCounts.rejected > 0 && options.allOrNothing ? (
            <Alert color="orange" variant="light" icon={<IconAlertCircle size={18} />}>
              You chose all or nothing: with rejected rows, running the import would save none of them.
            </Alert>
          ) : null}
        </Stack>
      ) : null}

      {status === 'scheduled' || status === 'queued' ? (
        <Alert color="violet" variant="light" icon={<IconClock size={18} />} title="Scheduled">
          <Group justify="space-between" align="center">
            <Text size="sm">
              {status === 'scheduled' && imp.scheduledAt
                ? `The import starts on its own on ${formatDateTime(imp.scheduledAt)}. You can close this page.`
                : 'The import is waiting to start.'}
            </Text>
            {canRun ? (
              <Button
                size="xs"
                variant="light"
                color="red"
                loading={cancel.isPending}
                onClick={() => cancel.mutate()}
              >
                Cancel import
              </Button>
            ) : null}
          </Group>
        </Alert>
      ) : null}

      {finished ? (
        <Stack gap="sm">
          {status === 'completed' ? (
            <Group gap="xs">
              <IconCircleCheck size={22} color="var(--mantine-color-green-7)" />
              <Title order={4}>Import completed</Title>
              {imp.finishedAt ? (
                <Text size="sm" c="dimmed">
                  {formatDateTime(imp.finishedAt)}
                </Text>
              ) : null}
            </Group>
          ) : null}
          {status === 'failed' ? (
            <Alert
              color="red"
              icon={<IconAlertCircle size={18} />}
              title="The import failed"
              data-testid="import-error"
            >
              {imp.error ?? 'An unexpected error stopped the import.'} Rows saved before it stopped stay
              saved.
            </Alert>
          ) : null}
          {status === 'cancelled' ? (
            <Alert color="orange" icon={<IconPlayerStop size={18} />} title="Cancelled">
              The import was cancelled. Rows saved before that stay saved.
            </Alert>
          ) : null}
          <Counts counts={imp.counts} testId="import-counts" />
          <Downloads imp={imp} rejected={imp.counts.rejected} />
        </Stack>
      ) : null}

      {finished ? <Summary imp={imp} /> : null}
      {start.isError ? <ErrorAlert error={start.error} title="The import could not start" /> : null}
      {cancel.isError ? <ErrorAlert error={cancel.error} /> : null}
      {blocked && startable ? (
        <Alert color="yellow" variant="light" icon={<IconAlertCircle size={18} />}>
          {blocked}
        </Alert>
      ) : null}

      {startable ? (
        <Group gap="sm">
          <Button
            variant={status === 'checked' ? 'default' : 'filled'}
            leftSection={<IconSearch size={16} />}
            loading={start.isPending && start.variables === 'dry-run'}
            disabled={!!blocked || (start.isPending && start.variables === 'run')}
            onClick={() => start.mutate('dry-run')}
          >
            {status === 'checked' ? 'Dry run again' : 'Dry run'}
          </Button>
          <Button
            variant={status === 'checked' ? 'filled' : 'default'}
            color={later ? 'violet' : undefined}
            leftSection={later ? <IconClock size={16} /> : <IconPlayerPlay size={16} />}
            loading={start.isPending && start.variables === 'run'}
            disabled={!!blocked || (start.isPending && start.variables === 'dry-run')}
            onClick={() => start.mutate('run')}
          >
            {later ? `Schedule for ${formatDateTime(later.toISOString())}` : 'Run import'}
          </Button>
        </Group>
      ) : null}
      {!canRun && !finished && !working ? (
        <Text size="sm" c="dimmed">
          Running imports needs the “Run imports” permission.
        </Text>
      ) : null}
    </Stack>
  );
}
