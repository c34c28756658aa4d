import './styles.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import {
  Badge,
  Combobox,
  createTheme,
  Input,
  MantineProvider,
  PasswordInput,
  type CSSVariablesResolver,
} from '@mantine/core';
import { a11yComponents, a11yCssVariables, a11yTheme } from './theme-a11y.ts';
import { Notifications } from '@mantine/notifications';
import { ModalsProvider } from '@mantine/modals';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { isApiError } from './api/client.ts';
import { sessionKey } from './api/session.ts';
import { createAppRouter } from './router.tsx';

const theme = createTheme({
  primaryColor: 'indigo',
  ...a11yTheme,
  defaultRadius: 'sm',
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  components: {
    // Mantine's asterisk is text inside <label>, so getByLabel('Email', { exact: true }) would not match;
    // app.css draws the marker for required inputs instead.
    // Badges mostly show keys (role keys, statuses); keep their case.
    Badge: Badge.extend({ styles: { root: { textTransform: 'none' } } }),
    // A closed dropdown stays out of the DOM, so its listbox (labelled like the input) does not
    // make getByLabel('Roles') ambiguous.
    Combobox: Combobox.extend({ defaultProps: { keepMounted: false } }),
    InputWrapper: Input.Wrapper.extend({ defaultProps: { withAsterisk: false } }),
    // The default toggle label contains "password", which makes getByLabel('Password') ambiguous.
    PasswordInput: PasswordInput.extend({
      defaultProps: { visibilityToggleButtonProps: { 'aria-label': 'Show or hide the characters' } },
    }),
    ...a11yComponents,
  },
});
const cssVariablesResolver: CSSVariablesResolver = a11yCssVariables;

// An expired portal session anywhere sends the employee back to sign-in.
const onError = (e: unknown) => {
  if (isApiError(e) && e.status === 401 && !window.location.pathname.startsWith('/store')) {
    queryClient.setQueryData(sessionKey, null);
  }
};

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      retry: (count, e) => !(isApiError(e) && e.status > 0 && e.status < 500) && count < 2,
    },
  },
});

const router = createAppRouter(queryClient);

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}

const root = document.getElementById('root');
if (!root) throw new Error('Missing #root');

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <MantineProvider theme={theme} defaultColorScheme="light" cssVariablesResolver={cssVariablesResolver}>
        <ModalsProvider labels={{ confirm: 'Confirm', cancel: 'Cancel' }}>
          <Notifications position="top-right" />
          <RouterProvider router={router} />
        </ModalsProvider>
      </MantineProvider>
    </QueryClientProvider>
  </StrictMode>,
);
