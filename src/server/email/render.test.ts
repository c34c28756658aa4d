import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES } from './default-templates.ts';
import { compileTemplate, DEFAULT_BRANDING, renderTemplate } from './render.ts';

describe('compileTemplate', () => {
  const template = { ...DEFAULT_TEMPLATES.accountactivation!.en!, language: 'en' };
  const variables = (i: number) => ({
    contact: { firstName: `<b>Zoë ${i}</b>`, lastName: "O'Brien & Co", email: `z${i}@example.com` },
    account: i % 2 ? { name: 'Acme "Tools"', number: `A-${i}` } : null,
    activationUrl: `https://shop.example/store/activate?token=t${i}`,
    expiresAt: new Date(Date.UTC(2026, 0, 1 + i)),
  });

  it('renders exactly what renderTemplate renders, escaping values in the HTML', async () => {
    const branding = { ...DEFAULT_BRANDING, name: 'Shop <&>' };
    const render = compileTemplate(template, branding);
    for (const i of [0, 1, 2]) {
      const compiled = render(variables(i));
      expect(compiled).toEqual(await renderTemplate(template, variables(i), branding));
      expect(compiled.html).toContain(`token=t${i}`);
      expect(compiled.html).not.toContain('<b>Zoë');
    }
  });

  it('fails on a template it cannot parse, as renderTemplate does', async () => {
    const broken = { ...template, html: '{% if %}' };
    expect(() => compileTemplate(broken, DEFAULT_BRANDING)).toThrow();
    await expect(renderTemplate(broken, variables(0), DEFAULT_BRANDING)).rejects.toThrow();
  });
});
