import { Alert, Paper, Stack, Text, Title } from '@mantine/core';
import { SuccessMessage } from '../../components/ui.tsx';
import { isApiError, tokenProblem } from '../../api/client.ts';
import { unusableLink, useTokenCheck } from '../../api/tokens.ts';
import { useStorePasswordReset, useStorePasswordResetConfirm } from '../../api/store.ts';
import { EmailRequestForm } from '../../components/EmailRequestForm.tsx';
import { AnchorLink, ButtonLink, useTokenParam } from '../store-nav.tsx';
import { NewPasswordForm } from '../../components/NewPasswordForm.tsx';

/** `/store/reset`: ask for a link; `/store/reset?token=…`: choose a new password with it. */
export function StoreResetPage() {
  const token = useTokenParam();
  // Keyed so that following "Ask for a new link" starts a fresh form.
  return token ? <ChooseNewPassword key={token} token={token} /> : <ForgotPassword />;
}

function ForgotPassword() {
  const request = useStorePasswordReset();
  return (
    <Paper withBorder p="xl" radius="md">
      <Stack>
        <Title order={2}>Forgot your password?</Title>
        {request.isSuccess ? null : (
          <Text size="sm" c="dimmed">
            Enter the email you sign in with. We will send you a link to choose a new password.
          </Text>
        )}
        <EmailRequestForm mutation={request} submitLabel="Send reset link" autoFocus />
        <AnchorLink to="/store/sign-in" size="sm">
          Back to sign-in
        </AnchorLink>
      </Stack>
    </Paper>
  );
}

const LINK_TITLES = {
  used: 'This link was already used',
  expired: 'This link has expired',
  invalid: 'This link is not valid',
} as const;

function LinkProblem({ reason, message }: { reason: keyof typeof LINK_TITLES; message: string }) {
  return (
    <Paper withBorder p="xl" radius="md">
      <Stack align="flex-start">
        <Title order={2}>{LINK_TITLES[reason]}</Title>
        <Alert color="orange" role="alert" w="100%">
          {message}
        </Alert>
        <Text size="sm">
          Reset links work once and expire after a short while. Ask for a new one and use the link in the
          latest email.
        </Text>
        <ButtonLink to="/store/reset">Ask for a new link</ButtonLink>
      </Stack>
    </Paper>
  );
}

function ChooseNewPassword({ token }: { token: string }) {
  const confirm = useStorePasswordResetConfirm();
  const unusable = unusableLink(useTokenCheck('password-reset', token));

  if (confirm.isSuccess) {
    return (
      <Paper withBorder p="xl" radius="md">
        <SuccessMessage title="Your password is changed">
          <Text>Sign in with your email and the new password. You were signed out everywhere else.</Text>
          <ButtonLink to="/store/sign-in">Sign in</ButtonLink>
        </SuccessMessage>
      </Paper>
    );
  }
  if (unusable) return <LinkProblem reason={unusable.reason} message={unusable.message} />;
  const err = confirm.error;
  if (isApiError(err) && err.status === 422) {
    return <LinkProblem reason={tokenProblem(err) ?? 'invalid'} message={err.message} />;
  }

  return (
    <Paper withBorder p="xl" radius="md">
      <NewPasswordForm
        title="Choose a new password"
        submitLabel="Set new password"
        pending={confirm.isPending}
        error={err}
        onSubmit={(password) => confirm.mutate({ token, password })}
      />
    </Paper>
  );
}
