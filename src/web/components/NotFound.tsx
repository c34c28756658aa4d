import { Center, Stack, Text, Title } from '@mantine/core';
import { AnchorLink } from './links.tsx';

export function NotFound() {
  return (
    <Center mih="60vh">
      <Stack align="center" gap="xs">
        <Title order={2}>Page not found</Title>
        <Text c="dimmed">The page you asked for does not exist or was moved.</Text>
        <AnchorLink to="/">Go to the start page</AnchorLink>
      </Stack>
    </Center>
  );
}
