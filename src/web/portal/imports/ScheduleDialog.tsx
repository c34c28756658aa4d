import { useMemo, useState } from 'react';
import {
  Button,
  Divider,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  scheduleIssues,
  useCreateImportSchedule,
  useUpdateImportSchedule,
  type ImportSchedule,
  type ImportScheduleInput,
  type ScheduleOptions,
} from '../../api/import-schedules.ts';
import {
  IMPORT_TYPES,
  optionsOf,
  useImportCustomerGroups,
  type ImportOptionsForm,
  type ImportType,
} from '../../api/imports.ts';
import { ErrorAlert } from '../../components/ui.tsx';
import { cronOf, describeCron, frequencyOf, WEEK_ORDER, WEEKDAYS, type Frequency } from './cron.ts';
import { TYPE_HINTS, TYPE_LABELS } from './labels.tsx';
import { requiredText } from './NewImportPage.tsx';
import { optionProblems, OptionsStep } from './OptionsStep.tsx';

type Kind = Frequency['kind'];
const KINDS: { value: Kind; label: string }[] = [
  { value: 'hourly', label: 'Every hour' },
  { value: 'daily', label: 'Every day' },
  { value: 'weekly', label: 'Every week' },
  { value: 'custom', label: 'Custom (cron)' },
];

/** The options a field of the dialog shows its server problem under; the rest go to an alert. */
const FIELD_PATHS = ['name', 'type', 'folder', 'cron', 'timezone'];
const OPTION_FIELDS = ['customerGroups', 'logins', 'loginValidFrom', 'loginValidUntil'];

export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function timeZones(current: string): string[] {
  const all = Intl.supportedValuesOf('timeZone');
  return [...new Set([current, 'UTC', ...all])].sort((a, b) => a.localeCompare(b));
}

/** Croner's messages start with its class name ("CronPattern: invalid …"): keep the reason. */
function cronMessage(message: string): string {
  const reason = message.replace(/^Cron\w*:\s*/, '');
  return reason.charAt(0).toUpperCase() + reason.slice(1);
}

function scheduleOptions(o: ImportOptionsForm): ScheduleOptions {
  return {
    customerGroups: o.customerGroups,
    logins: o.logins,
    loginValidFrom: o.loginValidFrom,
    loginValidUntil: o.loginValidUntil,
    allOrNothing: o.allOrNothing,
    hasHeader: o.hasHeader,
  };
}

/** Creates a schedule, or edits `schedule`. */
export function ScheduleDialog({ schedule, onClose }: { schedule?: ImportSchedule; onClose: () => void }) {
  const initial = schedule ? frequencyOf(schedule.cron) : ({ kind: 'daily', time: '02:00' } as const);
  const [name, setName] = useState(schedule?.name ?? '');
  const [type, setType] = useState<ImportType>(schedule?.type ?? 'accounts');
  // The folder follows the type until it is typed in.
  const [folder, setFolder] = useState(schedule?.folder ?? '');
  const [folderTouched, setFolderTouched] = useState(!!schedule && schedule.folder !== schedule.type);
  const [kind, setKind] = useState<Kind>(initial.kind);
  const [time, setTime] = useState('time' in initial ? initial.time : '02:00');
  const [day, setDay] = useState(initial.kind === 'weekly' ? initial.day : 1);
  const [customCron, setCustomCron] = useState(schedule?.cron ?? '0 2 * * 1-5');
  const [timezone, setTimezone] = useState(schedule?.timezone ?? browserTimeZone());
  const [options, setOptions] = useState<ImportOptionsForm>(() =>
    optionsOf({ options: schedule?.options ?? {} }),
  );
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true);
  const zones = useMemo(() => timeZones(timezone), [timezone]);
  const groups = useImportCustomerGroups();

  const create = useCreateImportSchedule();
  const update = useUpdateImportSchedule();
  const save = schedule ? update : create;
  const issues = scheduleIssues(save.error);
  const optionIssues = Object.fromEntries(
    Object.entries(issues)
      .filter(([path]) => path.startsWith('options.'))
      .map(([path, message]) => [path.slice('options.'.length), message]),
  );
  const unshown = Object.keys(issues).filter(
    (p) => !FIELD_PATHS.includes(p) && !OPTION_FIELDS.some((f) => p === `options.${f}`),
  );
  const problems = optionProblems({ type }, options, groups.data?.available ? groups.data.items : undefined);

  const frequency: Frequency =
    kind === 'hourly'
      ? { kind }
      : kind === 'daily'
        ? { kind, time }
        : kind === 'weekly'
          ? { kind, day, time }
          : { kind, cron: customCron };
  const cron = cronOf(frequency);
  const inWords = describeCron(cron, timezone);
  const timeMissing = (kind === 'daily' || kind === 'weekly') && !/^\d{1,2}:\d{2}$/.test(time);
  const shownFolder = folderTouched ? folder : type;

  const body: ImportScheduleInput = {
    name: name.trim(),
    type,
    folder: shownFolder.trim() || type,
    cron,
    timezone,
    options: scheduleOptions(options),
    enabled,
  };
  const onSuccess = (s: ImportSchedule) => {
    notifications.show({
      color: 'green',
      message: schedule ? `Schedule “${s.name}” saved` : `Schedule “${s.name}” created`,
    });
    onClose();
  };
  // An edit sends every field too: the server keeps the ones that are equal.
  const submit = () =>
    schedule ? update.mutate({ id: schedule.id, body }, { onSuccess }) : create.mutate(body, { onSuccess });

  return (
    <Modal
      opened
      onClose={onClose}
      title={schedule ? `Edit schedule “${schedule.name}”` : 'New schedule'}
      size={720}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack gap="lg">
          <TextInput
            label="Name"
            required
            data-autofocus
            maxLength={100}
            placeholder="Nightly ERP contacts"
            description="The column mapping is remembered under this name: run the first file of this source once from “New import” with this name as its source name, to set the mapping."
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={issues.name}
          />

          <Stack gap={6}>
            <Text size="sm" fw={500}>
              What do the files hold?
            </Text>
            <SegmentedControl
              aria-label="What the files hold"
              value={type}
              onChange={setType}
              data={IMPORT_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))}
              fullWidth
            />
            <Text size="sm">{TYPE_HINTS[type]}</Text>
            <Text size="xs" c="dimmed">
              Each row needs: {requiredText(type)}.
            </Text>
            {issues.type ? (
              <Text size="xs" c="red">
                {issues.type}
              </Text>
            ) : null}
          </Stack>

          <TextInput
            label="Folder"
            description="Every CSV, TSV, TXT or Excel file dropped in this folder on the server is imported at each run, then moved to .done/ inside it."
            leftSection={
              <Text size="sm" c="dimmed" ff="monospace" pl={4}>
                $IMPORT_DROP_DIR/
              </Text>
            }
            leftSectionWidth={156}
            leftSectionPointerEvents="none"
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            maxLength={64}
            value={shownFolder}
            onChange={(e) => {
              setFolderTouched(true);
              setFolder(e.currentTarget.value);
            }}
            error={issues.folder}
          />

          <Stack gap="xs">
            <Text size="sm" fw={500} id="schedule-frequency">
              When it runs
            </Text>
            <SegmentedControl
              aria-labelledby="schedule-frequency"
              value={kind}
              onChange={setKind}
              data={KINDS}
              fullWidth
            />
            <Group align="flex-start" gap="md" wrap="wrap">
              {kind === 'weekly' ? (
                <Select
                  label="On"
                  w={150}
                  allowDeselect={false}
                  data={WEEK_ORDER.map((d) => ({ value: String(d), label: WEEKDAYS[d] ?? '' }))}
                  value={String(day)}
                  onChange={(v) => setDay(Number(v ?? 1))}
                />
              ) : null}
              {kind === 'daily' || kind === 'weekly' ? (
                <TextInput
                  type="time"
                  label="At"
                  w={130}
                  required
                  value={time}
                  onChange={(e) => setTime(e.currentTarget.value)}
                  error={timeMissing ? 'Choose a time' : undefined}
                />
              ) : null}
              {kind === 'custom' ? (
                <TextInput
                  label="Cron"
                  description="Five fields: minute, hour, day of month, month, day of week"
                  placeholder="0 2 * * 1-5"
                  required
                  w={300}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                  value={customCron}
                  onChange={(e) => setCustomCron(e.currentTarget.value)}
                  error={issues.cron ? cronMessage(issues.cron) : undefined}
                />
              ) : null}
              {kind !== 'hourly' ? (
                <Select
                  label="Time zone"
                  w={240}
                  searchable
                  allowDeselect={false}
                  data={zones}
                  value={timezone}
                  onChange={(v) => setTimezone(v ?? browserTimeZone())}
                  error={issues.timezone}
                  comboboxProps={{ withinPortal: true }}
                />
              ) : null}
            </Group>
            {kind !== 'custom' && issues.cron ? (
              <Text size="xs" c="red">
                {cronMessage(issues.cron)}
              </Text>
            ) : null}
            <Text size="sm" c="dimmed" data-testid="schedule-in-words">
              {inWords ? `Runs: ${inWords}.` : `Runs as the cron says, in ${timezone}.`}
            </Text>
          </Stack>

          <Switch
            label="Active"
            description="A paused schedule keeps its settings but does not run."
            checked={enabled}
            onChange={(e) => setEnabled(e.currentTarget.checked)}
          />

          <Divider label="Options for every file" labelPosition="left" />
          <OptionsStep
            imp={{ type }}
            options={options}
            onChange={(patch) => setOptions((o) => ({ ...o, ...patch }))}
            readOnly={false}
            repeating
            errors={optionIssues}
          />

          {save.isError && (unshown.length > 0 || Object.keys(issues).length === 0) ? (
            <ErrorAlert error={save.error} title="Not saved" />
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              type="submit"
              loading={save.isPending}
              disabled={timeMissing || Object.keys(problems).length > 0}
            >
              {schedule ? 'Save schedule' : 'Create schedule'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
