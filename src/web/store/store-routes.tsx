// Storefront: plain pages for the seller's customers. Each page is its own chunk, loaded when its route is.
import { lazy, Suspense, type ComponentType } from 'react';
import { Route, Switch } from 'wouter';
import { NotFoundMessage } from '../components/NotFoundMessage.tsx';
import { StoreSignInPage } from './sign-in/StoreSignInPage.tsx';
import { AnchorLink } from './store-nav.tsx';
import { StoreLayout } from './StoreLayout.tsx';

/** A page loaded on first visit; `name` is its named export. */
function page<M>(load: () => Promise<M>, name: keyof M): ComponentType {
  return lazy(async () => ({ default: (await load())[name] as ComponentType }));
}
const StoreAccountPage = page(() => import('./account/StoreAccountPage.tsx'), 'StoreAccountPage');
const ActivatePage = page(() => import('./activate/ActivatePage.tsx'), 'ActivatePage');
// Without a token: "Forgot your password?"; with the token of the reset email: choose a new password.
const StoreResetPage = page(() => import('./reset/StoreResetPage.tsx'), 'StoreResetPage');
// Self-service sign-up: a new account, or a login for an account that already exists.
const RegisterPage = page(() => import('./register/RegisterPage.tsx'), 'RegisterPage');
const JoinPage = page(() => import('./join/JoinPage.tsx'), 'JoinPage');

/** The /store pages inside the store's frame; anything else under /store is "Page not found". */
export function StoreRoutes() {
  return (
    <StoreLayout>
      <Suspense fallback={null}>
        <Switch>
          <Route path="/store" component={StoreSignInPage} />
          <Route path="/store/" component={StoreSignInPage} />
          <Route path="/store/sign-in" component={StoreSignInPage} />
          <Route path="/store/account" component={StoreAccountPage} />
          <Route path="/store/activate" component={ActivatePage} />
          <Route path="/store/reset" component={StoreResetPage} />
          <Route path="/store/register" component={RegisterPage} />
          <Route path="/store/join" component={JoinPage} />
          <Route>
            <NotFoundMessage link={<AnchorLink to="/store">Go to the start page</AnchorLink>} />
          </Route>
        </Switch>
      </Suspense>
    </StoreLayout>
  );
}
