import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, Outlet } from '@tanstack/react-router';
import { NotFound } from './components/NotFound.tsx';

/** The root of the portal's route tree (router.tsx); the storefront routes with wouter (store/store-nav.tsx). */
export const rootRoute = createRootRouteWithContext<{ queryClient: QueryClient }>()({
  component: Outlet,
  notFoundComponent: NotFound,
});
