import { useState } from 'react';
import { Button, Group, Modal, NativeSelect, Stack, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useNavigate } from '@tanstack/react-router';
import type { AccountCreateBody } from '../../../contracts/accounts.ts';
import { useCreateAccount } from '../../api/accounts.ts';
import { errorMessage, fieldErrorsOf, isApiError } from '../../api/client.ts';
import { ErrorAlert } from '../../components/ui.tsx';
import { useAttributeForm } from '../../components/AttributeFields.tsx';
import { onlyAttributeErrors } from '../../api/attribute-values.ts';

const empty = { kind: 'business' as AccountCreateBody['kind'], name: '', code: '', number: '' };

export function AccountCreateDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [form, setForm] = useState(empty);
  const create = useCreateAccount();
  const navigate = useNavigate();
  const errors = fieldErrorsOf(create.error);
  const attrs = useAttributeForm('account', opened, create.error);
  const close = () => {
    attrs.reset();
    setForm(empty);
    create.reset();
    onClose();
  };

  return (
    <Modal opened={opened} onClose={close} title="New account" size="md">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!attrs.check()) return;
          create.mutate(
            {
              kind: form.kind,
              name: form.name,
              code: form.code.trim() || null,
              number: form.number.trim() || null,
              ...attrs.body,
            },
            {
              onSuccess: (a) => {
                notifications.show({ color: 'green', message: `Account ${a.number} · ${a.name} created` });
                close();
                void navigate({ to: '/accounts/$accountId', params: { accountId: a.id } });
              },
            },
          );
        }}
      >
        <Stack>
          <NativeSelect
            label="Kind"
            data={[
              { value: 'business', label: 'Business (company)' },
              { value: 'personal', label: 'Personal (individual)' },
            ]}
            value={form.kind}
            onChange={(e) => setForm({ ...form, kind: e.currentTarget.value as AccountCreateBody['kind'] })}
            error={errors.kind}
          />
          <TextInput
            label="Name"
            required
            data-autofocus
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
            error={errors.name}
          />
          <TextInput
            label="Code"
            description="The short code you use for this customer"
            value={form.code}
            onChange={(e) => setForm({ ...form, code: e.currentTarget.value })}
            error={errors.code}
          />
          <TextInput
            label="Account number"
            description="Generated when empty"
            value={form.number}
            onChange={(e) => setForm({ ...form, number: e.currentTarget.value })}
            error={
              errors.number ??
              (isApiError(create.error) && create.error.code === 'conflict'
                ? errorMessage(create.error)
                : undefined)
            }
          />
          {attrs.fields}
          {create.isError &&
          Object.keys(errors).length === 0 &&
          !onlyAttributeErrors(create.error) &&
          !(isApiError(create.error) && create.error.code === 'conflict') ? (
            <ErrorAlert error={create.error} />
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create account
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
