/** The system emails Clientele sends, with the templates that ship with it; employees may override them per language. */
export type TemplateSource = { subject: string; html: string; text: string };

export const DEFAULT_LANGUAGE = 'en';

export type SystemEmail = {
  name: string;
  description: string;
  /** What a template may use, with sample values for the editor's preview and for validation. */
  sample: Record<string, unknown>;
  defaults: Record<string, TemplateSource>;
};

const sampleContact = { firstName: 'Maria', lastName: 'García', email: 'maria.garcia@example.com' };
const sampleAccount = { name: 'Acme Industrial Supply', number: 'W10042' };
const in7days = () => new Date(Date.now() + 7 * 24 * 3600_000);
const in1hour = () => new Date(Date.now() + 3600_000);

const button = (url: string, label: string) =>
  `<p style="margin:24px 0"><a href="{{ ${url} }}" style="background:{{ seller.color }};color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block">${label}</a></p>`;
const fallbackLink = (url: string, expiry: string) =>
  `<p style="color:#555;font-size:13px">${expiry}If the button does not work, paste this address into your browser:<br>{{ ${url} }}</p>`;

const sampleBillingAddress = {
  line1: '1200 Harbor Way',
  line2: 'Suite 4',
  city: 'Portland',
  postalCode: '97201',
  region: 'OR',
  country: 'US',
};
// What the visitor entered, so that the seller's staff on cc/bcc see the whole request.
const requestSummaryHtml = `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:16px 0;font-size:14px;color:#333">
<tr><td style="padding:2px 16px 2px 0;color:#555">Account</td><td>{% if account %}{{ account.name }} ({{ account.number }}){% endif %}</td></tr>
<tr><td style="padding:2px 16px 2px 0;color:#555">Name</td><td>{{ contact.firstName }} {{ contact.lastName }}</td></tr>
<tr><td style="padding:2px 16px 2px 0;color:#555">Email</td><td>{{ contact.email }}</td></tr>
{% if contact.phone %}<tr><td style="padding:2px 16px 2px 0;color:#555">Phone</td><td>{{ contact.phone }}</td></tr>{% endif %}
{% if billingAddress %}<tr><td style="padding:2px 16px 2px 0;color:#555;vertical-align:top">Billing address</td><td>{{ billingAddress.line1 }}<br>{% if billingAddress.line2 %}{{ billingAddress.line2 }}<br>{% endif %}{{ billingAddress.city }}{% if billingAddress.region %}, {{ billingAddress.region }}{% endif %} {{ billingAddress.postalCode }}<br>{{ billingAddress.country }}</td></tr>{% endif %}
</table>`;
const requestSummaryText = `
Your request:
{% if account %}Account: {{ account.name }} ({{ account.number }})
{% endif %}Name: {{ contact.firstName }} {{ contact.lastName }}
Email: {{ contact.email }}
{% if contact.phone %}Phone: {{ contact.phone }}
{% endif %}{% if billingAddress %}Billing address: {{ billingAddress.line1 }}{% if billingAddress.line2 %}, {{ billingAddress.line2 }}{% endif %}, {{ billingAddress.city }}{% if billingAddress.region %}, {{ billingAddress.region }}{% endif %} {{ billingAddress.postalCode }}, {{ billingAddress.country }}
{% endif %}`;

export const SYSTEM_EMAILS: Record<string, SystemEmail> = {
  accountactivation: {
    name: 'Welcome and activation',
    description: 'Sent when an employee adds a contact, with a link to choose a password.',
    sample: {
      contact: sampleContact,
      account: sampleAccount,
      activationUrl: 'https://shop.example/store/activate?token=sample',
      expiresAt: in7days(),
    },
    defaults: {
      en: {
        subject: 'Welcome to {{ seller.name }}: activate your account',
        html: `<h1 style="font-size:22px;margin:0 0 16px">Welcome, {{ contact.firstName }}!</h1>
<p>{{ seller.name }} has created an account for you{% if account %} at <strong>{{ account.name }}</strong>{% endif %}.</p>
<p>Your username is <strong>{{ contact.email }}</strong>. Choose a password to activate your account:</p>
${button('activationUrl', 'Activate my account')}
${fallbackLink('activationUrl', 'This link works once and expires on {{ expiresAt | date: "%B %-d, %Y" }}. ')}`,
        text: `Welcome, {{ contact.firstName }}!

{{ seller.name }} has created an account for you{% if account %} at {{ account.name }}{% endif %}.
Your username is {{ contact.email }}. Choose a password to activate your account:

{{ activationUrl }}

This link works once and expires on {{ expiresAt | date: "%B %-d, %Y" }}.`,
      },
    },
  },
  'password-reset': {
    name: 'Password reset',
    description:
      'Sent when a customer asks to reset their password, or an employee sends a reset from the contact page.',
    sample: {
      contact: sampleContact,
      account: sampleAccount,
      resetUrl: 'https://shop.example/store/reset?token=sample',
      expiresAt: in1hour(),
    },
    defaults: {
      en: {
        subject: 'Reset your {{ seller.name }} password',
        html: `<h1 style="font-size:22px;margin:0 0 16px">Reset your password</h1>
<p>Hello {{ contact.firstName }}, someone asked to reset the password of <strong>{{ contact.email }}</strong>.</p>
${button('resetUrl', 'Choose a new password')}
${fallbackLink('resetUrl', 'This link works once and expires at {{ expiresAt | date: "%H:%M on %B %-d" }} (UTC). ')}
<p style="color:#555;font-size:13px">If you did not ask for this, you can ignore this email: your password stays as it is.</p>`,
        text: `Hello {{ contact.firstName }},

someone asked to reset the password of {{ contact.email }}. Choose a new password here:

{{ resetUrl }}

This link works once and expires at {{ expiresAt | date: "%H:%M on %B %-d" }} (UTC).
If you did not ask for this, ignore this email: your password stays as it is.`,
      },
    },
  },
  'new-account-request-confirmation': {
    name: 'New account request received',
    description: 'Sent to a visitor whose sign-up waits for approval; cc/bcc here reach your sales team.',
    sample: {
      contact: { ...sampleContact, phone: '+1 555 0100' },
      account: { ...sampleAccount, kind: 'business' },
      billingAddress: sampleBillingAddress,
    },
    defaults: {
      en: {
        subject: 'We received your account request',
        html: `<h1 style="font-size:22px;margin:0 0 16px">Thank you, {{ contact.firstName }}</h1>
<p>We received your request to open an account{% if account %} for <strong>{{ account.name }}</strong>{% endif %} with {{ seller.name }}.</p>
<p>Our team reviews every request, usually within one business day. We will email you at {{ contact.email }} as soon as your account is ready.</p>
${requestSummaryHtml}`,
        text: `Thank you, {{ contact.firstName }}.

We received your request to open an account{% if account %} for {{ account.name }}{% endif %} with {{ seller.name }}.
Our team reviews every request, usually within one business day. We will email you at {{ contact.email }} as soon as your account is ready.
${requestSummaryText}`,
      },
    },
  },
  'account-approved': {
    name: 'Account approved',
    description: 'Sent when an employee approves a pending account.',
    sample: {
      contact: sampleContact,
      account: sampleAccount,
      signInUrl: 'https://shop.example/store/sign-in',
    },
    defaults: {
      en: {
        subject: 'Your {{ seller.name }} account is ready',
        html: `<h1 style="font-size:22px;margin:0 0 16px">Your account is ready</h1>
<p>Good news, {{ contact.firstName }}: your account{% if account %} for <strong>{{ account.name }}</strong> (number {{ account.number }}){% endif %} has been approved.</p>
${button('signInUrl', 'Sign in')}`,
        text: `Good news, {{ contact.firstName }}: your account{% if account %} for {{ account.name }} (number {{ account.number }}){% endif %} has been approved.

Sign in: {{ signInUrl }}`,
      },
    },
  },
  'account-rejected': {
    name: 'Account request declined',
    description: 'Sent when an employee rejects a pending account, with the reason they gave.',
    sample: {
      contact: sampleContact,
      account: sampleAccount,
      reason: 'We only sell to registered businesses.',
    },
    defaults: {
      en: {
        subject: 'About your {{ seller.name }} account request',
        html: `<p>Hello {{ contact.firstName }},</p>
<p>Thank you for your interest in {{ seller.name }}. We are not able to open an account{% if account %} for <strong>{{ account.name }}</strong>{% endif %} at this time.</p>
{% if reason %}<p style="border-left:3px solid #ddd;padding-left:12px;color:#333">{{ reason }}</p>{% endif %}
<p>If you think this is a mistake, reply to this email.</p>`,
        text: `Hello {{ contact.firstName }},

Thank you for your interest in {{ seller.name }}. We are not able to open an account{% if account %} for {{ account.name }}{% endif %} at this time.
{% if reason %}
{{ reason }}
{% endif %}
If you think this is a mistake, reply to this email.`,
      },
    },
  },
  'new-contact-confirmation': {
    name: 'New user for an existing account',
    description: 'Sent when a visitor creates a login for their company’s existing account.',
    sample: {
      contact: sampleContact,
      account: sampleAccount,
      signInUrl: 'https://shop.example/store/sign-in',
    },
    defaults: {
      en: {
        subject: 'Your {{ seller.name }} login is ready',
        html: `<h1 style="font-size:22px;margin:0 0 16px">Welcome, {{ contact.firstName }}</h1>
<p>You now have a login for <strong>{{ account.name }}</strong> (account {{ account.number }}). Your username is <strong>{{ contact.email }}</strong>.</p>
${button('signInUrl', 'Sign in')}`,
        text: `Welcome, {{ contact.firstName }}.

You now have a login for {{ account.name }} (account {{ account.number }}). Your username is {{ contact.email }}.
Sign in: {{ signInUrl }}`,
      },
    },
  },
  'login-created': {
    name: 'Login created',
    description: 'Sent when a login is created for a contact by an import or a bulk add.',
    sample: {
      contact: sampleContact,
      account: sampleAccount,
      signInUrl: 'https://shop.example/store/sign-in',
      validUntil: in7days(),
    },
    defaults: {
      en: {
        subject: 'A {{ seller.name }} login was created for you',
        html: `<p>Hello {{ contact.firstName }},</p>
<p>{{ seller.name }} created a login for you{% if account %} at <strong>{{ account.name }}</strong>{% endif %}. Your username is <strong>{{ contact.email }}</strong>.</p>
{% if validUntil %}<p>It can be used until {{ validUntil | date: "%B %-d, %Y" }}.</p>{% endif %}
${button('signInUrl', 'Sign in')}`,
        text: `Hello {{ contact.firstName }},

{{ seller.name }} created a login for you{% if account %} at {{ account.name }}{% endif %}. Your username is {{ contact.email }}.
{% if validUntil %}It can be used until {{ validUntil | date: "%B %-d, %Y" }}.
{% endif %}
Sign in: {{ signInUrl }}`,
      },
    },
  },
  'sign-up-existing-email': {
    name: 'Sign-up with an email that has an account',
    description:
      'Sent to the owner of an email when someone tries to create an account or a login with it; the visitor is told only to check their email.',
    sample: {
      contact: sampleContact,
      signInUrl: 'https://shop.example/store/sign-in',
      resetUrl: 'https://shop.example/store/reset',
    },
    defaults: {
      en: {
        subject: 'Someone tried to create an account with your email',
        html: `<p>Hello {{ contact.firstName }},</p>
<p>someone just tried to create a new {{ seller.name }} account with <strong>{{ contact.email }}</strong>. This email already has an account, so nothing new was created.</p>
<p>If it was you, sign in with this email. If you do not remember your password, choose a new one.</p>
${button('signInUrl', 'Sign in')}
<p><a href="{{ resetUrl }}">I forgot my password</a></p>
<p style="color:#555;font-size:13px">If it was not you, you can ignore this email: your account and password stay as they are.</p>`,
        text: `Hello {{ contact.firstName }},

someone just tried to create a new {{ seller.name }} account with {{ contact.email }}. This email already has an account, so nothing new was created.

If it was you, sign in with this email: {{ signInUrl }}
If you do not remember your password, choose a new one: {{ resetUrl }}

If it was not you, ignore this email: your account and password stay as they are.`,
      },
    },
  },
  'webhook-disabled': {
    name: 'Webhook endpoint disabled',
    description:
      'Sent to the administrators when a webhook endpoint is switched off: it answered 410 Gone, or its deliveries failed for days.',
    sample: {
      webhook: { url: 'https://erp.example.com/hooks/clientele', reason: 'The endpoint answered 410 Gone' },
      settingsUrl: 'https://clientele.example.com/settings/integrations',
    },
    defaults: {
      en: {
        subject: 'A webhook endpoint of {{ seller.name }} was disabled',
        html: `<h1 style="font-size:22px;margin:0 0 16px">A webhook endpoint was disabled</h1>
<p>Events are no longer sent to <strong>{{ webhook.url }}</strong>.</p>
<p>Reason: {{ webhook.reason }}</p>
<p>Deliveries not yet sent are kept: once the endpoint works again, enable it in Settings → Integrations and they go out.</p>
${button('settingsUrl', 'Open Integrations')}`,
        text: `Events are no longer sent to {{ webhook.url }}.

Reason: {{ webhook.reason }}

Deliveries not yet sent are kept: once the endpoint works again, enable it in Settings → Integrations and they go out.

{{ settingsUrl }}`,
      },
    },
  },
  'employee-password-reset': {
    name: 'Employee password reset',
    description: 'Sent to a portal employee who asks to reset their sign-in password.',
    sample: {
      employee: { name: 'Olivia Ops', email: 'olivia@seller.example' },
      resetUrl: 'https://clientele.example/reset-password?token=sample',
      expiresAt: in1hour(),
    },
    defaults: {
      en: {
        subject: 'Reset your Operations Portal password',
        html: `<p>Hello{% if employee.name %} {{ employee.name }}{% endif %},</p>
<p>someone asked to reset the Operations Portal password of <strong>{{ employee.email }}</strong>.</p>
${button('resetUrl', 'Choose a new password')}
${fallbackLink('resetUrl', 'This link works once and expires at {{ expiresAt | date: "%H:%M on %B %-d" }} (UTC). ')}
<p style="color:#555;font-size:13px">If you did not ask for this, ignore this email.</p>`,
        text: `Hello{% if employee.name %} {{ employee.name }}{% endif %},

someone asked to reset the Operations Portal password of {{ employee.email }}:

{{ resetUrl }}

This link works once and expires at {{ expiresAt | date: "%H:%M on %B %-d" }} (UTC). If you did not ask for this, ignore this email.`,
      },
    },
  },
};

export const DEFAULT_TEMPLATES: Record<string, Record<string, TemplateSource>> = Object.fromEntries(
  Object.entries(SYSTEM_EMAILS).map(([key, e]) => [key, e.defaults]),
);

export const LAYOUT_HTML = `<!doctype html>
<html lang="{{ language }}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{ subject }}</title></head>
<body style="margin:0;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2328">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;background:#fff;border-radius:8px;border-top:4px solid {{ seller.color }}">
<tr><td style="padding:24px 32px 0">{% if seller.logoUrl %}<img src="{{ seller.logoUrl }}" alt="{{ seller.name }}" height="32">{% else %}<strong style="font-size:18px">{{ seller.name }}</strong>{% endif %}</td></tr>
<tr><td style="padding:16px 32px 32px;font-size:15px;line-height:1.5">{{ body }}</td></tr>
</table>
<p style="color:#8a8f98;font-size:12px">{{ seller.name }}</p>
</td></tr></table></body></html>`;
