// What a browser downloads for a page's first load, read from Vite's manifest in a built `dist/web`.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}
export type Manifest = Record<string, ManifestChunk>;

export interface PageLoad {
  page: string;
  /** The scripts the HTML loads and preloads, plus the lazy chunk (and its imports) of the first route if lazy. */
  scripts: string[];
  raw: number;
  gzip: number;
  brotli: number;
}

/**
 * The pages of the budgets: an HTML entry and the route component its first page shows. `target` is
 * the goal (issue 13); `ceiling` what the size test holds today, so a change that grows it fails.
 */
export const FIRST_PAGES = [
  {
    page: 'portal (/accounts)',
    html: 'index.html',
    route: 'portal/accounts/AccountsPage.tsx',
    target: 250_000,
    ceiling: 250_000,
  },
  // React DOM alone is ~55 KB of it, Mantine ~20 KB, TanStack Query ~9 KB; the store routes with wouter (~2 KB),
  // not TanStack Router (~24 KB), and its sign-in page is part of the entry.
  {
    page: 'storefront (/store/sign-in)',
    html: 'store.html',
    route: undefined,
    target: 100_000,
    ceiling: 100_000,
  },
] as const;

export function readManifest(webDir: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(webDir, '.vite/manifest.json'), 'utf8')) as Manifest;
}

/** The files a chunk loads before it runs: itself and its static imports, transitively. */
export function staticClosure(manifest: Manifest, key: string, into = new Set<string>()): Set<string> {
  const chunk = manifest[key];
  if (!chunk) throw new Error(`${key} is not in the build's manifest`);
  if (into.has(chunk.file)) return into;
  into.add(chunk.file);
  for (const imported of chunk.imports ?? []) staticClosure(manifest, imported, into);
  return into;
}

export function pageLoad(webDir: string, manifest: Manifest, p: (typeof FIRST_PAGES)[number]): PageLoad {
  const files = staticClosure(manifest, p.html);
  if (p.route) staticClosure(manifest, p.route, files);
  const scripts = [...files].filter((f) => f.endsWith('.js')).sort();
  let raw = 0;
  let gzip = 0;
  let brotli = 0;
  for (const f of scripts) {
    const bytes = fs.readFileSync(path.join(webDir, f));
    raw += bytes.length;
    gzip += zlib.gzipSync(bytes, { level: 9 }).length;
    brotli += zlib.brotliCompressSync(bytes).length;
  }
  return { page: p.page, scripts, raw, gzip, brotli };
}

export const firstLoads = (webDir: string): PageLoad[] => {
  const manifest = readManifest(webDir);
  return FIRST_PAGES.map((p) => pageLoad(webDir, manifest, p));
};
