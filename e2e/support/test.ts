// The `test` every spec uses: Playwright's, with `baseURL` per worker. Each worker has its own
// Vite dev server (playwright.config.ts: E2E_PORT + parallelIndex), and so its own local
// provider server, whose scripts and logs are per server: two workers never share them.
import { test as base } from '@playwright/test';

export { expect } from '@playwright/test';
/** `launch()` gives a `Browser`; `launchWarm()` a `BrowserContext` (its persistent profile), closed like a browser. */
export type { Browser, BrowserContext, Page } from '@playwright/test';

/** First dev server's port (a second checkout or engineer sets its own). */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 5173);

export const test = base.extend({
  baseURL: async ({}, use, testInfo) => use(`http://127.0.0.1:${E2E_PORT + testInfo.parallelIndex}`),
});
