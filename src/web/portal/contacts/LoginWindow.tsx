import { useState } from 'react';
import { Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Contact } from '../../../contracts/contacts.ts';
import { fieldErrorsOf } from '../../api/client.ts';
import { useUpdateContact } from '../../api/contacts.ts';
import { fromLocalInput, toLocalInput } from '../../api/customer-groups.ts';
import { useCan } from '../../api/session.ts';
import { SaveButtons } from '../../components/SaveButtons.tsx';
import { ErrorAlert } from '../../components/ui.tsx';

const when = (iso: string | null, none: string) => (iso ? new Date(iso).toLocaleString() : none);

/** The contact's login validity window (valid from / until), shown and, with contacts.write, changed. */
export function LoginWindow({ contact }: { contact: Contact }) {
  const can = useCan();
  if (!can('contacts.write'))
    return (
      <Text size="sm" mt="sm" data-testid="login-window">
        Login valid from {when(contact.loginValidFrom, 'now')} until {when(contact.loginValidUntil, 'no end')}
      </Text>
    );
  return <LoginWindowForm key={contact.updatedAt} contact={contact} />;
}

function LoginWindowForm({ contact }: { contact: Contact }) {
  const initial = {
    from: toLocalInput(contact.loginValidFrom),
    until: toLocalInput(contact.loginValidUntil),
  };
  const [form, setForm] = useState(initial);
  const update = useUpdateContact(contact.id);
  const errors = fieldErrorsOf(update.error);
  const dirty = form.from !== initial.from || form.until !== initial.until;
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate(
          {
            ...(form.from !== initial.from && { loginValidFrom: fromLocalInput(form.from) }),
            ...(form.until !== initial.until && { loginValidUntil: fromLocalInput(form.until) }),
          },
          {
            onSuccess: () =>
              notifications.show({
                color: 'green',
                title: 'Saved',
                message: 'The login window was changed.',
              }),
          },
        );
      }}
    >
      <Stack gap="xs" mt="sm">
        <TextInput
          type="datetime-local"
          label="Login valid from"
          description="Empty: from now on"
          value={form.from}
          onChange={(e) => {
            const from = e.currentTarget.value;
            setForm((f) => ({ ...f, from }));
          }}
          error={errors.loginValidFrom}
        />
        <TextInput
          type="datetime-local"
          label="Login valid until"
          description="Empty: no end"
          value={form.until}
          onChange={(e) => {
            const until = e.currentTarget.value;
            setForm((f) => ({ ...f, until }));
          }}
          error={errors.loginValidUntil}
        />
        {update.isError && !errors.loginValidFrom && !errors.loginValidUntil ? (
          <ErrorAlert error={update.error} />
        ) : null}
        <SaveButtons
          dirty={dirty}
          saving={update.isPending}
          onReset={() => {
            setForm(initial);
            update.reset();
          }}
          saveLabel="Save window"
        />
      </Stack>
    </form>
  );
}
