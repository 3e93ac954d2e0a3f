/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv } from 'vite';

// `npm run dev` proxies the API and the WebSocket to a running gateway.
// Point it elsewhere with CHORUS_GATEWAY_URL=http://host:port npm run dev.
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, '.', 'CHORUS_');
  const gateway = env.CHORUS_GATEWAY_URL ?? 'http://127.0.0.1:8000';
  return {
    plugins: [react()],
    server: {
      proxy: {
        '/api': { target: gateway, changeOrigin: true },
        '/ws': { target: gateway, ws: true, changeOrigin: true },
      },
    },
    build: {
      outDir: 'dist',
      sourcemap: false,
    },
    test: {
      environment: 'node',
      include: ['src/**/*.test.ts'],
    },
  };
});
