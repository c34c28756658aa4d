// The portal's part of the accessibility defaults (theme-a11y.ts): components the storefront does not
// use, in a module of their own so that the storefront's entry does not bundle them.
import { ColorInput, Modal, Notification } from '@mantine/core';

/** Icon-only buttons get a name screen readers announce. */
export const a11yComponents = {
  Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
  Notification: Notification.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
  ColorInput: ColorInput.extend({
    defaultProps: { eyeDropperButtonProps: { 'aria-label': 'Pick a colour from the screen' } },
  }),
};
