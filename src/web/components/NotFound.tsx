import { Center, Stack, Text, Title } from '@mantine/core';
import { useLocation } from '@tanstack/react-router';
import { AnchorLink } from './links.tsx';

export function NotFound() {
  // The storefront's entry knows only /store pages: its visitors go back to the store.
  const inStore = useLocation({ select: (l) => l.pathname.startsWith('/store') });
  return (
    <Center mih="60vh">
      <Stack align="center" gap="xs">
        <Title order={2}>Page not found</Title>
        <Text c="dimmed">The page you asked for does not exist or was moved.</Text>
        <AnchorLink to={inStore ? '/store' : '/'}>Go to the start page</AnchorLink>
      </Stack>
    </Center>
  );
}
