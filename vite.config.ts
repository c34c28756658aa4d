import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { compression } from 'vite-plugin-compression2';

/** The dev server answers /store and /store/… with the storefront's page, as the real server does. */
function storePageInDev(): Plugin {
  return {
    name: 'clientele-store-page',
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        if (req.url && /^\/store(\/[^.]*)?(\?.*)?$/.test(req.url)) req.url = '/store.html';
        next();
      });
    },
  };
}

export default defineConfig({
  root: 'src/web',
  plugins: [
    react(),
    // .br and .gz beside each asset; the server sends them as they are (@fastify/static preCompressed).
    compression({ algorithms: ['brotliCompress', 'gzip'], threshold: 1024, logLevel: 'silent' }),
    storePageInDev(),
  ],
  resolve: {
    alias: [
      {
        find: /^use-sync-external-store\/shim\/index\.js$/,
        replacement: fileURLToPath(new URL('src/web/sync-external-store.ts', import.meta.url)),
      },
    ],
  },
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    // Two pages: the portal (index.html) and the storefront (store.html), which loads none of the portal.
    rollupOptions: { input: { index: 'src/web/index.html', store: 'src/web/store.html' } },
    // Which chunks each page loads: read by the size-budget test and `npm run bench -- footprint`.
    manifest: true,
  },
  server: { port: 5173, proxy: { '/api': 'http://localhost:3000' } },
});
