import { useState } from 'react';
import { Alert, Button, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { IconCircleCheck } from '@tabler/icons-react';
import { getRouteApi } from '@tanstack/react-router';
import { errorMessage, fieldErrorsOf, isApiError } from '../../api/client.ts';
import { useActivate } from '../../api/store.ts';
import { AnchorLink, ButtonLink } from '../../components/links.tsx';

const route = getRouteApi('/store/activate');
const MIN_LENGTH = 10;

/** Why the server refused the token: `invalid`, `used` or `expired` (the issue on `token`). */
function tokenProblem(e: unknown): string | undefined {
  if (!isApiError(e) || !Array.isArray(e.details)) return undefined;
  const issue = (e.details as { path?: unknown; message?: unknown }[]).find((d) => d?.path === 'token');
  return typeof issue?.message === 'string' ? issue.message : undefined;
}

function LinkProblem({ message, reason }: { message: string; reason?: string }) {
  // A used link most often means the contact already activated: lead with signing in.
  if (reason === 'used') {
    return (
      <Paper withBorder p="xl" radius="md">
        <Stack align="flex-start">
          <Title order={2}>This link was already used</Title>
          <Alert color="orange" role="alert" w="100%">
            {message}
          </Alert>
          <Text size="sm">
            If you set your password with this link, sign in with your email and that password. Otherwise ask
            your contact at the seller to send you a new activation link.
          </Text>
          <ButtonLink to="/store/sign-in">Sign in</ButtonLink>
        </Stack>
      </Paper>
    );
  }
  return (
    <Paper withBorder p="xl" radius="md">
      <Stack>
        <Title order={2}>This link cannot be used</Title>
        <Alert color="orange" role="alert">
          {message}
        </Alert>
        <Text size="sm">
          Activation links work once and expire after a while. Ask your contact at the seller to send you a
          new activation link.
        </Text>
        <AnchorLink to="/store/sign-in" size="sm">
          Already activated? Sign in
        </AnchorLink>
      </Stack>
    </Paper>
  );
}

export function ActivatePage() {
  const { token } = route.useSearch();
  const activate = useActivate();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [localErrors, setLocalErrors] = useState<{ password?: string; confirm?: string }>({});

  if (!token)
    return <LinkProblem message="The activation link is incomplete. Open the link from your email again." />;
  if (activate.isSuccess) {
    return (
      <Paper withBorder p="xl" radius="md">
        <Stack align="flex-start">
          <Title order={2}>
            <IconCircleCheck
              size={28}
              color="var(--mantine-color-green-6)"
              style={{ verticalAlign: 'text-bottom' }}
            />{' '}
            Your account is active
          </Title>
          <Text>Your password is set. You can now sign in with your email and the new password.</Text>
          <ButtonLink to="/store/sign-in">Sign in</ButtonLink>
        </Stack>
      </Paper>
    );
  }
  const err = activate.error;
  if (isApiError(err) && (err.code === 'unprocessable' || err.code === 'not_found')) {
    return <LinkProblem message={err.message} reason={tokenProblem(err)} />;
  }
  const serverErrors = fieldErrorsOf(err);

  return (
    <Paper withBorder p="xl" radius="md">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const problems: typeof localErrors = {};
          if (password.length < MIN_LENGTH) problems.password = `Use at least ${MIN_LENGTH} characters`;
          if (confirm !== password) problems.confirm = 'The passwords do not match';
          setLocalErrors(problems);
          if (Object.keys(problems).length === 0) activate.mutate({ token, password });
        }}
      >
        <Stack>
          <Title order={2}>Choose your password</Title>
          <Text size="sm" c="dimmed">
            Set a password to activate your account. Use at least {MIN_LENGTH} characters.
          </Text>
          <PasswordInput
            label="Password"
            autoComplete="new-password"
            required
            autoFocus
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={localErrors.password ?? serverErrors.password}
            // Mantine marks only TextInput invalid for assistive technology, not PasswordInput.
            aria-invalid={!!(localErrors.password ?? serverErrors.password)}
          />
          <PasswordInput
            label="Confirm password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={localErrors.confirm}
            aria-invalid={!!localErrors.confirm}
          />
          {err && !serverErrors.password ? (
            <Alert color="red" role="alert">
              {errorMessage(err)}
            </Alert>
          ) : null}
          <Button type="submit" loading={activate.isPending}>
            Set password
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}
