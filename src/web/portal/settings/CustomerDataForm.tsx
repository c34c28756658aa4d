import { useState, type ReactNode } from 'react';
import {
  Alert,
  Box,
  Collapse,
  MultiSelect,
  Paper,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconInfoCircle } from '@tabler/icons-react';
import type { ErpSyncPolicy, RegistrationSettings } from '../../../contracts/registration.ts';
import { isApiError } from '../../api/client.ts';
import {
  useSettingsChoices,
  useUpdateSettings,
  type Settings,
  type SettingsUpdateInput,
} from '../../api/settings.ts';
import { useCan } from '../../api/session.ts';
import { SaveButtons } from '../../components/SaveButtons.tsx';
import { ErrorAlert } from '../../components/ui.tsx';
import type { RequiredFields } from '../../../contracts/required-fields.ts';
import { CustomerRecordFields } from './CustomerRecordFields.tsx';

interface FormValues {
  registration: RegistrationSettings;
  accountNumberPrefix: string;
  erpSyncPolicy: ErpSyncPolicy;
  requiredFields: RequiredFields;
  languages: string[];
}

const formOf = (s: Settings): FormValues => ({
  registration: s.registration,
  accountNumberPrefix: s.accountNumberPrefix,
  erpSyncPolicy: s.erpSyncPolicy,
  requiredFields: s.requiredFields,
  languages: s.languages,
});

const PREFIX = /^[A-Za-z0-9-]{1,10}$/;

const ERP_POLICIES: { value: ErpSyncPolicy; label: string; description: string }[] = [
  {
    value: 'first-order',
    label: 'At the first order',
    description: 'A new account goes to the ERP when its first web order is placed.',
  },
  {
    value: 'on-enable',
    label: 'When the account is enabled',
    description: 'A new account goes to the ERP as soon as it is active: at sign-up, or when you approve it.',
  },
  {
    value: 'manual',
    label: 'Manually',
    description:
      'Nothing goes to the ERP by itself: you create the customer there and give the account its number.',
  },
];

/** Field problems of a refused save, by full path: `registration.newAccount.linkText` … */
function serverErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isApiError(e) || !Array.isArray(e.details)) return out;
  for (const d of e.details as { path?: unknown; message?: unknown }[]) {
    if (typeof d?.path === 'string' && typeof d.message === 'string') out[d.path] ??= d.message;
  }
  return out;
}

/** A Select's options, keeping a saved value that has been deactivated since. */
const optionsOf = (values: string[], current: string | null) =>
  current && !values.includes(current) ? [current, ...values] : values;

/** Settings → Customer data: self-service sign-up, account numbers, ERP sync (seed 004). */
export function CustomerDataForm({ settings }: { settings: Settings }) {
  const can = useCan();
  const canWrite = can('settings.write');
  const choices = useSettingsChoices();
  const update = useUpdateSettings();
  const original = formOf(settings);
  const [form, setForm] = useState(original);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const errors: Record<string, string | undefined> = { ...serverErrors(update.error), ...localErrors };

  const reg = form.registration;
  const patch: SettingsUpdateInput = {};
  if (JSON.stringify(reg) !== JSON.stringify(original.registration)) patch.registration = reg;
  if (form.accountNumberPrefix.trim() !== original.accountNumberPrefix)
    patch.accountNumberPrefix = form.accountNumberPrefix.trim();
  if (form.erpSyncPolicy !== original.erpSyncPolicy) patch.erpSyncPolicy = form.erpSyncPolicy;
  if (JSON.stringify(form.requiredFields) !== JSON.stringify(original.requiredFields))
    patch.requiredFields = form.requiredFields;
  if (JSON.stringify(form.languages) !== JSON.stringify(original.languages)) patch.languages = form.languages;
  const dirty = Object.keys(patch).length > 0;

  const touched = () => {
    setLocalErrors({});
    if (update.isError) update.reset();
  };
  const setNewAccount = (change: Partial<RegistrationSettings['newAccount']>) => {
    setForm((f) => ({
      ...f,
      registration: { ...f.registration, newAccount: { ...f.registration.newAccount, ...change } },
    }));
    touched();
  };
  const setDefaults = (change: Partial<RegistrationSettings['newAccount']['defaults']>) =>
    setNewAccount({ defaults: { ...reg.newAccount.defaults, ...change } });
  const setNewContact = (change: Partial<RegistrationSettings['newContact']>) => {
    setForm((f) => ({
      ...f,
      registration: { ...f.registration, newContact: { ...f.registration.newContact, ...change } },
    }));
    touched();
  };

  const submit = () => {
    const problems: Record<string, string> = {};
    if (!reg.newAccount.linkText.trim()) problems['registration.newAccount.linkText'] = 'Required';
    if (!reg.newContact.linkText.trim()) problems['registration.newContact.linkText'] = 'Required';
    if (!PREFIX.test(form.accountNumberPrefix.trim()))
      problems.accountNumberPrefix = 'Use 1 to 10 letters, digits or dashes';
    if (!form.languages.length) problems.languages = 'Enable at least one language';
    setLocalErrors(problems);
    if (Object.keys(problems).length > 0) return;
    update.mutate(patch, {
      onSuccess: (saved) => {
        setForm(formOf(saved));
        notifications.show({ color: 'green', message: 'Customer data settings saved' });
      },
    });
  };

  const c = choices.data;
  const prefix = form.accountNumberPrefix.trim();
  const example = c && PREFIX.test(prefix) ? `${prefix}${c.nextAccountSequence}` : null;
  const path = 'registration.newAccount.defaults';
  const none = (what: string) => `No ${what} in the list yet: add some below`;
  const fieldErrorShown = Object.keys(errors).some((k) => errors[k]);

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <Stack gap="md" maw={880}>
        <Section
          title="Customer record"
          description="What every account and contact must have, and the languages contacts may prefer."
        >
          <CustomerRecordFields
            requiredFields={form.requiredFields}
            languages={form.languages}
            readOnly={!canWrite}
            errors={errors}
            onRequiredFields={(requiredFields) => {
              setForm((f) => ({ ...f, requiredFields }));
              touched();
            }}
            onLanguages={(languages) => {
              setForm((f) => ({ ...f, languages }));
              touched();
            }}
          />
        </Section>

        <Section
          title="New accounts"
          description="A “create an account” link on the storefront sign-in page, and what a new account gets."
        >
          <Switch
            label="Allow visitors to create a new account"
            checked={reg.newAccount.enabled}
            disabled={!canWrite}
            onChange={(e) => setNewAccount({ enabled: e.currentTarget.checked })}
          />
          <Collapse expanded={reg.newAccount.enabled}>
            <Stack gap="md" pl={{ base: 0, sm: 'xl' }} pt="xs">
              <TextInput
                label="Link text"
                description="Shown on the storefront sign-in page"
                required
                maw={420}
                value={reg.newAccount.linkText}
                readOnly={!canWrite}
                onChange={(e) => setNewAccount({ linkText: e.currentTarget.value })}
                error={errors['registration.newAccount.linkText']}
              />
              <Radio.Group
                label="After signing up"
                value={reg.newAccount.access}
                onChange={(v) => setNewAccount({ access: v === 'immediate' ? 'immediate' : 'approval' })}
              >
                <Stack gap="xs" mt={6}>
                  <Radio
                    value="immediate"
                    disabled={!canWrite}
                    label="Immediate access"
                    description="The customer is signed in at once and can start ordering."
                  />
                  <Radio
                    value="approval"
                    disabled={!canWrite}
                    label="Approval first"
                    description="The account waits under Approvals; the customer is emailed when you approve or reject it."
                  />
                </Stack>
              </Radio.Group>
              <div>
                <Text size="sm" fw={500}>
                  Defaults for new accounts
                </Text>
                <Text size="xs" c="dimmed" mb="xs">
                  Chosen from the payment terms, price groups and sales reps listed below.
                </Text>
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" verticalSpacing="sm">
                  <Select
                    label="Payment terms"
                    placeholder={c && !c.paymentTerms.length ? none('payment terms') : 'None'}
                    data={optionsOf(c?.paymentTerms ?? [], reg.newAccount.defaults.paymentTerms)}
                    value={reg.newAccount.defaults.paymentTerms}
                    onChange={(v) => setDefaults({ paymentTerms: v })}
                    disabled={!!c && !c.paymentTerms.length && !reg.newAccount.defaults.paymentTerms}
                    searchable
                    clearable
                    readOnly={!canWrite}
                    error={errors[`${path}.paymentTerms`]}
                    comboboxProps={{ withinPortal: true }}
                  />
                  <MultiSelect
                    label="Customer groups"
                    placeholder={
                      reg.newAccount.defaults.customerGroups.length
                        ? undefined
                        : c && !c.customerGroups.length
                          ? 'No customer groups yet'
                          : 'None'
                    }
                    disabled={
                      !!c && !c.customerGroups.length && !reg.newAccount.defaults.customerGroups.length
                    }
                    data={(c?.customerGroups ?? []).map((g) => ({ value: g.key, label: g.name }))}
                    value={reg.newAccount.defaults.customerGroups}
                    onChange={(v) => setDefaults({ customerGroups: v })}
                    searchable
                    clearable
                    readOnly={!canWrite}
                    nothingFoundMessage={choices.isPending ? 'Loading…' : 'No group matches'}
                    error={errors[`${path}.customerGroups`]}
                    comboboxProps={{ withinPortal: true }}
                  />
                  <Select
                    label="Price group"
                    placeholder={c && !c.priceGroups.length ? none('price groups') : 'None'}
                    data={optionsOf(c?.priceGroups ?? [], reg.newAccount.defaults.priceGroup)}
                    value={reg.newAccount.defaults.priceGroup}
                    onChange={(v) => setDefaults({ priceGroup: v })}
                    disabled={!!c && !c.priceGroups.length && !reg.newAccount.defaults.priceGroup}
                    searchable
                    clearable
                    readOnly={!canWrite}
                    error={errors[`${path}.priceGroup`]}
                    comboboxProps={{ withinPortal: true }}
                  />
                  <Select
                    label="Sales rep code"
                    placeholder={c && !c.salesRepCodes.length ? none('sales reps') : 'None'}
                    data={optionsOf(c?.salesRepCodes ?? [], reg.newAccount.defaults.salesRepCode)}
                    value={reg.newAccount.defaults.salesRepCode}
                    onChange={(v) => setDefaults({ salesRepCode: v })}
                    disabled={!!c && !c.salesRepCodes.length && !reg.newAccount.defaults.salesRepCode}
                    searchable
                    clearable
                    readOnly={!canWrite}
                    error={errors[`${path}.salesRepCode`]}
                    comboboxProps={{ withinPortal: true }}
                  />
                </SimpleGrid>
                {choices.isError ? <ErrorAlert error={choices.error} /> : null}
              </div>
            </Stack>
          </Collapse>
          <Box pt="xs" style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}>
            <Switch
              label="Allow personal account registration"
              description={
                reg.allowPersonalAccounts
                  ? 'Individuals may sign up without a company; they get a personal account in their own name.'
                  : 'Everyone signs up as a business: the company name is required on the sign-up form.'
              }
              checked={reg.allowPersonalAccounts}
              disabled={!canWrite}
              onChange={(e) => {
                const allowPersonalAccounts = e.currentTarget.checked;
                setForm((f) => ({ ...f, registration: { ...f.registration, allowPersonalAccounts } }));
                touched();
              }}
            />
          </Box>
        </Section>

        <Section
          title="New users for existing accounts"
          description="A link for people whose company already buys from you, to create their own login."
        >
          <Switch
            label="Allow visitors to create a new user for an existing account"
            checked={reg.newContact.enabled}
            disabled={!canWrite}
            onChange={(e) => setNewContact({ enabled: e.currentTarget.checked })}
          />
          <Collapse expanded={reg.newContact.enabled}>
            <Stack gap="xs" pl={{ base: 0, sm: 'xl' }} pt="xs">
              <TextInput
                label="Link text"
                description="Shown on the storefront sign-in page"
                required
                maw={420}
                value={reg.newContact.linkText}
                readOnly={!canWrite}
                onChange={(e) => setNewContact({ linkText: e.currentTarget.value })}
                error={errors['registration.newContact.linkText']}
              />
              <Text size="xs" c="dimmed">
                Visitors prove they belong to the account with its account number, the postal code of its
                billing address and the number of an invoice from the last 12 months.
              </Text>
            </Stack>
          </Collapse>
        </Section>

        <Section
          title="Account numbers and ERP"
          description="How new accounts are numbered and reach your ERP."
        >
          <TextInput
            label="Account number prefix"
            description={
              example
                ? `Followed by a running number. Next new account: ${example}`
                : 'Followed by a running number'
            }
            required
            maw={420}
            value={form.accountNumberPrefix}
            readOnly={!canWrite}
            onChange={(e) => {
              const accountNumberPrefix = e.currentTarget.value;
              setForm((f) => ({ ...f, accountNumberPrefix }));
              touched();
            }}
            error={errors.accountNumberPrefix}
          />
          <Radio.Group
            label="Sending new accounts to the ERP"
            value={form.erpSyncPolicy}
            onChange={(v) => {
              const erpSyncPolicy = ERP_POLICIES.find((p) => p.value === v)?.value ?? 'first-order';
              setForm((f) => ({ ...f, erpSyncPolicy }));
              touched();
            }}
          >
            <Stack gap="xs" mt={6}>
              {ERP_POLICIES.map((p) => (
                <Radio
                  key={p.value}
                  value={p.value}
                  label={p.label}
                  description={p.description}
                  disabled={!canWrite}
                />
              ))}
            </Stack>
          </Radio.Group>
        </Section>

        {update.isError && !fieldErrorShown ? <ErrorAlert error={update.error} /> : null}
        {update.isError && fieldErrorShown ? (
          <Alert color="red" variant="light" icon={<IconInfoCircle size={18} />}>
            Nothing was saved: check the fields marked in red.
          </Alert>
        ) : null}
        {canWrite ? (
          <SaveButtons
            dirty={dirty}
            saving={update.isPending}
            onReset={() => {
              setForm(original);
              touched();
            }}
          />
        ) : null}
      </Stack>
    </form>
  );
}

function Section({
  title,
  description,
  children,
}: {
  title: string;
  description: string;
  children: ReactNode;
}) {
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="md">
        <Stack gap={2}>
          <Title order={4}>{title}</Title>
          <Text size="xs" c="dimmed">
            {description}
          </Text>
        </Stack>
        {children}
      </Stack>
    </Paper>
  );
}
