import { Anchor, Button, type AnchorProps, type ButtonProps } from '@mantine/core';
import { createLink } from '@tanstack/react-router';
import type { AnchorHTMLAttributes, Ref } from 'react';

type AnchorElProps = AnchorProps & AnchorHTMLAttributes<HTMLAnchorElement> & { ref?: Ref<HTMLAnchorElement> };
type ButtonElProps = ButtonProps & AnchorHTMLAttributes<HTMLAnchorElement> & { ref?: Ref<HTMLAnchorElement> };

function MantineAnchor(props: AnchorElProps) {
  return <Anchor component="a" {...props} />;
}
function MantineButtonAnchor(props: ButtonElProps) {
  return <Button component="a" {...props} />;
}

/** A Mantine Anchor that navigates with the router (typed `to`, `params`, `search`). */
export const AnchorLink = createLink(MantineAnchor);
/** A Mantine Button that is a router link. */
export const ButtonLink = createLink(MantineButtonAnchor);
