import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { compression } from 'vite-plugin-compression2';

export default defineConfig({
  root: 'src/web',
  plugins: [
    react(),
    // .br and .gz beside each asset; the server sends them as they are (@fastify/static preCompressed).
    compression({ algorithms: ['brotliCompress', 'gzip'], threshold: 1024, logLevel: 'silent' }),
  ],
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
