import { useEffect, type CSSProperties, type ReactNode } from 'react';
import { Box, Container, darken, Group, Image, luminance, rgba, Skeleton, Text } from '@mantine/core';
import { useStoreBranding, type Branding } from '../api/settings.ts';
import { AnchorLink } from './store-nav.tsx';

const HEX = /^#[0-9a-fA-F]{6}$/;

/**
 * The seller's colour as the primary colour of the store pages. Mantine resolves the primary colour to
 * its palette's CSS variables, so the store frame redefines those for everything inside it.
 */
export function brandColorVars(color: string | undefined): CSSProperties | undefined {
  if (!color || !HEX.test(color)) return undefined;
  // White text on filled buttons, and links on the light grey page, need 4.5:1 (WCAG AA): darken the
  // colour until its luminance is at most 0.17 (4.5:1 against gray.0, more against white).
  let filled = color;
  for (let i = 0; i < 12 && luminance(filled) > 0.17; i++) filled = darken(filled, 0.08);
  const vars: Record<string, string> = {};
  for (const prefix of ['--mantine-color-indigo', '--mantine-primary-color']) {
    vars[`${prefix}-filled`] = filled;
    vars[`${prefix}-filled-hover`] = darken(filled, 0.1);
    vars[`${prefix}-light`] = rgba(filled, 0.1);
    vars[`${prefix}-light-hover`] = rgba(filled, 0.14);
    vars[`${prefix}-light-color`] = filled;
  }
  vars['--mantine-color-indigo-outline'] = filled;
  vars['--mantine-color-indigo-outline-hover'] = rgba(filled, 0.05);
  vars['--mantine-color-anchor'] = filled;
  return vars;
}

function StoreBrand({ branding, loading }: { branding: Branding | undefined; loading: boolean }) {
  if (loading) return <Skeleton h={28} w={180} />;
  const name = branding?.name ?? 'Store';
  return (
    <AnchorLink to="/store" underline="never" c="dark" fw={700} size="lg" data-testid="store-brand">
      <Group gap="sm" wrap="nowrap">
        {branding?.logoUrl ? <Image src={branding.logoUrl} alt="" h={32} w="auto" fit="contain" /> : null}
        <span>{name}</span>
      </Group>
    </AnchorLink>
  );
}

/** Plain, light frame for the storefront pages, in the seller's name and colour. */
export function StoreLayout({ children }: { children: ReactNode }) {
  const branding = useStoreBranding();
  const b = branding.data;

  useEffect(() => {
    if (b?.name) document.title = b.name;
    return () => {
      document.title = 'Clientele';
    };
  }, [b?.name]);

  return (
    <Box mih="100vh" bg="gray.0" style={brandColorVars(b?.color)}>
      <Box
        component="header"
        bg="white"
        style={{
          borderBottom: '1px solid var(--mantine-color-gray-3)',
          borderTop: `4px solid ${b?.color ?? 'var(--mantine-color-gray-3)'}`,
        }}
      >
        <Container size="md" py="sm">
          <Group justify="space-between" mih={32}>
            <StoreBrand branding={b} loading={branding.isPending} />
          </Group>
        </Container>
      </Box>
      <Container size="xs" py={48} component="main">
        {children}
      </Container>
      <Text ta="center" size="xs" c="dimmed" pb="lg">
        Powered by Clientele
      </Text>
    </Box>
  );
}
