import { defineConfig } from 'vitest/config';

// Unit tests are pure (DSP, protocol logic): run them in Node, without the app's Vite config.
export default defineConfig({
  define: { __EARSHOT_IIFE__: 'false' },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
    // Vitest's default is cores − 1 workers: one file at a time on the 2-core CI machine. Most
    // of the slow files wait on sockets and audio clocks (the session, realtime and MCP tests
    // run conversations against the local server in real time), so eight at once take the suite
    // from about 150 s to about 33 s there (4: 45 s; 6: 38 s; the CPU floor is ~32 s, the
    // suite's user + system time over two cores); the realtime session's tests are spread over
    // three files for it.
    maxWorkers: 8,
  },
});
