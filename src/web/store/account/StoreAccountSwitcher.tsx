import { useState } from 'react';
import { Alert, Button, Radio, Select, Stack, Text } from '@mantine/core';
import { errorMessage } from '../../api/client.ts';
import { useStoreSwitchAccount, type StoreSessionInfo } from '../../api/store.ts';
import { CHOOSE_ACCOUNT_FLAG } from './account-choice.ts';

/** A contact in several accounts picks the one it orders for, after sign-in and whenever it wants. */
export function StoreAccountSwitcher({ session }: { session: StoreSessionInfo }) {
  const switchAccount = useStoreSwitchAccount();
  const [choosing, setChoosing] = useState(() => sessionStorage.getItem(CHOOSE_ACCOUNT_FLAG) === '1');
  const [picked, setPicked] = useState(session.account?.id ?? '');
  if (session.accounts.length < 2) return null;
  const label = (a: StoreSessionInfo['accounts'][number]) => `${a.name} · ${a.number}`;

  if (choosing)
    return (
      <form
        data-testid="store-choose-account"
        onSubmit={(e) => {
          e.preventDefault();
          switchAccount.mutate(picked, {
            onSuccess: () => {
              sessionStorage.removeItem(CHOOSE_ACCOUNT_FLAG);
              setChoosing(false);
            },
          });
        }}
      >
        <Stack gap="sm">
          <Radio.Group
            label="Which account are you ordering for?"
            description="You can switch later on this page."
            required
            value={picked}
            onChange={setPicked}
          >
            <Stack gap="xs" mt="xs">
              {session.accounts.map((a) => (
                <Radio key={a.id} value={a.id} label={label(a)} />
              ))}
            </Stack>
          </Radio.Group>
          {switchAccount.isError ? <Alert color="red">{errorMessage(switchAccount.error)}</Alert> : null}
          <Button type="submit" disabled={!picked} loading={switchAccount.isPending}>
            Continue
          </Button>
        </Stack>
      </form>
    );

  return (
    <Stack gap={4}>
      <Select
        label="Ordering for"
        data={session.accounts.map((a) => ({ value: a.id, label: label(a) }))}
        value={session.account?.id ?? null}
        allowDeselect={false}
        onChange={(id) => id && switchAccount.mutate(id)}
        disabled={switchAccount.isPending}
        data-testid="store-account-switcher"
      />
      {switchAccount.isError ? (
        <Text size="sm" c="red">
          {errorMessage(switchAccount.error)}
        </Text>
      ) : null}
    </Stack>
  );
}
