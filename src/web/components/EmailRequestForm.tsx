import { useState } from 'react';
import { Alert, Button, Stack, TextInput } from '@mantine/core';
import { IconMailCheck } from '@tabler/icons-react';
import type { UseMutationResult } from '@tanstack/react-query';
import { errorMessage, isApiError } from '../api/client.ts';

interface EmailRequestFormProps {
  /** A mutation posting `{ email }` that answers `{ message }` (the same whether or not the email exists). */
  mutation: UseMutationResult<{ message: string }, Error, { email: string }>;
  submitLabel: string;
  initialEmail?: string;
  autoFocus?: boolean;
}

function requestError(e: unknown): string {
  if (isApiError(e) && e.status === 429)
    return 'Too many requests for this email. Wait a minute and try again.';
  return errorMessage(e);
}

/** One email field that asks the server to send a link, then shows the server's answer. */
export function EmailRequestForm({
  mutation,
  submitLabel,
  initialEmail = '',
  autoFocus,
}: EmailRequestFormProps) {
  const [email, setEmail] = useState(initialEmail);
  const [error, setError] = useState<string>();

  if (mutation.isSuccess) {
    return (
      <Alert color="green" icon={<IconMailCheck size={18} />} role="status" title="Check your inbox">
        {mutation.data.message}
      </Alert>
    );
  }

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const value = email.trim();
        if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
          setError('Enter your email address');
          return;
        }
        setError(undefined);
        mutation.mutate({ email: value });
      }}
    >
      <Stack>
        <TextInput
          label="Email"
          type="email"
          autoComplete="username"
          required
          autoFocus={autoFocus}
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
          error={error}
        />
        {mutation.isError ? (
          <Alert color="red" role="alert">
            {requestError(mutation.error)}
          </Alert>
        ) : null}
        <Button type="submit" loading={mutation.isPending}>
          {submitLabel}
        </Button>
      </Stack>
    </form>
  );
}
