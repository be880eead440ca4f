import { defineConfig } from '@playwright/test';

// One worker: the tests play real-time audio, and two cores are shared with Vite and
// the worklets; parallel pages would only add timing noise.
// E2E_PORT gives a second checkout or engineer its own dev server (and provider-server state).
const port = Number(process.env.E2E_PORT ?? 5173);
// E2E_STATIC_PORT: the static server for dist/ (same reason).
const staticPort = Number(process.env.E2E_STATIC_PORT ?? 4180);

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // A guard against hangs, not a goal (timing goals live in the bench): each test loads the
  // VAD (about 8 s on the 2-core CI machine, far more when it is busy) and plays real-time
  // fixtures of 10–15 s.
  timeout: 120_000,
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: { baseURL: `http://127.0.0.1:${port}` },
  webServer: [
    {
      command: `npx vite --port ${port} --strictPort`,
      url: `http://127.0.0.1:${port}/e2e/pages/harness.html`,
      reuseExistingServer: !process.env.CI,
      stdout: 'ignore',
    },
    {
      command: `node e2e/server/static.mjs ${staticPort}`,
      url: `http://127.0.0.1:${staticPort}/healthz`,
      reuseExistingServer: !process.env.CI,
    },
  ],
});
