import { useState } from 'react';
import { Alert, Button, Group, Modal, MultiSelect, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useNavigate } from '@tanstack/react-router';
import type { Account } from '../../../contracts/accounts.ts';
import type { EmailMessage } from '../../../contracts/emails.ts';
import { accountLabel } from '../../api/accounts.ts';
import { api, errorMessage, fieldErrorsOf, isApiError, type Page } from '../../api/client.ts';
import { contactName, useCreateContact, useDuplicateCheck } from '../../api/contacts.ts';
import { emailOutcome } from '../../api/emails.ts';
import { useGroupRoles, useRoles } from '../../api/roles.ts';
import { useCan } from '../../api/session.ts';
import { AccountPicker } from '../../components/AccountPicker.tsx';
import { ErrorAlert } from '../../components/ui.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { useAttributeForm } from '../../components/AttributeFields.tsx';
import { isRequired, missingRequired, useFieldRules } from '../../api/field-rules.ts';
import { onlyAttributeErrors } from '../../api/attribute-values.ts';

import { fromLocalInput } from '../../api/customer-groups.ts';
import type { ContactCreated } from '../../../contracts/contacts.ts';
import {
  ContactExtraFields,
  emptyExtras,
  GeneratedPasswordPanel,
  type ContactExtras,
} from './ContactLoginFields.tsx';

/**
 * The welcome email just written for a new contact: null when none was written (the system email is
 * switched off); assumed queued when the log cannot be read.
 */
async function welcomeEmailOf(
  contactId: string,
  email: string,
  canRead: boolean,
): Promise<Pick<EmailMessage, 'status'> | null> {
  if (!canRead) return { status: 'queued' };
  try {
    const page = await api<Page<EmailMessage>>('/emails', {
      query: { to: email, templateKey: 'accountactivation', limit: 5 },
    });
    return page.items.find((m) => m.contactId === contactId) ?? null;
  } catch {
    return { status: 'queued' };
  }
}
const emptyForm = {
  email: '',
  firstName: '',
  lastName: '',
  phone: '',
  workPhone: '',
  groupRoles: [] as string[],
  roles: [] as string[],
};

interface AddContactDialogProps {
  opened: boolean;
  onClose: () => void;
  /** The account to add to; when absent the dialog asks for one. */
  account?: Pick<Account, 'id' | 'name' | 'number' | 'code'>;
}

/** Add a contact to an account, warn about likely duplicates, then open the new contact. */
export function AddContactDialog({ opened, onClose, account }: AddContactDialogProps) {
  const [form, setForm] = useState(emptyForm);
  const [extras, setExtras] = useState<ContactExtras>(emptyExtras);
  // A contact added with a generated password: the dialog shows it once before opening the contact.
  const [withPassword, setWithPassword] = useState<ContactCreated | null>(null);
  const [picked, setPicked] = useState<Account | null>(null);
  const [accountError, setAccountError] = useState<string>();
  const [checkEmail, setCheckEmail] = useState('');
  const navigate = useNavigate();
  const can = useCan();
  const canReadEmails = can('emails.read');
  const create = useCreateContact();
  const roles = useRoles(opened);
  const groupRoles = useGroupRoles(opened);
  const accountId = account?.id ?? picked?.id;

  // Check duplicates as the user types (debounced) and at once on blur.
  const [typedEmail] = useDebouncedValue(form.email.trim(), 400);
  const emailToCheck = checkEmail || typedEmail;
  const [firstName] = useDebouncedValue(form.firstName.trim(), 400);
  const [lastName] = useDebouncedValue(form.lastName.trim(), 400);
  const dupes = useDuplicateCheck({
    email: emailToCheck.includes('@') ? emailToCheck : undefined,
    firstName: firstName || undefined,
    lastName: lastName || undefined,
    accountId,
  });
  const sameEmail = dupes.data?.sameEmail;
  const sameName = (dupes.data?.sameNameOnAccount ?? []).filter((c) => c.id !== sameEmail?.id);

  const rules = useFieldRules(opened);
  const [missing, setMissing] = useState<Record<string, string>>({});
  const errors: Record<string, string> = { ...fieldErrorsOf(create.error), ...missing };
  const conflict = isApiError(create.error) && create.error.code === 'conflict';
  const attrs = useAttributeForm('contact', opened, create.error);

  const close = () => {
    setForm(emptyForm);
    attrs.reset();
    setExtras(emptyExtras);
    setWithPassword(null);
    setPicked(null);
    setAccountError(undefined);
    setCheckEmail('');
    setMissing({});
    create.reset();
    onClose();
  };

  const set = <K extends keyof typeof emptyForm>(key: K, value: (typeof emptyForm)[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    if (key in missing) setMissing(({ [key]: _, ...rest }) => rest);
    // A server error describes the previous attempt; drop it once the user edits.
    if (create.isError) create.reset();
  };

  const submit = () => {
    const attrsOk = attrs.check();
    // The server's own check and words, before sending: "Work phone is required".
    const required = missingRequired(rules.data, 'contact', form);
    setMissing(required);
    if (!accountId) {
      setAccountError('Choose the account the contact belongs to');
      return;
    }
    if (!attrsOk || Object.keys(required).length) return;
    create.mutate(
      {
        viaAccount: !!account,
        body: {
          accountId,
          email: form.email.trim(),
          firstName: form.firstName.trim(),
          lastName: form.lastName.trim(),
          phone: form.phone.trim() || null,
          workPhone: form.workPhone.trim() || null,
          ...(extras.language && { language: extras.language }),
          customerGroups: extras.customerGroups,
          roles: form.roles,
          groupRoles: form.groupRoles,
          ...attrs.body,
          login: {
            mode: extras.loginMode,
            validFrom: fromLocalInput(extras.validFrom),
            validUntil: fromLocalInput(extras.validUntil),
          },
        },
      },
      {
        onSuccess: (c) => {
          if (c.password) {
            setWithPassword(c);
            return;
          }
          const sent = extras.loginMode === 'activation-email';
          close();
          void navigate({ to: '/contacts/$contactId', params: { contactId: c.id } });
          if (!sent) {
            notifications.show({
              color: 'green',
              title: 'Contact added',
              message: `${contactName(c)} was added.`,
            });
            return;
          }
          // Tell what became of the welcome email: queued for delivery, or only written to the log (no SMTP).
          void welcomeEmailOf(c.id, c.email, canReadEmails).then((email) =>
            notifications.show({
              color: 'green',
              title: 'Contact added',
              message: !email
                ? `${contactName(c)} was added. No welcome email was written: the system email is switched off.`
                : `${contactName(c)} was added. The welcome email was ${emailOutcome(email.status)}.`,
            }),
          );
        },
      },
    );
  };

  const openAdded = (c: ContactCreated) => {
    close();
    void navigate({ to: '/contacts/$contactId', params: { contactId: c.id } });
    notifications.show({ color: 'green', title: 'Contact added', message: `${contactName(c)} was added.` });
  };

  if (withPassword?.password)
    return (
      <Modal opened={opened} onClose={() => openAdded(withPassword)} title="Contact added" size="lg">
        <GeneratedPasswordPanel
          name={contactName(withPassword)}
          password={withPassword.password}
          onDone={() => openAdded(withPassword)}
        />
      </Modal>
    );

  return (
    <Modal opened={opened} onClose={close} title="Add contact" size="lg">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack>
          {account ? (
            <Text size="sm">
              Account: <b>{accountLabel(account)}</b>
            </Text>
          ) : (
            <AccountPicker
              value={picked}
              onChange={(a) => {
                setPicked(a);
                setAccountError(undefined);
              }}
              error={accountError ?? errors.accountId}
              required
              autoFocus
            />
          )}
          <TextInput
            label="Email"
            description="The contact signs in with this email (the username)"
            type="email"
            required
            data-autofocus={account ? true : undefined}
            value={form.email}
            onChange={(e) => {
              set('email', e.currentTarget.value);
              setCheckEmail('');
            }}
            onBlur={() => setCheckEmail(form.email.trim())}
            error={errors.email ?? (conflict ? errorMessage(create.error) : undefined)}
          />
          {sameEmail ? (
            <Alert color="yellow" icon={<IconAlertTriangle size={18} />} p="xs" role="status">
              A contact with this email already exists:{' '}
              <AnchorLink to="/contacts/$contactId" params={{ contactId: sameEmail.id }} size="sm">
                {contactName(sameEmail)} ({sameEmail.email})
                {sameEmail.account ? ` · ${sameEmail.account.name}` : ''}
              </AnchorLink>
            </Alert>
          ) : null}
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
          </SimpleGrid>
          {sameName.length > 0 ? (
            <Alert color="yellow" icon={<IconAlertTriangle size={18} />} p="xs" role="status">
              This account already has a contact with this name:{' '}
              {sameName.map((c, i) => (
                <span key={c.id}>
                  {i > 0 ? ', ' : ''}
                  <AnchorLink to="/contacts/$contactId" params={{ contactId: c.id }} size="sm">
                    {contactName(c)} ({c.email})
                  </AnchorLink>
                </span>
              ))}
            </Alert>
          ) : null}
          <SimpleGrid cols={{ base: 1, xs: 2 }}>
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
          </SimpleGrid>
          <MultiSelect
            label="Group roles"
            placeholder={form.groupRoles.length ? undefined : 'Choose group roles'}
            searchable
            data={(groupRoles.data ?? []).map((g) => ({ value: g.key, label: g.name }))}
            value={form.groupRoles}
            onChange={(v) => set('groupRoles', v)}
            nothingFoundMessage={groupRoles.isPending ? 'Loading…' : 'No group roles'}
            error={errors.groupRoles ?? (groupRoles.isError ? errorMessage(groupRoles.error) : undefined)}
            comboboxProps={{ withinPortal: true }}
          />
          <MultiSelect
            label="Roles"
            placeholder={form.roles.length ? undefined : 'Choose roles'}
            searchable
            data={(roles.data ?? []).map((r) => ({ value: r.key, label: r.name }))}
            value={form.roles}
            onChange={(v) => set('roles', v)}
            nothingFoundMessage={roles.isPending ? 'Loading…' : 'No roles'}
            error={errors.roles ?? (roles.isError ? errorMessage(roles.error) : undefined)}
            comboboxProps={{ withinPortal: true }}
          />
          <ContactExtraFields
            opened={opened}
            value={extras}
            onChange={(patch) => {
              setExtras((x) => ({ ...x, ...patch }));
              if (create.isError) create.reset();
            }}
            errors={errors}
          />
          {attrs.fields}
          {create.isError &&
          Object.keys(errors).length === 0 &&
          !conflict &&
          !onlyAttributeErrors(create.error) ? (
            <ErrorAlert error={create.error} />
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
