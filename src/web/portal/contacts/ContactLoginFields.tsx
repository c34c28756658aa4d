import {
  Alert,
  Button,
  CopyButton,
  Group,
  MultiSelect,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import type { ContactLoginMode } from '../../../contracts/contact-login.ts';
import type { CustomerGroup } from '../../../contracts/customer-groups.ts';
import { errorMessage } from '../../api/client.ts';
import { useCustomerGroups } from '../../api/customer-groups.ts';
import { languageLabel, useContactLanguages } from '../../api/languages.ts';
import { useCan } from '../../api/session.ts';

const LOGINS: { value: ContactLoginMode; label: string; description: string }[] = [
  {
    value: 'activation-email',
    label: 'Activation email',
    description: 'The welcome email with a link to set a password',
  },
  {
    value: 'generated-password',
    label: 'Generated password',
    description: 'Shown once after adding, to hand over',
  },
  {
    value: 'shared-password',
    label: 'Group’s shared password',
    description: 'The password of the chosen customer group',
  },
  { value: 'none', label: 'No login', description: 'Add the contact without a login' },
];

export type ContactExtras = {
  language: string | null;
  customerGroups: string[];
  loginMode: ContactLoginMode;
  validFrom: string;
  validUntil: string;
};
export const emptyExtras: ContactExtras = {
  language: null,
  customerGroups: [],
  loginMode: 'activation-email',
  validFrom: '',
  validUntil: '',
};

const groupLabel = (g: CustomerGroup) =>
  g.hasPassword ? `${g.name} (${g.key}) · shared password` : `${g.name} (${g.key})`;

/** Preferred language, customer groups and the login of a new contact (Add contact dialog). */
export function ContactExtraFields({
  opened,
  value,
  onChange,
  errors,
}: {
  opened: boolean;
  value: ContactExtras;
  onChange: (patch: Partial<ContactExtras>) => void;
  errors: Record<string, string>;
}) {
  const can = useCan();
  const languages = useContactLanguages(opened);
  const groups = useCustomerGroups(opened && can('customerGroups.read'));
  const chosen = (groups.data ?? []).filter((g) => value.customerGroups.includes(g.key));
  const withPassword = chosen.filter((g) => g.hasPassword);
  const shared = value.loginMode === 'shared-password';
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, xs: 2 }}>
        <Select
          label="Preferred language"
          description="Emails to the contact use it"
          data={(languages.data ?? []).map((l) => ({ value: l, label: languageLabel(l) }))}
          value={value.language ?? languages.data?.[0] ?? null}
          onChange={(v) => onChange({ language: v })}
          allowDeselect={false}
          error={errors.language ?? (languages.isError ? errorMessage(languages.error) : undefined)}
          comboboxProps={{ withinPortal: true }}
        />
        {can('customerGroups.read') ? (
          <MultiSelect
            label="Customer groups"
            placeholder={value.customerGroups.length ? undefined : 'None'}
            searchable
            clearable
            data={(groups.data ?? []).map((g) => ({ value: g.key, label: groupLabel(g) }))}
            value={value.customerGroups}
            onChange={(v) => onChange({ customerGroups: v })}
            nothingFoundMessage={groups.isPending ? 'Loading…' : 'No group matches'}
            error={errors.customerGroups}
            comboboxProps={{ withinPortal: true }}
          />
        ) : null}
      </SimpleGrid>
      <Radio.Group
        label="Login"
        value={value.loginMode}
        onChange={(v) => onChange({ loginMode: LOGINS.find((l) => l.value === v)?.value ?? 'none' })}
        error={errors.sendEmail}
      >
        <SimpleGrid cols={{ base: 1, sm: 2 }} mt={6} spacing="xs">
          {LOGINS.map((l) => (
            <Radio key={l.value} value={l.value} label={l.label} description={l.description} />
          ))}
        </SimpleGrid>
      </Radio.Group>
      {shared && withPassword.length !== 1 ? (
        <Alert color="yellow" variant="light" p="xs" icon={<IconInfoCircle size={16} />}>
          {withPassword.length === 0
            ? 'Choose a customer group that has a shared password.'
            : 'Choose only one customer group that has a shared password.'}
        </Alert>
      ) : null}
      <SimpleGrid cols={{ base: 1, xs: 2 }}>
        <TextInput
          type="datetime-local"
          label="Login valid from"
          description={shared ? 'Empty: the group’s' : 'Empty: from now on'}
          value={value.validFrom}
          onChange={(e) => onChange({ validFrom: e.currentTarget.value })}
          error={errors['login.validFrom']}
        />
        <TextInput
          type="datetime-local"
          label="Login valid until"
          description={shared ? 'Empty: the group’s' : 'Empty: no end'}
          value={value.validUntil}
          onChange={(e) => onChange({ validUntil: e.currentTarget.value })}
          error={errors['login.validUntil']}
        />
      </SimpleGrid>
    </Stack>
  );
}

/** After adding with a generated password: the password, this once, with a copy button. */
export function GeneratedPasswordPanel({
  name,
  password,
  onDone,
}: {
  name: string;
  password: string;
  onDone: () => void;
}) {
  return (
    <Stack>
      <Text size="sm">
        {name} was added with this password. It is shown only this once; Clientele keeps no readable copy.
      </Text>
      <Group gap="xs">
        <Text ff="monospace" fw={600} size="lg" data-testid="generated-password">
          {password}
        </Text>
        <CopyButton value={password}>
          {({ copied, copy }) => (
            <Button size="xs" variant="light" onClick={copy}>
              {copied ? 'Copied' : 'Copy password'}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Group justify="flex-end">
        <Button onClick={onDone}>Open the contact</Button>
      </Group>
    </Stack>
  );
}
