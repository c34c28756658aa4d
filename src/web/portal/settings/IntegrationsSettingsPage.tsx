import { SettingsPage } from './SettingsPage.tsx';

/** Settings opened on its Integrations tab: the page the `webhook-disabled` email links to. */
export function IntegrationsSettingsPage() {
  return <SettingsPage tab="integrations" />;
}
