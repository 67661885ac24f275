import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The admin UI: served by the service itself under /admin (src/admin/admin-static.ts).
// `npm run admin:build` at the repository root writes admin/dist.
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Everything loads from /admin/assets: the service's CSP allows scripts from 'self' only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npx vite --config admin/vite.config.ts` during development: the API runs on npm start's port.
    proxy: { '/admin/api': 'http://localhost:3000' },
  },
});
