// The storefront's navigation on wouter (~2 KB) rather than TanStack Router (~24 KB compressed): a store page's
// first load must stay under 100 KB (issue 13), and the store is a handful of flat pages.
import { Anchor, Button, type AnchorProps, type ButtonProps } from '@mantine/core';
import type { AnchorHTMLAttributes, ReactNode } from 'react';
import { Link, Redirect, useLocation, useSearch } from 'wouter';

/** The storefront's pages; a link or a redirect to anything else does not type-check. */
export type StorePath =
  | '/store'
  | '/store/sign-in'
  | '/store/account'
  | '/store/activate'
  | '/store/reset'
  | '/store/register'
  | '/store/join';

type LinkTarget = { to: StorePath; children?: ReactNode };
type AnchorLinkProps = LinkTarget & AnchorProps & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>;
type ButtonLinkProps = LinkTarget & ButtonProps & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>;

/** A Mantine Anchor that moves within the store without reloading it. */
export function AnchorLink({ to, ...props }: AnchorLinkProps) {
  return (
    <Link href={to} asChild>
      <Anchor component="a" {...props} />
    </Link>
  );
}

/** A Mantine Button that is a store link. */
export function ButtonLink({ to, ...props }: ButtonLinkProps) {
  return (
    <Link href={to} asChild>
      <Button component="a" {...props} />
    </Link>
  );
}

/** Sends the visitor elsewhere as soon as it renders (history entry replaced when `replace`). */
export function Navigate({ to, replace }: { to: StorePath; replace?: boolean }) {
  return <Redirect to={to} replace={replace} />;
}

/** `navigate({ to })`, the shape the store pages used with TanStack Router. */
export function useNavigate(): (target: { to: StorePath; replace?: boolean }) => void {
  const [, setLocation] = useLocation();
  return ({ to, replace }) => setLocation(to, { replace });
}

/** The `token` of an emailed link (`?token=…`), or undefined. */
export function useTokenParam(): string | undefined {
  return new URLSearchParams(useSearch()).get('token') || undefined;
}
