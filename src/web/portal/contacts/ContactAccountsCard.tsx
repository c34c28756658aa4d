import { useState } from 'react';
import { ActionIcon, Badge, Button, Group, Paper, Stack, Text, Title, Tooltip } from '@mantine/core';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import { IconStar, IconTrash } from '@tabler/icons-react';
import type { Account } from '../../../contracts/accounts.ts';
import type { ContactAccount, ContactAccountsChange } from '../../../contracts/contact-accounts.ts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage } from '../../api/client.ts';
import {
  useChangeContactAccounts,
  useContactAccounts,
  type ContactAccountsAction,
} from '../../api/contact-accounts.ts';
import { useCan } from '../../api/session.ts';
import { AccountPicker } from '../../components/AccountPicker.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { ErrorAlert, StatusBadge } from '../../components/ui.tsx';

/** The contact's accounts (seed 003 organizations): add, remove, make primary, re-map from a web account. */
export function ContactAccountsCard({ contactId }: { contactId: string }) {
  const can = useCan();
  const list = useContactAccounts(contactId);
  const change = useChangeContactAccounts(contactId);
  const [adding, setAdding] = useState<Account | null>(null);
  const qc = useQueryClient();
  // The existing account status change, for the web account a re-map emptied.
  const disable = useMutation({
    mutationFn: (id: string) => api(`/accounts/${id}`, { method: 'PATCH', body: { status: 'disabled' } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['accounts'] }),
  });
  const writable = can('contacts.write');
  const accounts = list.data?.accounts ?? [];
  const primary = accounts.find((a) => a.primary);

  const run = (action: ContactAccountsAction, done: string) =>
    change.mutate(action, {
      onSuccess: (result) => {
        notifications.show({ color: 'green', message: done });
        if (result.emptiedWebAccount && can('accounts.write')) offerDisable(result.emptiedWebAccount);
      },
      onError: (e) => notifications.show({ color: 'red', title: 'Not changed', message: errorMessage(e) }),
    });

  const offerDisable = (account: NonNullable<ContactAccountsChange['emptiedWebAccount']>) => {
    modals.openConfirmModal({
      title: 'Disable the emptied web account?',
      children: (
        <Text size="sm">
          No contact is left in the web account <b>{account.name}</b> ({account.number}). Disable it so that
          nobody orders on it any more?
        </Text>
      ),
      labels: { confirm: 'Disable account', cancel: 'Keep it' },
      confirmProps: { color: 'red' },
      onConfirm: () =>
        disable.mutate(account.id, {
          onSuccess: () => notifications.show({ color: 'green', message: `${account.number} disabled` }),
          onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }),
        }),
    });
  };

  const makePrimary = (a: ContactAccount) => {
    const remap = primary?.webAccount && !a.webAccount;
    modals.openConfirmModal({
      title: 'Make this the primary account?',
      children: (
        <Text size="sm">
          <b>{a.name}</b> ({a.number}) becomes the contact’s primary account.{' '}
          {remap
            ? `The contact leaves the web account ${primary.number} (re-mapped to the ERP’s account).`
            : primary
              ? `${primary.name} stays one of its accounts.`
              : ''}
        </Text>
      ),
      labels: { confirm: 'Make primary', cancel: 'Cancel' },
      onConfirm: () => run({ kind: 'primary', accountId: a.id }, `${a.name} is now the primary account`),
    });
  };

  const remove = (a: ContactAccount) => {
    const next = a.primary ? accounts.find((x) => x.id !== a.id) : undefined;
    modals.openConfirmModal({
      title: 'Remove the contact from this account?',
      children: (
        <Text size="sm">
          The contact leaves <b>{a.name}</b> ({a.number}).
          {next ? ` ${next.name} becomes its primary account.` : ''}
        </Text>
      ),
      labels: { confirm: 'Remove', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () =>
        run({ kind: 'remove', accountId: a.id, newPrimaryAccountId: next?.id }, `Removed from ${a.name}`),
    });
  };

  return (
    <Paper withBorder p="md" radius="md" data-testid="contact-accounts">
      <Title order={4} mb="sm">
        Accounts
      </Title>
      {list.isError ? <ErrorAlert error={list.error} /> : null}
      {list.isSuccess && accounts.length === 0 ? (
        <Text size="sm" c="dimmed">
          Not on any account.
        </Text>
      ) : null}
      <Stack gap={6}>
        {accounts.map((a) => (
          <Group key={a.id} gap={6} justify="space-between" wrap="nowrap" data-testid="contact-account-row">
            <Stack gap={0}>
              <Group gap={6}>
                <AnchorLink to="/accounts/$accountId" params={{ accountId: a.id }} size="sm">
                  {a.name}
                </AnchorLink>
                {a.primary ? (
                  <Badge size="xs" variant="outline">
                    primary
                  </Badge>
                ) : null}
                {a.status !== 'active' ? <StatusBadge status={a.status} /> : null}
              </Group>
              <Text size="xs" c="dimmed">
                {[a.number, a.code].filter(Boolean).join(' · ')}
                {a.webAccount ? ' · web account' : ''}
              </Text>
            </Stack>
            {writable ? (
              <Group gap={2} wrap="nowrap">
                {!a.primary ? (
                  <Tooltip label="Make primary">
                    <ActionIcon
                      variant="subtle"
                      aria-label={`Make ${a.name} the primary account`}
                      onClick={() => makePrimary(a)}
                    >
                      <IconStar size={16} />
                    </ActionIcon>
                  </Tooltip>
                ) : null}
                <Tooltip label={accounts.length === 1 ? 'A contact keeps at least one account' : 'Remove'}>
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    aria-label={`Remove from ${a.name}`}
                    disabled={accounts.length === 1}
                    onClick={() => remove(a)}
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Tooltip>
              </Group>
            ) : null}
          </Group>
        ))}
      </Stack>
      {writable ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!adding) return;
            const name = adding.name;
            run({ kind: 'add', accountId: adding.id }, `Added to ${name}`);
            setAdding(null);
          }}
        >
          <Group align="flex-end" gap="xs" mt="sm" wrap="nowrap">
            <div style={{ flex: 1 }}>
              <AccountPicker label="Add to account" value={adding} onChange={setAdding} />
            </div>
            <Button type="submit" variant="light" disabled={!adding} loading={change.isPending}>
              Add
            </Button>
          </Group>
        </form>
      ) : null}
    </Paper>
  );
}
