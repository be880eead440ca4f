import { defineConfig } from 'vitest/config';

// Unit tests are pure (DSP, protocol logic): run them in Node, without the app's Vite config.
export default defineConfig({
  define: { __EARSHOT_IIFE__: 'false' },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
