// Test support (not exported by the package): the real local provider server, started once
// per test file on a free port and reset before each test.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startProviderServer, type ProviderServer } from '../../local-ai/server.mjs';

/** Registers the hooks and returns a handle whose fields read the running server. */
export function useProviderServer(): ProviderServer {
  let server: ProviderServer | null = null;
  beforeAll(async () => {
    server = await startProviderServer();
  });
  afterAll(() => server?.close());
  beforeEach(() => server?.handler.reset());
  const running = () => {
    if (!server) throw new Error('the provider server is not started yet');
    return server;
  };
  return {
    get url() { return running().url; },
    get port() { return running().port; },
    get handler() { return running().handler; },
    close: () => running().close(),
  };
}
