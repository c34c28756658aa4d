import type { ReactNode } from 'react';
import { SuccessMessage } from '../../components/ui.tsx';
import { Alert, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { getRouteApi } from '@tanstack/react-router';
import { isApiError, tokenProblem } from '../../api/client.ts';
import { unusableLink, useTokenCheck } from '../../api/tokens.ts';
import { useEmployeePasswordReset, useEmployeePasswordResetConfirm } from '../../api/session.ts';
import { EmailRequestForm } from '../../components/EmailRequestForm.tsx';
import { AnchorLink, ButtonLink } from '../../components/links.tsx';
import { NewPasswordForm } from '../../components/NewPasswordForm.tsx';

/** The sign-in page's frame: a card in the middle of the page. */
export function PortalCard({ children }: { children: ReactNode }) {
  return (
    <Center mih="100vh" bg="gray.0" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={420} radius="md">
        <Text c="indigo.7" fw={700} size="sm" mb="xs">
          Clientele · Operations Portal
        </Text>
        {children}
      </Paper>
    </Center>
  );
}

/** `/forgot-password`: an employee asks for a reset link. */
export function ForgotPasswordPage() {
  const request = useEmployeePasswordReset();
  return (
    <PortalCard>
      <Stack>
        <Stack gap={4}>
          <Title order={2}>Forgot your password?</Title>
          {request.isSuccess ? null : (
            <Text c="dimmed" size="sm">
              Enter the email you sign in to the Operations Portal with. We will send you a link to choose a
              new password.
            </Text>
          )}
        </Stack>
        <EmailRequestForm mutation={request} submitLabel="Send reset link" autoFocus />
        <AnchorLink to="/sign-in" search={{}} size="sm">
          Back to sign-in
        </AnchorLink>
      </Stack>
    </PortalCard>
  );
}

const resetRoute = getRouteApi('/reset-password');

const LINK_TITLES = {
  used: 'This link was already used',
  expired: 'This link has expired',
  invalid: 'This link is not valid',
} as const;

/** `/reset-password?token=…`: the link of the employee's reset email. */
export function ResetPasswordPage() {
  const { token } = resetRoute.useSearch();
  const confirm = useEmployeePasswordResetConfirm();
  const unusable = unusableLink(useTokenCheck('employee-reset', token));
  const err = confirm.error;

  if (!token || (unusable && !confirm.isSuccess) || (isApiError(err) && err.status === 422)) {
    const reason = !token ? 'invalid' : (unusable?.reason ?? tokenProblem(err) ?? 'invalid');
    const message = !token
      ? 'The reset link is incomplete. Open the link from your email again.'
      : (unusable?.message ?? (isApiError(err) ? err.message : ''));
    return (
      <PortalCard>
        <Stack align="flex-start">
          <Title order={2}>{LINK_TITLES[reason]}</Title>
          <Alert color="orange" role="alert" w="100%">
            {message}
          </Alert>
          <ButtonLink to="/forgot-password">Ask for a new link</ButtonLink>
        </Stack>
      </PortalCard>
    );
  }

  if (confirm.isSuccess) {
    return (
      <PortalCard>
        <SuccessMessage title="Your password is changed">
          <Text size="sm">Use it the next time you sign in to the Operations Portal.</Text>
          <ButtonLink to="/sign-in" search={{}}>
            Sign in with your new password
          </ButtonLink>
        </SuccessMessage>
      </PortalCard>
    );
  }

  return (
    <PortalCard>
      <NewPasswordForm
        title="Choose a new password"
        submitLabel="Set new password"
        pending={confirm.isPending}
        error={err}
        onSubmit={(password) => confirm.mutate({ token, password })}
      />
    </PortalCard>
  );
}
