import { useCan } from '../../api/session.ts';
import { PageHeader } from '../../components/ui.tsx';
import { IntegrationsSettings } from './IntegrationsSettings.tsx';
import { SettingsPage } from './SettingsPage.tsx';

/**
 * Settings opened on its Integrations tab: the page the `webhook-disabled` email links to. Without
 * settings.read (the integrationsManage role) it shows Integrations alone: webhooks.manage is all it needs.
 */
export function IntegrationsSettingsPage() {
  const can = useCan();
  if (can('settings.read')) return <SettingsPage tab="integrations" />;
  return (
    <>
      <PageHeader
        title="Integrations"
        subtitle="Webhook endpoints: what your ERP and other systems are told"
      />
      <IntegrationsSettings />
    </>
  );
}
