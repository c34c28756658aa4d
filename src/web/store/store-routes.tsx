// Storefront: plain pages for the seller's customers. Each page is its own chunk, loaded when its route is.
import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { rootRoute } from '../root-route.tsx';
import { str } from '../search-params.ts';
import { StoreLayout } from './StoreLayout.tsx';

const StoreSignInPage = lazyRouteComponent(() => import('./sign-in/StoreSignInPage.tsx'), 'StoreSignInPage');

const storeRoute = createRoute({ getParentRoute: () => rootRoute, path: 'store', component: StoreLayout });
const storeIndexRoute = createRoute({
  getParentRoute: () => storeRoute,
  path: '/',
  component: StoreSignInPage,
});
const storeSignInRoute = createRoute({
  getParentRoute: () => storeRoute,
  path: 'sign-in',
  component: StoreSignInPage,
});
const storeAccountRoute = createRoute({
  getParentRoute: () => storeRoute,
  path: 'account',
  component: lazyRouteComponent(() => import('./account/StoreAccountPage.tsx'), 'StoreAccountPage'),
});
const storeActivateRoute = createRoute({
  getParentRoute: () => storeRoute,
  path: 'activate',
  validateSearch: (s: Record<string, unknown>): { token?: string } => ({ token: str(s.token) }),
  component: lazyRouteComponent(() => import('./activate/ActivatePage.tsx'), 'ActivatePage'),
});
// Without a token: "Forgot your password?"; with the token of the reset email: choose a new password.
const storeResetRoute = createRoute({
  getParentRoute: () => storeRoute,
  path: 'reset',
  validateSearch: (s: Record<string, unknown>): { token?: string } => ({ token: str(s.token) }),
  component: lazyRouteComponent(() => import('./reset/StoreResetPage.tsx'), 'StoreResetPage'),
});
// Self-service sign-up: a new account, or a login for an account that already exists.
const storeRegisterRoute = createRoute({
  getParentRoute: () => storeRoute,
  path: 'register',
  component: lazyRouteComponent(() => import('./register/RegisterPage.tsx'), 'RegisterPage'),
});
const storeJoinRoute = createRoute({
  getParentRoute: () => storeRoute,
  path: 'join',
  component: lazyRouteComponent(() => import('./join/JoinPage.tsx'), 'JoinPage'),
});

/** The /store subtree, in the portal's route tree (typed links, the dev server) and alone in store.html's. */
export const storeRouteTree = storeRoute.addChildren([
  storeIndexRoute,
  storeSignInRoute,
  storeAccountRoute,
  storeActivateRoute,
  storeResetRoute,
  storeRegisterRoute,
  storeJoinRoute,
]);
