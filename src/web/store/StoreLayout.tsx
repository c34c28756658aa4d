import { Box, Container, Group, Text } from '@mantine/core';
import { Outlet } from '@tanstack/react-router';
import { AnchorLink } from '../components/links.tsx';

/** Plain, light frame for the storefront pages. */
export function StoreLayout() {
  return (
    <Box mih="100vh" bg="gray.0">
      <Box component="header" bg="white" style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}>
        <Container size="md" py="sm">
          <Group justify="space-between">
            <AnchorLink to="/store" underline="never" c="dark" fw={700} size="lg">
              Clientele Store
            </AnchorLink>
          </Group>
        </Container>
      </Box>
      <Container size="xs" py={48} component="main">
        <Outlet />
      </Container>
      <Text ta="center" size="xs" c="dimmed" pb="lg">
        Powered by Clientele
      </Text>
    </Box>
  );
}
