import { useState } from 'react';
import { isRequired, useFieldRules } from '../../api/field-rules.ts';
import {
  Badge,
  Button,
  Grid,
  Group,
  MultiSelect,
  NativeSelect,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconUserPlus, IconUsersPlus } from '@tabler/icons-react';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import type { Account } from '../../../contracts/accounts.ts';
import {
  useAccount,
  useSetAssignees,
  useUpdateAccount,
  type AccountUpdateInput,
} from '../../api/accounts.ts';
import { errorMessage, fieldErrorsOf } from '../../api/client.ts';
import { contactName, useAccountContacts } from '../../api/contacts.ts';
import { useEmployees } from '../../api/employees.ts';
import { useCan } from '../../api/session.ts';
import { SaveButtons } from '../../components/SaveButtons.tsx';
import { SearchInput } from '../../components/SearchInput.tsx';
import {
  Empty,
  ErrorAlert,
  Field,
  formatDateTime,
  LoadMore,
  PageHeader,
  PageLoader,
  StatusBadge,
} from '../../components/ui.tsx';
import { AddContactDialog } from '../contacts/AddContactDialog.tsx';
import { BulkAddContactsDialog } from '../contacts/BulkAddContactsDialog.tsx';
import { AnchorLink, ButtonLink } from '../../components/links.tsx';
import { PendingApprovalBanner } from '../approvals/ApprovalActions.tsx';
import { AccountInvoices } from './AccountInvoices.tsx';
import { AddressBookCard } from '../addresses/AddressBook.tsx';
import { CommercialTermsCard } from './CommercialTermsCard.tsx';
import { ErpCard } from './ErpCard.tsx';
import { CustomerGroupsCard } from '../customer-groups/CustomerGroupsCard.tsx';
import { AttributesCard } from '../../components/AttributesCard.tsx';

const route = getRouteApi('/portal/accounts/$accountId');

export function AccountPage() {
  const { accountId } = route.useParams();
  const account = useAccount(accountId);
  const can = useCan();
  const [addOpen, addDialog] = useDisclosure(false);
  const [bulkOpen, bulkDialog] = useDisclosure(false);

  if (account.isPending) return <PageLoader />;
  if (account.isError) return <ErrorAlert error={account.error} />;
  const a = account.data;

  return (
    <>
      <AnchorLink to="/accounts" size="sm" mb="xs" display="inline-block">
        ← Accounts
      </AnchorLink>
      <PageHeader
        title={
          <Group gap="sm">
            {a.name}
            {a.status === 'pending' ? (
              <Badge variant="light" color="yellow" radius="sm">
                Pending approval
              </Badge>
            ) : (
              <StatusBadge status={a.status} />
            )}
          </Group>
        }
        subtitle={[a.number, a.code, a.kind === 'business' ? 'Business' : 'Personal']
          .filter(Boolean)
          .join(' · ')}
        actions={
          <>
            {can('audit.read') ? (
              <ButtonLink variant="default" to="/audit" search={{ entityType: 'account', entityId: a.id }}>
                History
              </ButtonLink>
            ) : null}
            {can('contacts.write') ? (
              <>
                <Button variant="default" leftSection={<IconUsersPlus size={16} />} onClick={bulkDialog.open}>
                  Add multiple contacts
                </Button>
                <Button leftSection={<IconUserPlus size={16} />} onClick={addDialog.open}>
                  Add contact
                </Button>
              </>
            ) : null}
          </>
        }
      />
      {a.status === 'pending' && can('approvals.manage') ? <PendingApprovalBanner account={a} /> : null}
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Paper withBorder p="md" radius="md" h="100%">
            <Title order={4} mb="sm">
              Details
            </Title>
            {/* Remount on a server change so the form starts from the saved values. */}
            {can('accounts.write') ? (
              <AccountForm key={a.updatedAt} account={a} />
            ) : (
              <AccountDetails account={a} />
            )}
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Paper withBorder p="md" radius="md" h="100%">
            <Title order={4} mb="sm">
              Assigned employees
            </Title>
            <Assignees key={a.assignedEmployeeIds.join()} account={a} />
          </Paper>
        </Grid.Col>
        <AddressBookCard owner={{ kind: 'accounts', id: a.id }} />
        <Grid.Col span={12}>
          <CommercialTermsCard account={a} />
        </Grid.Col>
        <Grid.Col span={12}>
          <ErpCard account={a} />
        </Grid.Col>
        <Grid.Col span={12}>
          <Paper withBorder p="md" radius="md">
            <CustomerGroupsCard member="account" id={a.id} keys={a.customerGroups} />
          </Paper>
        </Grid.Col>
        <AttributesCard entity="account" record={a} />
        <Grid.Col span={12}>
          <Paper withBorder p="md" radius="md">
            <AccountContacts accountId={a.id} />
          </Paper>
        </Grid.Col>
        <Grid.Col span={12}>
          <Paper withBorder p="md" radius="md">
            <AccountInvoices accountId={a.id} />
          </Paper>
        </Grid.Col>
      </Grid>
      <AddContactDialog opened={addOpen} onClose={addDialog.close} account={a} />
      {can('contacts.write') ? (
        <BulkAddContactsDialog key={a.id} opened={bulkOpen} onClose={bulkDialog.close} account={a} />
      ) : null}
    </>
  );
}

function AccountDetails({ account: a }: { account: Account }) {
  return (
    <SimpleGrid cols={{ base: 1, xs: 2 }}>
      <Field label="Name">{a.name}</Field>
      <Field label="Kind">{a.kind}</Field>
      <Field label="Code">{a.code}</Field>
      <Field label="Account number">{a.number}</Field>
      <Field label="Status">{a.status}</Field>
      <Field label="Created">{formatDateTime(a.createdAt)}</Field>
    </SimpleGrid>
  );
}

const formOf = (a: Account) => ({
  kind: a.kind,
  name: a.name,
  code: a.code ?? '',
  number: a.number,
  status: a.status,
});

function AccountForm({ account }: { account: Account }) {
  const [form, setForm] = useState(() => formOf(account));
  const update = useUpdateAccount(account.id);
  const rules = useFieldRules();
  const errors = fieldErrorsOf(update.error);

  const original = formOf(account);
  const patch: AccountUpdateInput = {};
  if (form.kind !== original.kind) patch.kind = form.kind;
  if (form.name !== original.name) patch.name = form.name;
  if (form.code !== original.code) patch.code = form.code.trim() || null;
  if (form.number !== original.number) patch.number = form.number;
  if (form.status !== original.status) patch.status = form.status;
  const dirty = Object.keys(patch).length > 0;

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate(patch, {
          onSuccess: () => notifications.show({ color: 'green', message: 'Account saved' }),
        });
      }}
    >
      <Stack>
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <TextInput
            label="Name"
            required
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
            error={errors.name}
          />
          <NativeSelect
            label="Kind"
            data={[
              { value: 'business', label: 'Business' },
              { value: 'personal', label: 'Personal' },
            ]}
            value={form.kind}
            onChange={(e) => setForm({ ...form, kind: e.currentTarget.value as Account['kind'] })}
            error={errors.kind}
          />
          <TextInput
            label="Code"
            withAsterisk={isRequired(rules.data, 'account', 'code')}
            value={form.code}
            onChange={(e) => setForm({ ...form, code: e.currentTarget.value })}
            error={errors.code}
          />
          <TextInput
            label="Account number"
            required
            value={form.number}
            onChange={(e) => setForm({ ...form, number: e.currentTarget.value })}
            error={errors.number}
          />
          <NativeSelect
            label="Status"
            // Pending is left only through the approval queue, where the customer is told.
            data={
              account.status === 'pending'
                ? [{ value: 'pending', label: 'Pending approval' }]
                : [
                    { value: 'active', label: 'Active' },
                    { value: 'disabled', label: 'Disabled' },
                  ]
            }
            disabled={account.status === 'pending'}
            description={
              account.status === 'pending' ? 'Approve or reject it in the approval queue' : undefined
            }
            value={form.status}
            onChange={(e) => setForm({ ...form, status: e.currentTarget.value as Account['status'] })}
            error={errors.status}
          />
          <Field label="Created">{formatDateTime(account.createdAt)}</Field>
        </SimpleGrid>
        {update.isError && Object.keys(errors).length === 0 ? <ErrorAlert error={update.error} /> : null}
        <SaveButtons dirty={dirty} saving={update.isPending} onReset={() => setForm(original)} />
      </Stack>
    </form>
  );
}

function Assignees({ account }: { account: Account }) {
  const can = useCan();
  const canRead = can('employees.read');
  const canEdit = canRead && can('accounts.write');
  const employees = useEmployees(canRead);
  const setAssignees = useSetAssignees(account.id);
  const [value, setValue] = useState(account.assignedEmployeeIds);
  const dirty = [...value].sort().join() !== [...account.assignedEmployeeIds].sort().join();

  if (!canRead) {
    return (
      <Text size="sm" c="dimmed">
        {account.assignedEmployeeIds.length === 0
          ? 'No employees are assigned.'
          : `${account.assignedEmployeeIds.length} employee(s) assigned.`}
      </Text>
    );
  }
  const data = (employees.data ?? []).map((e) => ({
    value: e.id,
    label: e.name ? `${e.name} (${e.email})` : e.email,
  }));
  if (!canEdit) {
    const names = data.filter((d) => account.assignedEmployeeIds.includes(d.value));
    return names.length === 0 ? (
      <Text size="sm" c="dimmed">
        No employees are assigned.
      </Text>
    ) : (
      <Group gap={6}>
        {names.map((n) => (
          <Badge key={n.value} variant="light">
            {n.label}
          </Badge>
        ))}
      </Group>
    );
  }
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        Employees with a CRM role (crmCompanyView, crmCompanyEdit) only see the accounts assigned to them.
      </Text>
      <MultiSelect
        label="Assigned employees"
        placeholder={value.length === 0 ? 'Choose employees' : undefined}
        searchable
        clearable
        data={data}
        value={value}
        onChange={setValue}
        nothingFoundMessage={employees.isPending ? 'Loading…' : 'No employee matches'}
        error={setAssignees.isError ? errorMessage(setAssignees.error) : undefined}
      />
      <Group justify="flex-end">
        <Button
          variant="default"
          disabled={!dirty}
          loading={setAssignees.isPending}
          onClick={() =>
            setAssignees.mutate(value, {
              onSuccess: () => notifications.show({ color: 'green', message: 'Assigned employees saved' }),
            })
          }
        >
          Save assignees
        </Button>
      </Group>
    </Stack>
  );
}

function AccountContacts({ accountId }: { accountId: string }) {
  const [q, setQ] = useState('');
  const navigate = useNavigate();
  const list = useAccountContacts(accountId, q);
  const contacts = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <Group justify="space-between" align="flex-end" mb="sm" wrap="wrap">
        <Title order={4}>Contacts</Title>
        <div style={{ width: 320, maxWidth: '100%' }}>
          <SearchInput
            label="Search contacts"
            placeholder="Email or name"
            value={q}
            onSearch={setQ}
            loading={list.isFetching && !list.isFetchingNextPage}
          />
        </div>
      </Group>
      {list.isError ? <ErrorAlert error={list.error} /> : null}
      <Table.ScrollContainer minWidth={560}>
        <Table highlightOnHover verticalSpacing="xs" style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Email</Table.Th>
              <Table.Th>Phone</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Login</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {contacts.map((c) => (
              <Table.Tr
                key={c.id}
                className="row-link"
                onClick={(e) => {
                  if ((e.target as HTMLElement).closest('a')) return;
                  void navigate({ to: '/contacts/$contactId', params: { contactId: c.id } });
                }}
              >
                <Table.Td>
                  <AnchorLink to="/contacts/$contactId" params={{ contactId: c.id }} size="sm" fw={500}>
                    {contactName(c)}
                  </AnchorLink>
                </Table.Td>
                <Table.Td>{c.email}</Table.Td>
                <Table.Td>{c.phone ?? '—'}</Table.Td>
                <Table.Td>
                  <StatusBadge status={c.status} />
                </Table.Td>
                <Table.Td>{c.hasLogin ? 'Yes' : 'No'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {list.isSuccess && contacts.length === 0 ? (
        <Empty>{q ? 'No contact matches.' : 'No contacts yet.'}</Empty>
      ) : null}
      {contacts.length > 0 ? (
        <LoadMore
          shown={contacts.length}
          hasNextPage={list.hasNextPage}
          isFetchingNextPage={list.isFetchingNextPage}
          fetchNextPage={list.fetchNextPage}
        />
      ) : null}
    </>
  );
}
