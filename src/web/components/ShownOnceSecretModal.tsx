import { Alert, Button, Code, CopyButton, Group, Modal, Stack } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy } from '@tabler/icons-react';
import type { ReactNode } from 'react';

/** A key or secret the server returns once: shown with a warning and a copy button until Done. */
export function ShownOnceSecretModal({
  value,
  title,
  warning,
  copyLabel,
  testId,
  onDone,
}: {
  /** The secret; null keeps the dialog closed. */
  value: string | null;
  title: string;
  warning: ReactNode;
  copyLabel: string;
  testId: string;
  onDone: () => void;
}) {
  return (
    <Modal opened={value !== null} onClose={onDone} title={title} size="lg" closeOnClickOutside={false}>
      {value !== null ? (
        <Stack>
          <Alert color="yellow" icon={<IconAlertTriangle size={18} />}>
            {warning}
          </Alert>
          <Code block data-testid={testId} style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
            {value}
          </Code>
          <Group justify="space-between">
            <CopyButton value={value}>
              {({ copied, copy }) => (
                <Button
                  variant={copied ? 'light' : 'filled'}
                  color={copied ? 'green' : undefined}
                  leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                  onClick={copy}
                >
                  {copied ? 'Copied' : copyLabel}
                </Button>
              )}
            </CopyButton>
            <Button variant="default" onClick={onDone}>
              Done
            </Button>
          </Group>
        </Stack>
      ) : null}
    </Modal>
  );
}
