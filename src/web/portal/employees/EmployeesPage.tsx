import { useState } from 'react';
import {
  Badge,
  Button,
  Group,
  Modal,
  MultiSelect,
  NativeSelect,
  Paper,
  PasswordInput,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import type { Employee, EmployeeRole } from '../../../contracts/employees.ts';
import { errorMessage, fieldErrorsOf, isApiError } from '../../api/client.ts';
import { useEmployees, useSaveEmployee } from '../../api/employees.ts';
import { useCan } from '../../api/session.ts';
import { AccountMultiPicker } from '../../components/AccountPicker.tsx';
import { Empty, ErrorAlert, DateTime, PageHeader, PageLoader, StatusBadge } from '../../components/ui.tsx';

/**
 * What each employee role allows, shown next to the role in pickers. Keyed by the contract's
 * EmployeeRole so the compiler flags a missing or removed role, without shipping zod to the browser.
 */
const ROLE_HINTS: Record<EmployeeRole, string> = {
  administrator: 'Full access',
  superuser: 'Broad access',
  companyView: 'See all accounts',
  companyEdit: 'Edit all accounts',
  crmCompanyView: 'See assigned accounts only',
  crmCompanyEdit: 'Edit assigned accounts only',
  customerView: 'See contacts',
  customerEdit: 'Add and edit contacts',
  importRun: 'Run imports',
  settingsEdit: 'Edit settings',
  approvalsManage: 'Approve sign-ups',
  emailTemplatesEdit: 'Edit email templates',
  integrationsManage: 'Manage integrations',
  erpIntegration: 'ERP integration (API)',
  auditView: 'See the audit log',
};
export const employeeRoleOptions = (Object.keys(ROLE_HINTS) as EmployeeRole[]).map((r) => ({
  value: r,
  label: `${r} — ${ROLE_HINTS[r]}`,
}));

export function EmployeesPage() {
  const can = useCan();
  const employees = useEmployees();
  const [editing, setEditing] = useState<Employee | 'new' | null>(null);
  const canWrite = can('employees.write');

  return (
    <>
      <PageHeader
        title="Employees"
        subtitle="People who work in the Operations Portal"
        actions={
          canWrite ? (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>
              New employee
            </Button>
          ) : null
        }
      />
      <Paper withBorder p="md" radius="md">
        {employees.isPending ? <PageLoader /> : null}
        {employees.isError ? <ErrorAlert error={employees.error} /> : null}
        {employees.data && employees.data.length === 0 ? <Empty>No employees.</Empty> : null}
        {employees.data && employees.data.length > 0 ? (
          <Table.ScrollContainer minWidth={700}>
            <Table verticalSpacing="xs" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Roles</Table.Th>
                  <Table.Th>Assigned accounts</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Last sign-in</Table.Th>
                  {canWrite ? <Table.Th /> : null}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {employees.data.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td fw={500}>{e.name ?? '—'}</Table.Td>
                    <Table.Td>{e.email}</Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {e.roles.map((r) => (
                          <Badge key={r} size="sm" variant="light">
                            {r}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>{e.assignedAccountIds.length || '—'}</Table.Td>
                    <Table.Td>
                      <StatusBadge status={e.status} />
                    </Table.Td>
                    <Table.Td>
                      <DateTime iso={e.lastSignInAt} />
                    </Table.Td>
                    {canWrite ? (
                      <Table.Td ta="right">
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => setEditing(e)}
                          aria-label={`Edit ${e.email}`}
                        >
                          Edit
                        </Button>
                      </Table.Td>
                    ) : null}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
      </Paper>
      {editing ? (
        <EmployeeDialog employee={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
      ) : null}
    </>
  );
}

function EmployeeDialog({ employee, onClose }: { employee: Employee | null; onClose: () => void }) {
  const [form, setForm] = useState({
    email: employee?.email ?? '',
    name: employee?.name ?? '',
    password: '',
    roles: employee?.roles ?? [],
    status: employee?.status ?? 'active',
    assignedAccountIds: employee?.assignedAccountIds ?? [],
  });
  const save = useSaveEmployee();
  const errors = fieldErrorsOf(save.error);
  const conflict = isApiError(save.error) && save.error.code === 'conflict';
  const set = <K extends keyof typeof form>(k: K, v: (typeof form)[K]) => setForm((f) => ({ ...f, [k]: v }));
  const usesCrm = form.roles.some((r) => r === 'crmCompanyView' || r === 'crmCompanyEdit');

  const submit = () => {
    const common = {
      name: form.name.trim() || null,
      password: form.password || undefined,
      roles: form.roles,
      assignedAccountIds: form.assignedAccountIds,
    };
    save.mutate(
      employee
        ? { id: employee.id, body: { ...common, status: form.status } }
        : { id: null, body: { ...common, email: form.email.trim() } },
      {
        onSuccess: (e) => {
          notifications.show({ color: 'green', message: `${employee ? 'Saved' : 'Created'} ${e.email}` });
          onClose();
        },
      },
    );
  };

  return (
    <Modal opened onClose={onClose} title={employee ? `Edit ${employee.email}` : 'New employee'} size="lg">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack>
          <TextInput
            label="Email"
            type="email"
            required
            disabled={!!employee}
            data-autofocus
            value={form.email}
            onChange={(e) => set('email', e.currentTarget.value)}
            error={errors.email ?? (conflict ? errorMessage(save.error) : undefined)}
          />
          <TextInput
            label="Name"
            value={form.name}
            onChange={(e) => set('name', e.currentTarget.value)}
            error={errors.name}
          />
          <PasswordInput
            label="Password"
            description={
              employee
                ? 'Leave empty to keep the current password'
                : 'Optional; at least 10 characters. Leave empty to set it later.'
            }
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => set('password', e.currentTarget.value)}
            error={errors.password}
          />
          <MultiSelect
            label="Roles"
            required
            labelProps={{ className: 'required-label' }}
            searchable
            data={employeeRoleOptions}
            value={form.roles}
            onChange={(v) => set('roles', v)}
            error={errors.roles}
            comboboxProps={{ withinPortal: true }}
          />
          <AccountMultiPicker
            value={form.assignedAccountIds}
            onChange={(v) => set('assignedAccountIds', v)}
            error={errors.assignedAccountIds}
            description={
              usesCrm
                ? 'A CRM role only reaches these accounts'
                : 'Only matters for the crmCompanyView and crmCompanyEdit roles'
            }
          />
          {employee ? (
            <NativeSelect
              label="Status"
              data={[
                { value: 'active', label: 'Active' },
                { value: 'disabled', label: 'Disabled (cannot sign in)' },
              ]}
              value={form.status}
              onChange={(e) => set('status', e.currentTarget.value as Employee['status'])}
            />
          ) : null}
          {save.isError && Object.keys(errors).length === 0 && !conflict ? (
            <ErrorAlert error={save.error} />
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {employee ? 'Save' : 'Create employee'}
            </Button>
          </Group>
          {!employee ? (
            <Text size="xs" c="dimmed">
              The employee signs in with this email and password.
            </Text>
          ) : null}
        </Stack>
      </form>
    </Modal>
  );
}
