import { AnchorLink } from './links.tsx';
import { NotFoundMessage } from './NotFoundMessage.tsx';

/** The portal's "Page not found" (the storefront has its own, in store/store-routes.tsx). */
export function NotFound() {
  return <NotFoundMessage link={<AnchorLink to="/">Go to the start page</AnchorLink>} />;
}
