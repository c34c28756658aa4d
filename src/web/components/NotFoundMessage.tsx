import { Center, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** "Page not found" with a way back; each app passes a link of its own router. */
export function NotFoundMessage({ link }: { link: ReactNode }) {
  return (
    <Center mih="60vh">
      <Stack align="center" gap="xs">
        <Title order={2}>Page not found</Title>
        <Text c="dimmed">The page you asked for does not exist or was moved.</Text>
        {link}
      </Stack>
    </Center>
  );
}
