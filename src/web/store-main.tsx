// The storefront's entry (store.html, served for /store/…): the store pages only, none of the portal.
import './store/styles.ts';
import { appTheme, createQueryClient, mountApp } from './app-shell.tsx';
import { StoreRoutes } from './store/store-routes.tsx';

mountApp(createQueryClient(), appTheme(), <StoreRoutes />);
