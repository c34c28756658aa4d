import { useState } from 'react';
import { REQUIRABLE_FIELD_LABELS } from '../../../contracts/required-fields.ts';
import { useFieldRules } from '../../api/field-rules.ts';
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  MultiSelect,
  Radio,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { IconAlertTriangle, IconDownload, IconInfoCircle } from '@tabler/icons-react';
import type { Account } from '../../../contracts/accounts.ts';
import type { BulkAddStatus } from '../../../contracts/contacts-bulk.ts';
import type { LoginMode } from '../../../contracts/imports.ts';
import { fieldErrorsOf } from '../../api/client.ts';
import {
  allOrNothingResults,
  passwordsCsv,
  useBulkAddContacts,
  type ContactBulkAddResult,
} from '../../api/contacts-bulk.ts';
import { fromLocalInput, useCustomerGroups } from '../../api/customer-groups.ts';
import { useCan } from '../../api/session.ts';
import { AccountPicker } from '../../components/AccountPicker.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { ErrorAlert } from '../../components/ui.tsx';
import { useAttributeForm } from '../../components/AttributeFields.tsx';

const PLACEHOLDER = [
  'anna.berg@example.com, Anna, Berg, +49 30 1234567',
  'ben.roth@example.com; Ben; Roth',
  '…or paste cells copied from a spreadsheet',
].join('\n');

const STATUS: Record<BulkAddStatus, { label: string; color: string }> = {
  created: { label: 'Created', color: 'green' },
  exists: { label: 'Already exists', color: 'blue' },
  invalid: { label: 'Invalid', color: 'red' },
};

const LOGINS: Array<{ value: LoginMode; label: string; description: string }> = [
  { value: 'none', label: 'No login for now', description: 'Send an activation email later' },
  {
    value: 'activation',
    label: 'Send the welcome email',
    description: 'Each new contact chooses a password with the activation link',
  },
  {
    value: 'generated',
    label: 'Generate a password for each',
    description: 'Shown once after adding, to download as CSV',
  },
  {
    value: 'group-password',
    label: 'Use the shared password of a customer group',
    description: 'Choose exactly one group that has a shared password',
  },
];

interface BulkAddContactsDialogProps {
  opened: boolean;
  onClose: () => void;
  /** Pre-selects this account (from an account's page). */
  account?: Account;
}

/** Adds many contacts from pasted lines, then shows each line's outcome. */
export function BulkAddContactsDialog({ opened, onClose, account }: BulkAddContactsDialogProps) {
  const can = useCan();
  const canCreateAccounts = can('accounts.write');
  const groups = useCustomerGroups(opened && can('customerGroups.read'));
  const add = useBulkAddContacts();
  const [text, setText] = useState('');
  const rules = useFieldRules(opened);
  const mandatory = (rules.data?.requiredFields.contact ?? []).map((f) =>
    REQUIRABLE_FIELD_LABELS[f].toLowerCase(),
  );
  const [target, setTarget] = useState<'account' | 'personal'>('account');
  const [picked, setPicked] = useState<Account | null>(account ?? null);
  const [groupKeys, setGroupKeys] = useState<string[]>([]);
  const [logins, setLogins] = useState<LoginMode>('none');
  const [from, setFrom] = useState('');
  const [until, setUntil] = useState('');
  const [allOrNothing, setAllOrNothing] = useState(false);
  const [accountError, setAccountError] = useState<string>();
  const [result, setResult] = useState<{ data: ContactBulkAddResult; stored: boolean } | null>(null);

  const errors = fieldErrorsOf(add.error);
  // Every active attribute, mandatory ones marked: of the contacts, and of the personal accounts made.
  const contactAttrs = useAttributeForm('contact', opened, add.error);
  const accountAttrs = useAttributeForm(
    'account',
    opened && target === 'personal',
    add.error,
    'accountAttributes',
  );
  const lineCount = text.split('\n').filter((l) => l.trim()).length;
  const chosenWithPassword = (groups.data ?? []).filter((g) => g.hasPassword && groupKeys.includes(g.key));

  const reset = () => {
    setText('');
    setGroupKeys([]);
    setLogins('none');
    setFrom('');
    setUntil('');
    setAllOrNothing(false);
    setAccountError(undefined);
    setResult(null);
    contactAttrs.reset();
    accountAttrs.reset();
    add.reset();
  };
  const close = () => {
    reset();
    setTarget('account');
    setPicked(account ?? null);
    onClose();
  };

  const submit = () => {
    if (target === 'account' && !picked) {
      setAccountError('Choose the account the contacts join');
      return;
    }
    const contactsOk = contactAttrs.check();
    const accountsOk = target === 'personal' ? accountAttrs.check() : true;
    if (!contactsOk || !accountsOk) return;
    add.mutate(
      {
        ...contactAttrs.body,
        ...(target === 'personal' ? accountAttrs.body : {}),
        text,
        accountId: target === 'account' ? picked?.id : undefined,
        customerGroups: groupKeys,
        logins,
        loginValidFrom: fromLocalInput(from),
        loginValidUntil: fromLocalInput(until),
        allOrNothing,
      },
      {
        onSuccess: (data) => setResult({ data, stored: true }),
        onError: (e) => {
          const data = allOrNothingResults(e);
          if (data) setResult({ data, stored: false });
        },
      },
    );
  };

  /** Back to the form with only the invalid lines, to fix them. */
  const editInvalid = (data: ContactBulkAddResult, keepAll: boolean) => {
    if (!keepAll) {
      const lines = text.replace(/\r\n?/g, '\n').split('\n');
      setText(
        data.results
          .filter((r) => r.status === 'invalid')
          .map((r) => lines[r.line - 1] ?? '')
          .join('\n'),
      );
    }
    setResult(null);
    add.reset();
  };

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={result ? (result.stored ? 'Contacts added' : 'Check the lines') : 'Add multiple contacts'}
      size={result ? 900 : 'xl'}
      // The results may hold passwords shown only once: close them with "Done" only.
      closeOnClickOutside={!result}
      closeOnEscape={!result}
      withCloseButton={!result}
    >
      {result ? (
        <Results
          result={result.data}
          stored={result.stored}
          onFix={() => editInvalid(result.data, !result.stored)}
          onMore={reset}
          onDone={close}
        />
      ) : (
        // noValidate: the browser's own bubble would stop the submit before `submit` names the missing attribute.
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <Stack>
            <Textarea
              label="Contacts"
              description={`One contact a line: email, first name, last name, phone, work phone${
                mandatory.length ? ` (${mandatory.join(' and ')} required)` : ' (both optional)'
              } — separated by commas, semicolons or tabs. Up to 5,000 lines.`}
              placeholder={PLACEHOLDER}
              required
              autosize
              minRows={6}
              maxRows={14}
              data-autofocus
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
              value={text}
              onChange={(e) => setText(e.currentTarget.value)}
              error={errors.text}
            />
            <Text size="xs" c="dimmed" mt={-10}>
              {lineCount === 1 ? '1 line' : `${lineCount} lines`}
            </Text>
            <Radio.Group
              label="Account of the new contacts"
              value={target}
              onChange={(v) => setTarget(v === 'personal' ? 'personal' : 'account')}
            >
              <Stack gap="xs" mt={6}>
                <Radio value="account" label="Add them all to one account" />
                {target === 'account' ? (
                  <div style={{ paddingLeft: 30 }}>
                    <AccountPicker
                      label="Account"
                      value={picked}
                      onChange={(a) => {
                        setPicked(a);
                        setAccountError(undefined);
                      }}
                      error={accountError ?? errors.accountId}
                    />
                  </div>
                ) : null}
                <Radio
                  value="personal"
                  label="Create a personal account for each contact"
                  disabled={!canCreateAccounts}
                  description={canCreateAccounts ? undefined : 'Needs the permission to create accounts'}
                />
              </Stack>
            </Radio.Group>
            {target === 'personal' && accountAttrs.count > 0 ? (
              <Stack gap={6}>
                <Text size="sm" fw={500}>
                  Attributes of the new accounts
                </Text>
                {accountAttrs.fields}
              </Stack>
            ) : null}
            {contactAttrs.count > 0 ? (
              <Stack gap={6}>
                <Text size="sm" fw={500}>
                  Attributes of the new contacts
                </Text>
                {contactAttrs.fields}
              </Stack>
            ) : null}
            {can('customerGroups.read') ? (
              <MultiSelect
                label="Customer groups"
                description="Every line joins these groups, contacts that already exist too"
                placeholder={groupKeys.length ? undefined : 'None'}
                searchable
                clearable
                data={(groups.data ?? []).map((g) => ({
                  value: g.key,
                  label: g.hasPassword ? `${g.name} (${g.key}) · shared password` : `${g.name} (${g.key})`,
                }))}
                value={groupKeys}
                onChange={setGroupKeys}
                nothingFoundMessage={groups.isPending ? 'Loading…' : 'No group matches'}
                error={errors.customerGroups}
                comboboxProps={{ withinPortal: true }}
              />
            ) : null}
            <Radio.Group
              label="Logins for new contacts"
              value={logins}
              onChange={(v) => setLogins(LOGINS.find((l) => l.value === v)?.value ?? 'none')}
            >
              <SimpleGrid cols={{ base: 1, sm: 2 }} mt={6} spacing="xs">
                {LOGINS.map((l) => (
                  <Radio key={l.value} value={l.value} label={l.label} description={l.description} />
                ))}
              </SimpleGrid>
            </Radio.Group>
            {logins === 'group-password' && chosenWithPassword.length !== 1 ? (
              <Alert color="yellow" variant="light" p="xs" icon={<IconInfoCircle size={16} />}>
                {chosenWithPassword.length === 0
                  ? 'Choose a customer group that has a shared password.'
                  : 'Choose only one customer group that has a shared password.'}
              </Alert>
            ) : null}
            {logins !== 'none' ? (
              <SimpleGrid cols={{ base: 1, xs: 2 }}>
                <TextInput
                  type="datetime-local"
                  label="Login valid from"
                  description={logins === 'group-password' ? 'Empty: the group’s' : 'Empty: from now on'}
                  value={from}
                  onChange={(e) => setFrom(e.currentTarget.value)}
                  error={errors.loginValidFrom}
                />
                <TextInput
                  type="datetime-local"
                  label="Login valid until"
                  description={logins === 'group-password' ? 'Empty: the group’s' : 'Empty: no end'}
                  value={until}
                  onChange={(e) => setUntil(e.currentTarget.value)}
                  error={errors.loginValidUntil}
                />
              </SimpleGrid>
            ) : null}
            <Checkbox
              label="All or nothing"
              description="If any line is invalid, add none of them"
              checked={allOrNothing}
              onChange={(e) => setAllOrNothing(e.currentTarget.checked)}
            />
            {add.isError && !allOrNothingResults(add.error) && Object.keys(errors).length === 0 ? (
              <ErrorAlert error={add.error} title="Nothing was added" />
            ) : null}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={add.isPending} disabled={lineCount === 0}>
                Add {lineCount === 1 ? '1 contact' : `${lineCount} contacts`}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function downloadCsv(csv: string) {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `contact-passwords-${new Date().toISOString().slice(0, 10)}.csv`;
  document.body.appendChild(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

function Results({
  result,
  stored,
  onFix,
  onMore,
  onDone,
}: {
  result: ContactBulkAddResult;
  stored: boolean;
  onFix: () => void;
  onMore: () => void;
  onDone: () => void;
}) {
  const withPasswords = result.results.filter((r) => r.password).length;
  const [downloaded, setDownloaded] = useState(false);
  return (
    <Stack gap="sm">
      {stored ? (
        <Group gap="xs">
          <Badge variant="light" color="green" radius="sm" size="lg">
            {result.created} created
          </Badge>
          <Badge variant="light" color="blue" radius="sm" size="lg">
            {result.exists} already existed
          </Badge>
          <Badge variant="light" color={result.invalid ? 'red' : 'gray'} radius="sm" size="lg">
            {result.invalid} invalid
          </Badge>
        </Group>
      ) : (
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Nothing was added">
          {result.invalid === 1 ? '1 line is' : `${result.invalid} lines are`} not valid, and “all or nothing”
          was chosen. Fix the lines marked invalid and add again.
        </Alert>
      )}
      {withPasswords > 0 ? (
        <Alert
          color="yellow"
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          title="Download the passwords now"
        >
          <Stack gap="xs" align="flex-start">
            <Text size="sm">
              The generated passwords are shown only this once; Clientele keeps no readable copy. Hand each
              contact their password securely.
            </Text>
            <Button
              size="xs"
              leftSection={<IconDownload size={14} />}
              onClick={() => {
                downloadCsv(passwordsCsv(result));
                setDownloaded(true);
              }}
            >
              Download passwords (CSV)
            </Button>
          </Stack>
        </Alert>
      ) : null}
      <Table.ScrollContainer minWidth={560} mah={380}>
        <Table verticalSpacing={6} stickyHeader data-testid="bulk-add-results" aria-label="Results">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={60}>Line</Table.Th>
              <Table.Th>Email</Table.Th>
              <Table.Th w={150}>Result</Table.Th>
              <Table.Th>Details</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {result.results.map((r) => (
              <Table.Tr key={r.line}>
                <Table.Td c="dimmed">{r.line}</Table.Td>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>{r.email || '—'}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={STATUS[r.status].color} radius="sm">
                    {stored || r.status !== 'created' ? STATUS[r.status].label : 'Valid'}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Group gap="md" wrap="nowrap">
                    {r.error ? (
                      <Text size="sm" c={r.status === 'invalid' ? 'red.8' : 'dimmed'}>
                        {r.error}
                      </Text>
                    ) : null}
                    {!stored && r.status === 'created' ? (
                      <Text size="sm" c="dimmed">
                        Would be created
                      </Text>
                    ) : null}
                    {r.password ? (
                      <Text size="sm" ff="monospace" style={{ whiteSpace: 'nowrap' }}>
                        {r.password}
                      </Text>
                    ) : null}
                    {r.contactId ? (
                      <AnchorLink
                        to="/contacts/$contactId"
                        params={{ contactId: r.contactId }}
                        size="sm"
                        style={{ whiteSpace: 'nowrap' }}
                      >
                        Open contact
                      </AnchorLink>
                    ) : null}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Group justify="space-between">
        <Group gap="xs">
          {result.invalid > 0 ? (
            <Button variant="default" onClick={onFix}>
              {stored ? 'Fix the invalid lines' : 'Back to the text'}
            </Button>
          ) : null}
          {stored ? (
            <Button variant="subtle" onClick={onMore}>
              Add more
            </Button>
          ) : null}
        </Group>
        <Button
          onClick={() => {
            if (
              withPasswords > 0 &&
              !downloaded &&
              !window.confirm('The passwords will not be shown again. Close without downloading them?')
            )
              return;
            onDone();
          }}
        >
          Done
        </Button>
      </Group>
    </Stack>
  );
}
