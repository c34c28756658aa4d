// What the portal's and the storefront's entries share: the theme, the query client, the providers.
import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { createTheme, MantineProvider, type MantineThemeComponents } from '@mantine/core';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { isApiError } from './api/client.ts';
import { a11yCssVariables, a11yTheme } from './theme-a11y.ts';

/** The theme; each entry adds the defaults of components only it uses (so the storefront skips them). */
export function appTheme(components: MantineThemeComponents = {}) {
  return createTheme({
    primaryColor: 'indigo',
    ...a11yTheme,
    defaultRadius: 'sm',
    fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    components: {
      // Mantine's asterisk is text inside <label>, so getByLabel('Email', { exact: true }) would not match;
      // app.css draws the marker for required inputs instead.
      // Plain objects rather than Component.extend(), which would bundle each component into every entry.
      // Badges mostly show keys (role keys, statuses); keep their case.
      Badge: { styles: { root: { textTransform: 'none' } } },
      // A closed dropdown stays out of the DOM, so its listbox (labelled like the input) does not
      // make getByLabel('Roles') ambiguous.
      Combobox: { defaultProps: { keepMounted: false } },
      InputWrapper: { defaultProps: { withAsterisk: false } },
      // The default toggle label contains "password", which makes getByLabel('Password') ambiguous.
      PasswordInput: {
        defaultProps: { visibilityToggleButtonProps: { 'aria-label': 'Show or hide the characters' } },
      },
      ...components,
    },
  });
}

export function createQueryClient(onError: (e: unknown) => void = () => undefined): QueryClient {
  return new QueryClient({
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
}

/** Renders the app into #root inside the providers both entries need. */
export function mountApp(
  queryClient: QueryClient,
  theme: ReturnType<typeof appTheme>,
  children: ReactNode,
): void {
  const root = document.getElementById('root');
  if (!root) throw new Error('Missing #root');
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <MantineProvider theme={theme} defaultColorScheme="light" cssVariablesResolver={a11yCssVariables}>
          {children}
        </MantineProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}
