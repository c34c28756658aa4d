import { Alert, Divider, Paper, Stack, Text, Title } from '@mantine/core';
import { SuccessMessage } from '../../components/ui.tsx';
import { isApiError, tokenProblem } from '../../api/client.ts';
import { useActivate, useActivationResend } from '../../api/store.ts';
import { unusableLink, useTokenCheck } from '../../api/tokens.ts';
import { EmailRequestForm } from '../../components/EmailRequestForm.tsx';
import { AnchorLink, ButtonLink, useTokenParam } from '../store-nav.tsx';
import { NewPasswordForm } from '../../components/NewPasswordForm.tsx';

/** An expired or broken link: the contact asks for a new one with their email. */
function ResendActivation() {
  const resend = useActivationResend();
  return (
    <Stack gap="sm" w="100%">
      <Title order={4}>Send me a new activation link</Title>
      <EmailRequestForm mutation={resend} submitLabel="Send me a new activation link" />
    </Stack>
  );
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
            If you set your password with this link, sign in with your email and that password. If you do not
            remember it, choose a new one with “Forgot password?”.
          </Text>
          <ButtonLink to="/store/sign-in">Sign in</ButtonLink>
          <AnchorLink to="/store/reset" size="sm">
            Forgot password?
          </AnchorLink>
        </Stack>
      </Paper>
    );
  }
  return (
    <Paper withBorder p="xl" radius="md">
      <Stack align="flex-start">
        <Title order={2}>{reason === 'expired' ? 'This link has expired' : 'This link cannot be used'}</Title>
        <Alert color="orange" role="alert" w="100%">
          {message}
        </Alert>
        <Text size="sm">
          Activation links work once and expire after a while. Enter your email and we will send you a new
          one.
        </Text>
        <Divider w="100%" />
        <ResendActivation />
        <AnchorLink to="/store/sign-in" size="sm">
          Already activated? Sign in
        </AnchorLink>
      </Stack>
    </Paper>
  );
}

export function ActivatePage() {
  const token = useTokenParam();
  const activate = useActivate();
  const unusable = unusableLink(useTokenCheck('activation', token));

  if (!token)
    return <LinkProblem message="The activation link is incomplete. Open the link from your email again." />;
  if (activate.isSuccess) {
    return (
      <Paper withBorder p="xl" radius="md">
        <SuccessMessage title="Your account is active">
          <Text>Your password is set. You can now sign in with your email and the new password.</Text>
          <ButtonLink to="/store/sign-in">Sign in</ButtonLink>
        </SuccessMessage>
      </Paper>
    );
  }
  if (unusable) return <LinkProblem message={unusable.message} reason={unusable.reason} />;
  const err = activate.error;
  if (isApiError(err) && (err.code === 'unprocessable' || err.code === 'not_found')) {
    return <LinkProblem message={err.message} reason={tokenProblem(err)} />;
  }

  return (
    <Paper withBorder p="xl" radius="md">
      <NewPasswordForm
        title="Choose your password"
        description="Set a password to activate your account. Use at least 10 characters."
        submitLabel="Set password"
        pending={activate.isPending}
        error={err}
        onSubmit={(password) => activate.mutate({ token, password })}
      />
    </Paper>
  );
}
