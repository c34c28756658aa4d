// The built web app as the server sends it: pre-compressed files, cache headers, the storefront's own
// small entry, first-load size budgets; and the API's answers compressed when large.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_PAGES, pageLoad, readManifest, staticClosure, type Manifest } from '../../bench/web-sizes.ts';
import { buildApp } from '../../src/server/app.ts';
import type { App } from '../../src/server/deps.ts';
import { cookieOf, createTestApp, multipartBody, PASSWORD, type TestApp } from '../helpers/app.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** What a response's body is once its Content-Encoding is undone. */
function decoded(res: LightMyRequestResponse): Buffer {
  const raw = res.rawPayload;
  switch (res.headers['content-encoding']) {
    case 'br':
      return zlib.brotliDecompressSync(raw);
    case 'gzip':
      return zlib.gunzipSync(raw);
    case undefined:
      return raw;
    default:
      throw new Error(`unexpected encoding ${String(res.headers['content-encoding'])}`);
  }
}

describe('the built web app', () => {
  let t: TestApp;
  let app: App;
  let webDir: string;
  let manifest: Manifest;

  // `npm test` runs before anything builds `dist` (CI builds it for the browser tests), and a `dist`
  // left by an earlier build may be stale: the app is built here, from the sources, into a temporary
  // directory (a few seconds).
  beforeAll(async () => {
    webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-web-build-'));
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/vite/bin/vite.js'),
        'build',
        '--outDir',
        webDir,
        '--emptyOutDir',
        '--logLevel',
        'error',
      ],
      // Under vitest NODE_ENV is `test`, which would build React's development code.
      { cwd: ROOT, stdio: 'pipe', env: { ...process.env, NODE_ENV: 'production' } },
    );
    manifest = readManifest(webDir);
    t = await createTestApp();
    app = await buildApp(t.deps, { webDir });
    await app.ready();
  }, 240_000);
  afterAll(async () => {
    await app?.close();
    await t?.close();
    fs.rmSync(webDir, { recursive: true, force: true });
  });

  const entryFile = (html: string) => manifest[html]!.file;
  const biggestScript = () =>
    Object.values(manifest)
      .map((c) => c.file)
      .filter((f) => f.endsWith('.js'))
      .sort((a, b) => fs.statSync(path.join(webDir, b)).size - fs.statSync(path.join(webDir, a)).size)[0]!;

  it('sends a script brotli- or gzip-compressed as the browser accepts, and plain otherwise', async () => {
    const file = biggestScript();
    const original = fs.readFileSync(path.join(webDir, file));
    for (const [accept, encoding] of [
      ['gzip, deflate, br', 'br'],
      ['gzip', 'gzip'],
      ['identity', undefined],
      [undefined, undefined],
    ] as const) {
      const res = await app.inject({
        method: 'GET',
        url: `/${file}`,
        headers: accept === undefined ? {} : { 'accept-encoding': accept },
      });
      expect(res.statusCode, `${accept}`).toBe(200);
      expect(res.headers['content-encoding'], `${accept}`).toBe(encoding);
      expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript/);
      expect(String(res.headers.vary)).toMatch(/accept-encoding/i);
      expect(decoded(res).equals(original), `${accept}: the same bytes once decoded`).toBe(true);
      if (encoding) expect(res.rawPayload.length).toBeLessThan(original.length / 2);
    }
    // HEAD answers the headers alone.
    const head = await app.inject({ method: 'HEAD', url: `/${file}`, headers: { 'accept-encoding': 'br' } });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-encoding']).toBe('br');
    expect(head.rawPayload.length).toBe(0);
  });

  it('lets browsers keep hashed files for a year and revalidate the pages', async () => {
    const asset = await app.inject({ method: 'GET', url: `/${biggestScript()}` });
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const css = Object.values(manifest).flatMap((c) => c.css ?? [])[0]!;
    const style = await app.inject({ method: 'GET', url: `/${css}`, headers: { 'accept-encoding': 'br' } });
    expect(style.statusCode).toBe(200);
    expect(style.headers['content-type']).toMatch(/^text\/css/);
    expect(style.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const url of ['/', '/accounts/123', '/store', '/store/sign-in?x=1', '/index.html', '/store.html']) {
      const page = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, br' } });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type'], url).toMatch(/^text\/html/);
      expect(page.headers['cache-control'], url).toBe('no-cache');
    }
  });

  it('gives the storefront its own page, which loads none of the portal', async () => {
    const store = (await app.inject({ method: 'GET', url: '/store/register' })).body;
    const portal = (await app.inject({ method: 'GET', url: '/storehouse' })).body;
    expect(store).toContain(entryFile('store.html'));
    expect(store).not.toContain(entryFile('index.html'));
    expect(portal).toContain(entryFile('index.html'));

    // Every script the store page names, and what they import, stays out of the portal's own code.
    const named = [...store.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    const loaded = staticClosure(manifest, 'store.html');
    expect(new Set(named)).toEqual(new Set([...loaded].filter((f) => f.endsWith('.js'))));
    expect(loaded.has(entryFile('index.html'))).toBe(false);
    const portalPages = Object.values(manifest).filter((c) => c.src?.startsWith('portal/'));
    expect(portalPages.length).toBeGreaterThan(10);
    for (const page of portalPages) expect(loaded.has(page.file), page.src).toBe(false);
    // The portal's navigation is not in what a store visitor downloads.
    for (const f of loaded)
      expect(fs.readFileSync(path.join(webDir, f), 'utf8'), f).not.toContain('API keys');
  });

  it('keeps each page of the portal out of its first load', () => {
    const first = staticClosure(manifest, 'index.html');
    const pages = Object.values(manifest).filter((c) => c.isDynamicEntry && c.src?.startsWith('portal/'));
    for (const page of pages) expect(first.has(page.file), page.src).toBe(false);
  });

  it.each(FIRST_PAGES.map((p) => [p.page, p] as const))(
    'keeps the first load of the %s within its budget (compressed scripts)',
    (_name, page) => {
      const load = pageLoad(webDir, manifest, page);
      expect(load.brotli, `${load.scripts.length} scripts`).toBeLessThanOrEqual(page.ceiling);
    },
  );

  it('does not serve the build manifest, and answers a missing asset with 404, not a page', async () => {
    const missing = await app.inject({ method: 'GET', url: '/assets/gone-0000.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'not_found' } });
    const manifestRes = await app.inject({ method: 'GET', url: '/.vite/manifest.json' });
    expect(manifestRes.headers['content-type']).toMatch(/^text\/html/);
    expect(manifestRes.body).not.toContain('"isEntry"');
  });

  describe('API answers', () => {
    let cookie: string;
    beforeAll(async () => {
      const admin = await t.employee(['administrator']);
      const signIn = await app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { email: admin.email, password: PASSWORD },
      });
      cookie = cookieOf(signIn);
    });

    it('are compressed when large, as the client accepts', async () => {
      const plain = await app.inject({ method: 'GET', url: '/api/openapi.json' });
      expect(plain.headers['content-encoding']).toBeUndefined();
      for (const encoding of ['br', 'gzip'] as const) {
        const res = await app.inject({
          method: 'GET',
          url: '/api/openapi.json',
          headers: { 'accept-encoding': encoding },
        });
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-encoding']).toBe(encoding);
        expect(String(res.headers.vary)).toMatch(/accept-encoding/i);
        expect(JSON.parse(decoded(res).toString('utf8'))).toEqual(plain.json());
        expect(res.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
      }
      const head = await app.inject({
        method: 'HEAD',
        url: '/api/openapi.json',
        headers: { 'accept-encoding': 'br' },
      });
      expect(head.statusCode).toBe(200);
      expect(head.rawPayload.length).toBe(0);
    });

    it('are compressed in one call up to 64 KB, with their compressed length', async () => {
      for (let i = 0; i < 40; i++) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/accounts',
          headers: { cookie },
          payload: { kind: 'business', name: `Compressed Trading ${i} ${'x'.repeat(150)}` },
        });
        expect(res.statusCode, res.body).toBe(201);
      }
      const plain = await app.inject({ method: 'GET', url: '/api/accounts?limit=50', headers: { cookie } });
      // Above the plugin's 8 KB default for 2 cores: a stream would send it chunked, without a length.
      expect(plain.rawPayload.length).toBeGreaterThan(8 * 1024);
      expect(plain.rawPayload.length).toBeLessThan(64 * 1024);
      const res = await app.inject({
        method: 'GET',
        url: '/api/accounts?limit=50',
        headers: { cookie, 'accept-encoding': 'br' },
      });
      expect(res.headers['content-encoding']).toBe('br');
      expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
      expect(JSON.parse(decoded(res).toString('utf8'))).toEqual(plain.json());
    });

    it('are sent as they are when small, and keep their own headers', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/api/session',
        headers: { cookie, 'accept-encoding': 'br, gzip' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.length).toBeLessThan(2048);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.headers['cache-control']).toBe('no-store');
      const error = await app.inject({
        method: 'GET',
        url: '/api/accounts/00000000-0000-4000-8000-000000000000',
        headers: { cookie, 'accept-encoding': 'br' },
      });
      expect(error.statusCode).toBe(404);
      expect(error.json()).toMatchObject({ error: { code: 'not_found' } });
    });

    it('stream a CSV download compressed and whole (a stream is compressed whatever its size)', async () => {
      const rows = Array.from({ length: 5 }, (_, i) => `ACC-${i},Company ${i}`);
      const { payload, contentType } = multipartBody({ type: 'accounts' }, [
        {
          field: 'file',
          filename: 'accounts.csv',
          content: ['Account number,Company name', ...rows].join('\n'),
        },
      ]);
      const upload = await app.inject({
        method: 'POST',
        url: '/api/imports',
        payload,
        headers: { cookie, 'content-type': contentType },
      });
      expect(upload.statusCode, upload.body).toBe(201);
      const { id } = upload.json<{ id: string }>();
      const plain = await app.inject({
        method: 'GET',
        url: `/api/imports/${id}/report`,
        headers: { cookie },
      });
      expect(plain.statusCode).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body).toMatch(/^\uFEFF?Line,Column,Reason,Account number,Company name/);
      const gz = await app.inject({
        method: 'GET',
        url: `/api/imports/${id}/report`,
        headers: { cookie, 'accept-encoding': 'gzip' },
      });
      expect(gz.statusCode).toBe(200);
      expect(gz.headers['content-type']).toMatch(/^text\/csv/);
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(decoded(gz).toString('utf8')).toBe(plain.body);
    });
  });
});
