// Accessibility defaults of the theme, in one place so every page (and every new one) gets them;
// test/e2e/accessibility.test.ts runs axe-core over the portal and the storefront to keep them true.
import { Modal, Notification, type CSSVariablesResolver } from '@mantine/core';

/** Close buttons are icons: give them a name screen readers announce. */
export const a11yComponents = {
  Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
  Notification: Notification.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
};

/**
 * Mantine's dimmed text is gray.6 (#868e96), 3.3:1 on white; gray.7 (#495057) reads at 7.9:1, and stays
 * above 4.5:1 on the light grey backgrounds (gray.0, gray.1) of cards and table rows.
 */
export const a11yCssVariables: CSSVariablesResolver = (theme) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': theme.colors.gray[7],
  },
  dark: {},
});
