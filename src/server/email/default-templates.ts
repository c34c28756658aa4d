/** The templates that ship with Clientele; employees may override them per language. */
export type TemplateSource = { subject: string; html: string; text: string };

export const DEFAULT_LANGUAGE = 'en';

export const DEFAULT_TEMPLATES: Record<string, Record<string, TemplateSource>> = {
  accountactivation: {
    en: {
      subject: 'Welcome to {{ seller.name }}: activate your account',
      html: `<h1 style="font-size:22px;margin:0 0 16px">Welcome, {{ contact.firstName }}!</h1>
<p>{{ seller.name }} has created an account for you{% if account %} at <strong>{{ account.name }}</strong>{% endif %}.</p>
<p>Your username is <strong>{{ contact.email }}</strong>. Choose a password to activate your account:</p>
<p style="margin:24px 0"><a href="{{ activationUrl }}" style="background:{{ seller.color }};color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block">Activate my account</a></p>
<p style="color:#555;font-size:13px">This link works once and expires on {{ expiresAt | date: "%B %-d, %Y" }}. If the button does not work, paste this address into your browser:<br>{{ activationUrl }}</p>`,
      text: `Welcome, {{ contact.firstName }}!

{{ seller.name }} has created an account for you{% if account %} at {{ account.name }}{% endif %}.
Your username is {{ contact.email }}. Choose a password to activate your account:

{{ activationUrl }}

This link works once and expires on {{ expiresAt | date: "%B %-d, %Y" }}.`,
    },
  },
};

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
