import { useState } from 'react';
import {
  Badge,
  Button,
  Grid,
  Group,
  MultiSelect,
  NativeSelect,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import { IconKey, IconMailForward } from '@tabler/icons-react';
import { getRouteApi } from '@tanstack/react-router';
import type { Contact } from '../../../contracts/contacts.ts';
import { useAuditList } from '../../api/audit.ts';
import { errorMessage, fieldErrorsOf, isApiError } from '../../api/client.ts';
import {
  contactName,
  useContact,
  useSendContactEmail,
  useUpdateContact,
  type ContactEmailKind,
  type ContactUpdateInput,
} from '../../api/contacts.ts';
import { emailOutcome, fetchEmail, useEmailList } from '../../api/emails.ts';
import { useGroupRoles, useRoles } from '../../api/roles.ts';
import { isRequired, missingRequired, useFieldRules } from '../../api/field-rules.ts';
import { languageLabel } from '../../api/languages.ts';
import { useCan } from '../../api/session.ts';
import { SaveButtons } from '../../components/SaveButtons.tsx';
import { AuditTable } from '../../components/AuditList.tsx';
import {
  Empty,
  ErrorAlert,
  Field,
  DateTime,
  formatDateTime,
  LoadMore,
  PageHeader,
  PageLoader,
  StatusBadge,
} from '../../components/ui.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { AddressBookCard } from '../addresses/AddressBook.tsx';
import { CustomerGroupsCard } from '../customer-groups/CustomerGroupsCard.tsx';
import { ContactAccountsCard } from './ContactAccountsCard.tsx';
import { AttributesCard } from '../../components/AttributesCard.tsx';
import { LoginWindow } from './LoginWindow.tsx';

const route = getRouteApi('/portal/contacts/$contactId');

export function ContactPage() {
  const { contactId } = route.useParams();
  const contact = useContact(contactId);
  const can = useCan();
  const roles = useRoles();
  const roleName = (key: string) => roles.data?.find((r) => r.key === key)?.name ?? key;

  if (contact.isPending) return <PageLoader />;
  if (contact.isError) return <ErrorAlert error={contact.error} />;
  const c = contact.data;

  return (
    <>
      <AnchorLink to="/contacts" size="sm" mb="xs" display="inline-block">
        ← Contacts
      </AnchorLink>
      <PageHeader
        title={
          <Group gap="sm">
            {contactName(c)}
            <StatusBadge status={c.status} />
          </Group>
        }
        subtitle={c.email}
      />
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Paper withBorder p="md" radius="md">
            <Title order={4} mb="sm">
              Details
            </Title>
            {/* Remount on a server change so the form starts from the saved values. */}
            {can('contacts.write') ? (
              <ContactForm key={c.updatedAt} contact={c} />
            ) : (
              <ContactDetails contact={c} />
            )}
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack gap="md">
            <Paper withBorder p="md" radius="md">
              <Title order={4} mb="sm">
                Sign-in
              </Title>
              <Group gap="xs">
                <Badge variant="light" color={c.hasLogin ? 'green' : 'gray'} data-testid="login-state">
                  {c.hasLogin ? 'Has a login' : 'No login yet'}
                </Badge>
              </Group>
              <Text size="xs" c="dimmed" mt={6}>
                {c.hasLogin
                  ? 'The contact has set a password and can sign in to the store.'
                  : 'The contact has not set a password yet (activation pending or no email sent).'}
              </Text>
              <LoginWindow contact={c} />
              {can('emails.send') ? <SendLinkButtons contact={c} /> : null}
            </Paper>
            <ContactAccountsCard contactId={c.id} />
            <Paper withBorder p="md" radius="md">
              <Title order={4} mb="sm">
                Effective roles
              </Title>
              {c.effectiveRoles.length === 0 ? (
                <Text size="sm" c="dimmed">
                  No roles.
                </Text>
              ) : (
                <Group gap={6} data-testid="effective-roles">
                  {c.effectiveRoles.map((r) => (
                    <Badge key={r} variant="light" title={r}>
                      {roleName(r)}
                    </Badge>
                  ))}
                </Group>
              )}
              <Text size="xs" c="dimmed" mt={6}>
                The contact’s roles plus the roles of its group roles.
              </Text>
            </Paper>
            <Paper withBorder p="md" radius="md">
              <CustomerGroupsCard member="contact" id={c.id} keys={c.customerGroups} />
            </Paper>
          </Stack>
        </Grid.Col>
        <AddressBookCard owner={{ kind: 'contacts', id: c.id }} />
        <AttributesCard entity="contact" record={c} />
        {can('emails.read') ? (
          <Grid.Col span={12}>
            <Paper withBorder p="md" radius="md">
              <ContactEmails email={c.email} />
            </Paper>
          </Grid.Col>
        ) : null}
        {can('audit.read') ? (
          <Grid.Col span={12}>
            <Paper withBorder p="md" radius="md">
              <ContactAudit contactId={c.id} />
            </Paper>
          </Grid.Col>
        ) : null}
      </Grid>
    </>
  );
}

const SEND_KINDS: Record<
  ContactEmailKind,
  { button: string; title: string; body: string; done: string; icon: typeof IconKey }
> = {
  activation: {
    button: 'Send activation email',
    title: 'Send the activation email?',
    body: 'The welcome email with a new link to choose a password. Earlier activation links stop working.',
    done: 'Activation email',
    icon: IconMailForward,
  },
  'password-reset': {
    button: 'Send password reset',
    title: 'Send a password reset?',
    body: 'An email with a single-use link to choose a new password. Earlier reset links stop working; the current password works until a new one is chosen.',
    done: 'Password reset email',
    icon: IconKey,
  },
};

/** An employee sends the contact the activation email or a password-reset link. */
function SendLinkButtons({ contact }: { contact: Contact }) {
  const send = useSendContactEmail(contact.id);
  // The server sends these links to active contacts only.
  const disabled = contact.status !== 'active';

  const confirm = (kind: ContactEmailKind) => {
    const k = SEND_KINDS[kind];
    modals.openConfirmModal({
      title: k.title,
      children: (
        <Text size="sm">
          To <b>{contact.email}</b>. {k.body}
        </Text>
      ),
      labels: { confirm: 'Send', cancel: 'Cancel' },
      onConfirm: () =>
        send.mutate(kind, {
          onSuccess: ({ emailId }) =>
            void fetchEmail(emailId)
              .catch(() => undefined)
              .then((email) =>
                notifications.show({
                  color: 'green',
                  title: `${k.done} sent`,
                  message: `The email to ${contact.email} was ${emailOutcome(email?.status)}.`,
                }),
              ),
          onError: (e) =>
            notifications.show({ color: 'red', title: `${k.done} not sent`, message: errorMessage(e) }),
        }),
    });
  };

  return (
    <Stack gap="xs" mt="sm">
      {(['activation', 'password-reset'] as const).map((kind) => {
        const k = SEND_KINDS[kind];
        return (
          <Button
            key={kind}
            variant={kind === 'activation' && !contact.hasLogin ? 'light' : 'default'}
            size="xs"
            leftSection={<k.icon size={16} />}
            disabled={disabled}
            loading={send.isPending && send.variables === kind}
            onClick={() => confirm(kind)}
          >
            {k.button}
          </Button>
        );
      })}
      {disabled ? (
        <Text size="xs" c="dimmed">
          {contact.status === 'pending'
            ? 'The contact is pending approval: approve it to send these emails.'
            : 'The contact is disabled: enable it to send these emails.'}
        </Text>
      ) : null}
    </Stack>
  );
}

function ContactDetails({ contact: c }: { contact: Contact }) {
  return (
    <SimpleGrid cols={{ base: 1, xs: 2 }}>
      <Field label="First name">{c.firstName}</Field>
      <Field label="Last name">{c.lastName}</Field>
      <Field label="Email">{c.email}</Field>
      <Field label="Phone">{c.phone}</Field>
      <Field label="Work phone">{c.workPhone}</Field>
      <Field label="Language">{languageLabel(c.language)}</Field>
      <Field label="Roles">{c.roles.join(', ') || '—'}</Field>
      <Field label="Group roles">{c.groupRoles.join(', ') || '—'}</Field>
      <Field label="Created">{formatDateTime(c.createdAt)}</Field>
      <Field label="Updated">{formatDateTime(c.updatedAt)}</Field>
    </SimpleGrid>
  );
}

const formOf = (c: Contact) => ({
  firstName: c.firstName,
  lastName: c.lastName,
  email: c.email,
  phone: c.phone ?? '',
  workPhone: c.workPhone ?? '',
  language: c.language,
  status: c.status,
  roles: c.roles,
  groupRoles: c.groupRoles,
});

const sameList = (a: string[], b: string[]) => [...a].sort().join('\n') === [...b].sort().join('\n');

function ContactForm({ contact }: { contact: Contact }) {
  const [form, setForm] = useState(() => formOf(contact));
  const update = useUpdateContact(contact.id);
  const roles = useRoles();
  const groupRoles = useGroupRoles();
  const rules = useFieldRules();
  const [missing, setMissing] = useState<Record<string, string>>({});
  const errors: Record<string, string> = { ...fieldErrorsOf(update.error), ...missing };

  const original = formOf(contact);
  const patch: ContactUpdateInput = {};
  if (form.firstName !== original.firstName) patch.firstName = form.firstName;
  if (form.lastName !== original.lastName) patch.lastName = form.lastName;
  if (form.email !== original.email) patch.email = form.email;
  if (form.phone !== original.phone) patch.phone = form.phone.trim() || null;
  if (form.workPhone !== original.workPhone) patch.workPhone = form.workPhone.trim() || null;
  if (form.language !== original.language) patch.language = form.language;
  if (form.status !== original.status && form.status !== 'pending') patch.status = form.status;
  if (!sameList(form.roles, original.roles)) patch.roles = form.roles;
  if (!sameList(form.groupRoles, original.groupRoles)) patch.groupRoles = form.groupRoles;
  const dirty = Object.keys(patch).length > 0;
  const set = <K extends keyof typeof form>(k: K, v: (typeof form)[K]) => setForm((f) => ({ ...f, [k]: v }));

  const roleData = (roles.data ?? []).map((r) => ({ value: r.key, label: r.name }));
  // Keep roles the contact holds visible even if the role list has not loaded.
  for (const k of form.roles) if (!roleData.some((r) => r.value === k)) roleData.push({ value: k, label: k });
  const groupData = (groupRoles.data ?? []).map((g) => ({ value: g.key, label: g.name }));
  for (const k of form.groupRoles)
    if (!groupData.some((g) => g.value === k)) groupData.push({ value: k, label: k });

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        // The server's own check and words: a mandatory field cannot be emptied.
        const absent = missingRequired(rules.data, 'contact', form);
        setMissing(absent);
        if (Object.keys(absent).length) return;
        update.mutate(patch, {
          onSuccess: () => notifications.show({ color: 'green', message: 'Contact saved' }),
        });
      }}
    >
      <Stack>
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <TextInput
            label="First name"
            required
            value={form.firstName}
            onChange={(e) => set('firstName', e.currentTarget.value)}
            error={errors.firstName}
          />
          <TextInput
            label="Last name"
            required
            value={form.lastName}
            onChange={(e) => set('lastName', e.currentTarget.value)}
            error={errors.lastName}
          />
          <TextInput
            label="Email"
            type="email"
            required
            value={form.email}
            onChange={(e) => set('email', e.currentTarget.value)}
            error={
              errors.email ??
              (isApiError(update.error) && update.error.code === 'conflict'
                ? errorMessage(update.error)
                : undefined)
            }
          />
          <TextInput
            label="Phone"
            type="tel"
            withAsterisk={isRequired(rules.data, 'contact', 'phone')}
            value={form.phone}
            onChange={(e) => set('phone', e.currentTarget.value)}
            error={errors.phone}
          />
          <TextInput
            label="Work phone"
            type="tel"
            withAsterisk={isRequired(rules.data, 'contact', 'workPhone')}
            value={form.workPhone}
            onChange={(e) => set('workPhone', e.currentTarget.value)}
            error={errors.workPhone}
          />
          <Select
            label="Preferred language"
            description="Emails to the contact use it"
            data={[...new Set([...(rules.data?.languages ?? []), form.language])].map((l) => ({
              value: l,
              label: languageLabel(l),
            }))}
            value={form.language}
            onChange={(v) => v && set('language', v)}
            allowDeselect={false}
            error={errors.language}
            comboboxProps={{ withinPortal: true }}
          />
          <NativeSelect
            label="Status"
            data={[
              ...(form.status === 'pending' ? [{ value: 'pending', label: 'Pending' }] : []),
              { value: 'active', label: 'Active' },
              { value: 'disabled', label: 'Disabled' },
            ]}
            value={form.status}
            onChange={(e) => set('status', e.currentTarget.value as Contact['status'])}
            error={errors.status}
          />
        </SimpleGrid>
        <MultiSelect
          label="Group roles"
          searchable
          data={groupData}
          value={form.groupRoles}
          onChange={(v) => set('groupRoles', v)}
          placeholder={form.groupRoles.length ? undefined : 'No group roles'}
          error={errors.groupRoles}
        />
        <MultiSelect
          label="Roles"
          searchable
          data={roleData}
          value={form.roles}
          onChange={(v) => set('roles', v)}
          placeholder={form.roles.length ? undefined : 'No roles'}
          error={errors.roles}
        />
        {update.isError && Object.keys(errors).length === 0 ? <ErrorAlert error={update.error} /> : null}
        <Group justify="space-between">
          <Text size="xs" c="dimmed">
            Created {formatDateTime(contact.createdAt)} · updated {formatDateTime(contact.updatedAt)}
          </Text>
          <SaveButtons dirty={dirty} saving={update.isPending} onReset={() => setForm(original)} />
        </Group>
      </Stack>
    </form>
  );
}

function ContactEmails({ email }: { email: string }) {
  const list = useEmailList({ to: email }, 10);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <Group justify="space-between" mb="sm">
        <Title order={4}>Emails sent</Title>
        <AnchorLink to="/emails" search={{ to: email }} size="sm">
          Open in email log
        </AnchorLink>
      </Group>
      {list.isError ? <ErrorAlert error={list.error} /> : null}
      {list.isSuccess && items.length === 0 ? <Empty>No emails were sent to this contact.</Empty> : null}
      {items.length > 0 ? (
        <Table verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Created</Table.Th>
              <Table.Th>Subject</Table.Th>
              <Table.Th>Template</Table.Th>
              <Table.Th>Status</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((m) => (
              <Table.Tr key={m.id}>
                <Table.Td>
                  <DateTime iso={m.createdAt} />
                </Table.Td>
                <Table.Td>
                  <AnchorLink to="/emails" search={{ to: email, id: m.id }} size="sm">
                    {m.subject}
                  </AnchorLink>
                </Table.Td>
                <Table.Td>{m.templateKey ?? '—'}</Table.Td>
                <Table.Td>
                  <StatusBadge status={m.status} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
    </>
  );
}

function ContactAudit({ contactId }: { contactId: string }) {
  const list = useAuditList({ entityType: 'contact', entityId: contactId }, 10);
  const entries = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <Title order={4} mb="sm">
        Recent changes
      </Title>
      {list.isError ? <ErrorAlert error={list.error} /> : null}
      {list.isSuccess && entries.length === 0 ? <Empty>No changes recorded.</Empty> : null}
      {entries.length > 0 ? (
        <>
          <AuditTable entries={entries} showEntity={false} />
          <LoadMore
            shown={entries.length}
            hasNextPage={list.hasNextPage}
            isFetchingNextPage={list.isFetchingNextPage}
            fetchNextPage={list.fetchNextPage}
          />
        </>
      ) : null}
    </>
  );
}
