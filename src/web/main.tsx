// The Operations Portal's entry (index.html). Pages are loaded per route (router.tsx).
import './styles.ts';
import { Notifications } from '@mantine/notifications';
import { ModalsProvider } from '@mantine/modals';
import { RouterProvider } from '@tanstack/react-router';
import { isApiError } from './api/client.ts';
import { sessionKey } from './api/session.ts';
import { appTheme, createQueryClient, mountApp } from './app-shell.tsx';
import { createAppRouter } from './router.tsx';
import { a11yComponents } from './theme-a11y-portal.ts';

// An expired portal session anywhere sends the employee back to sign-in.
const queryClient = createQueryClient((e) => {
  if (isApiError(e) && e.status === 401 && !window.location.pathname.startsWith('/store')) {
    queryClient.setQueryData(sessionKey, null);
  }
});

const router = createAppRouter(queryClient);

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}

mountApp(
  queryClient,
  appTheme(a11yComponents),
  <ModalsProvider labels={{ confirm: 'Confirm', cancel: 'Cancel' }}>
    <Notifications position="top-right" />
    <RouterProvider router={router} />
  </ModalsProvider>,
);
