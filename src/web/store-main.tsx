// The storefront's entry (store.html, served for /store/…): the store pages only, none of the portal.
import './store/styles.ts';
import { createRouter, RouterProvider } from '@tanstack/react-router';
import { appTheme, createQueryClient, mountApp } from './app-shell.tsx';
import { rootRoute } from './root-route.tsx';
import { storeRouteTree } from './store/store-routes.tsx';

const queryClient = createQueryClient();
const router = createRouter({
  routeTree: rootRoute.addChildren([storeRouteTree]),
  context: { queryClient },
  defaultPreload: 'intent',
  scrollRestoration: true,
});

mountApp(queryClient, appTheme(), <RouterProvider router={router} />);
