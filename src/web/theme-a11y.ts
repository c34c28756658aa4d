// Accessibility defaults of the theme, in one place so every page (and every new one) gets them;
// test/e2e/accessibility.test.ts runs axe-core over the portal and the storefront to keep them true.
import { darken, luminance, type CSSVariablesResolver } from '@mantine/core';

/**
 * Filled buttons and links in indigo.8 (#3b5bdb): white on it, and it on white or the light grey
 * backgrounds, read at 5:1 or more (indigo.6, Mantine's default shade, is 4.3:1).
 */
export const a11yTheme = { primaryShade: { light: 8, dark: 8 } } as const;

/** The colour darkened until its relative luminance is at most 0.14: 4.5:1 or more on any light tint. */
function readable(color: string): string {
  let c = color;
  for (let i = 0; i < 12 && luminance(c) > 0.14; i++) c = darken(c, 0.08);
  return c;
}

/** A seller's colour as a fill under white text: darkened until white on it reads at 4.5:1 or more. */
export function readableFill(color: string): string {
  let c = color;
  for (let i = 0; i < 12 && luminance(c) > 0.17; i++) c = darken(c, 0.08);
  return c;
}

/**
 * Dimmed text: Mantine's gray.6 (#868e96) is 3.3:1 on white; gray.7 (#495057) reads at 8:1, and above
 * 7:1 on the light grey backgrounds of cards and rows. Coloured text (`c="red"`) and light badges
 * (status badges) use their colour's darkest shade, darkened further where that is still under 4.5:1
 * (green.9 on its tint is 3.8:1).
 */
export const a11yCssVariables: CSSVariablesResolver = (theme) => {
  const light: Record<string, string> = { '--mantine-color-dimmed': theme.colors.gray[7] };
  for (const [name, shades] of Object.entries(theme.colors)) {
    if (name === 'dark' || name === 'gray') continue;
    const text = readable(shades[9]);
    light[`--mantine-color-${name}-text`] = text;
    light[`--mantine-color-${name}-light-color`] = text;
  }
  return { variables: {}, light, dark: {} };
};
