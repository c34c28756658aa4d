import { Alert, Checkbox, Group, MultiSelect, Radio, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import {
  useImportCustomerGroups,
  type Import,
  type ImportOptionsForm,
  type LoginMode,
} from '../../api/imports.ts';
import { ErrorAlert } from '../../components/ui.tsx';
import { useNow } from './labels.tsx';

const LOGINS: { value: LoginMode; label: string; description: string }[] = [
  {
    value: 'activation',
    label: 'Send an activation email (recommended)',
    description: 'Each new contact gets an email with a link to choose their own password.',
  },
  {
    value: 'generated',
    label: 'Generate passwords',
    description:
      'You download the passwords once, right after the import, and pass them on yourself. No email is sent.',
  },
  {
    value: 'group-password',
    label: 'Use the shared password of a customer group',
    description: 'New contacts sign in with the password of the one chosen customer group that has one.',
  },
  {
    value: 'none',
    label: 'No login for now',
    description: 'You can send activation emails from the contacts list later.',
  },
];

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO instant as the value of a datetime-local input, in the browser's time zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (browser time zone) as an ISO instant; null when empty or incomplete. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Problems the server would refuse, so the step can say so before saving. */
export function optionProblems(
  imp: Pick<Import, 'type'>,
  o: ImportOptionsForm,
  groups: { key: string; hasPassword: boolean }[] | undefined,
): Partial<Record<'loginValidUntil' | 'customerGroups', string>> {
  const out: Partial<Record<'loginValidUntil' | 'customerGroups', string>> = {};
  const from = o.loginValidFrom?.slice(0, 10);
  const until = o.loginValidUntil?.slice(0, 10);
  if (from && until && from > until) out.loginValidUntil = 'The login must start being valid before it stops';
  if (imp.type !== 'accounts' && o.logins === 'group-password' && groups) {
    const withPassword = groups.filter((g) => g.hasPassword && o.customerGroups.includes(g.key));
    if (withPassword.length !== 1)
      out.customerGroups = 'Choose exactly one customer group that has a shared password';
  }
  return out;
}

export interface OptionsStepProps {
  imp: Pick<Import, 'type'>;
  options: ImportOptionsForm;
  onChange: (patch: Partial<ImportOptionsForm>) => void;
  readOnly: boolean;
  /** The options of a repeating schedule: no one-off start time, passwords on each import's page. */
  repeating?: boolean;
  /** Problems the server reported, by option name. */
  errors?: Partial<Record<string, string>>;
}

/** Step 3: customer groups, logins and when to run. */
export function OptionsStep({ imp, options, onChange, readOnly, repeating, errors = {} }: OptionsStepProps) {
  const groups = useImportCustomerGroups();
  const now = useNow();
  // Inside the schedule dialog the options are one section among others.
  const heading = repeating ? 5 : 4;
  const available = groups.data?.available ?? true;
  const items = groups.data?.items ?? [];
  const problems = optionProblems(imp, options, groups.data?.available ? items : undefined);
  const peopleImported = imp.type !== 'accounts';
  const scheduled = options.scheduledAt ? new Date(options.scheduledAt) : null;
  const inThePast = scheduled && scheduled.getTime() < now;
  // Groups chosen before that no longer exist still show, so they can be removed.
  const data = [
    ...items.map((g) => ({
      value: g.key,
      label:
        g.hasPassword && peopleImported ? `${g.name} (${g.key}) · shared password` : `${g.name} (${g.key})`,
    })),
    ...options.customerGroups
      .filter((k) => !items.some((g) => g.key === k))
      .map((k) => ({ value: k, label: k })),
  ];

  return (
    <Stack gap="xl" maw={760}>
      <Stack gap="xs">
        <Title order={heading}>Customer groups</Title>
        {groups.isError ? <ErrorAlert error={groups.error} /> : null}
        {available ? (
          <MultiSelect
            label="Add everyone in the file to these groups"
            description={
              imp.type === 'accounts'
                ? 'Each imported account joins the groups, in addition to those named in a customer groups column.'
                : 'Each imported contact joins the groups, in addition to those named in a customer groups column.'
            }
            placeholder={
              groups.isPending ? 'Loading…' : items.length ? 'Choose groups' : 'No customer groups yet'
            }
            data={data}
            value={options.customerGroups}
            onChange={(customerGroups) => onChange({ customerGroups })}
            searchable
            clearable
            disabled={readOnly || (!groups.isPending && data.length === 0)}
            error={problems.customerGroups ?? errors.customerGroups}
            maw={520}
          />
        ) : (
          <Text size="sm" c="dimmed">
            Customer groups are not available on this server.
          </Text>
        )}
      </Stack>

      {peopleImported ? (
        <Stack gap="sm">
          <Radio.Group
            label={<Title order={heading}>Logins for new contacts</Title>}
            description="Contacts that already exist keep their login."
            value={options.logins}
            onChange={(v) => onChange({ logins: v })}
            error={errors.logins}
          >
            <Stack gap="sm" mt="sm">
              {LOGINS.map((l) => (
                <Radio
                  key={l.value}
                  value={l.value}
                  label={l.label}
                  description={l.description}
                  disabled={readOnly}
                />
              ))}
            </Stack>
          </Radio.Group>
          {options.logins === 'generated' ? (
            <Alert color="yellow" variant="light" icon={<IconInfoCircle size={18} />}>
              {repeating
                ? 'The passwords of each run can be downloaded only once, from that import’s page in the history, when it has finished.'
                : 'The passwords can be downloaded only once, on the last step, when the import has finished.'}
            </Alert>
          ) : null}
          {options.logins !== 'none' ? (
            <Group gap="md" align="flex-start">
              <TextInput
                type="date"
                label="Login works from"
                description={
                  options.logins === 'group-password' ? 'Empty: as the group says' : 'Empty: right away'
                }
                styles={{ wrapper: { width: 200 } }}
                value={options.loginValidFrom?.slice(0, 10) ?? ''}
                disabled={readOnly}
                error={errors.loginValidFrom}
                onChange={(e) => onChange({ loginValidFrom: e.currentTarget.value || null })}
              />
              <TextInput
                type="date"
                label="Login works until"
                description={
                  options.logins === 'group-password'
                    ? 'Empty: as the group says'
                    : 'Empty: no end date (the day included)'
                }
                styles={{ wrapper: { width: 200 } }}
                value={options.loginValidUntil?.slice(0, 10) ?? ''}
                disabled={readOnly}
                error={problems.loginValidUntil ?? errors.loginValidUntil}
                onChange={(e) => onChange({ loginValidUntil: e.currentTarget.value || null })}
              />
            </Group>
          ) : null}
        </Stack>
      ) : null}

      <Stack gap="sm">
        <Title order={heading}>Rejected rows</Title>
        <Checkbox
          label="All or nothing: if any row is rejected, import none of them"
          description="Otherwise the good rows are imported and the rejected ones are listed in a report you can download."
          checked={options.allOrNothing}
          disabled={readOnly}
          onChange={(e) => onChange({ allOrNothing: e.currentTarget.checked })}
        />
      </Stack>

      {repeating ? null : (
        <Stack gap="xs">
          <Title order={heading}>When</Title>
          <TextInput
            type="datetime-local"
            label="Run at (optional)"
            description="Empty: the import starts when you click Run import. Your local time."
            styles={{ wrapper: { maxWidth: 260 } }}
            value={toLocalInput(options.scheduledAt)}
            disabled={readOnly}
            error={inThePast ? 'This time has passed: the import would start right away' : undefined}
            onChange={(e) => onChange({ scheduledAt: fromLocalInput(e.currentTarget.value) })}
          />
        </Stack>
      )}
    </Stack>
  );
}
