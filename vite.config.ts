import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, type Plugin, type UserConfig } from 'vite';
import { createProviderHandler } from './local-ai/server.mjs';
import { createTokenEndpoint } from './local-ai/token-endpoint.mjs';
import { runtimeAssets } from './scripts/runtime-files.mjs';

// `onnxruntime-web/wasm` defaults to a bundle that references its 14 MB wasm through
// `new URL(..., import.meta.url)`, which makes Vite emit a second, hashed copy of it.
// The extern-wasm condition selects the build that loads the wasm from `wasmPaths`,
// which we serve from runtime/ ourselves (toolchain §8, P6).
const conditions = ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions];

// vad-web ships CommonJS; the worker deep-imports two of its files, which the dependency
// scanner does not reach from index.html, so they are pre-bundled explicitly for dev.
const optimizeDeps = {
  include: [
    '@ricky0123/vad-web/dist/frame-processor.js',
    '@ricky0123/vad-web/dist/models/silero.js',
    '@ricky0123/vad-web/dist/messages.js',
    'onnxruntime-web/wasm',
    'mitt',
    'idb-keyval',
    // earshot/mcp's chunk (demo: order lookups on the local MCP server).
    '@modelcontextprotocol/sdk/client/index.js',
    '@modelcontextprotocol/sdk/client/streamableHttp.js',
  ],
};

// The local OpenAI look-alike (local-ai/server.mjs) under /local-ai, so the demo
// and Playwright talk to `${location.origin}/local-ai/v1` with no second server or CORS.
// Mounted before Vite's own middlewares; paths outside /v1 and /__control fall through.
// Its WebSockets (Deepgram `/v1/listen`, `/v2/listen`) hook the HTTP server's upgrades;
// Vite's HMR socket (subprotocol `vite-hmr`) is on another path and is left alone.
function localAiProvider(): Plugin {
  const mount = (server: { middlewares: { use(path: string, fn: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, next: () => void) => unknown): unknown }; httpServer: import('node:http').Server | import('node:http2').Http2SecureServer | null }) => {
    const handler = createProviderHandler();
    // Warms the stand-in's WebRTC peer (werift, imported on the first call): a first call
    // would otherwise pay that import while the user is already speaking.
    void import('werift').catch(() => undefined);
    server.middlewares.use('/local-ai', handler);
    // The example token endpoint (OpenAI Realtime ek_ secrets): with OPENAI_API_KEY it mints
    // real ones; without, from the stand-in on this same server.
    const key = process.env.OPENAI_API_KEY;
    server.middlewares.use('/token', createTokenEndpoint(key ? { apiKey: key } : { apiKey: 'local', baseURL: (req) => `http://${req.headers.host}/local-ai/v1` }));
    server.httpServer?.on('upgrade', (req: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
      if (!req.url?.startsWith('/local-ai/')) return;
      req.url = req.url.slice('/local-ai'.length);
      if (!handler.upgrade(req, socket, head)) socket.destroy();
    });
  };
  return {
    name: 'earshot-local-ai',
    configureServer: mount,
    configurePreviewServer: mount,
  };
}

// The MCP SDK's Client imports its Ajv validator even when given another one; earshot/mcp
// always passes its own (no eval: strict CSP), so Ajv (~35 KB gzip, `new Function`) is
// replaced by a stub that throws if it were ever constructed.
function mcpWithoutAjv(): Plugin {
  const stub = fileURLToPath(new URL('./src/mcp/no-ajv.ts', import.meta.url));
  return {
    name: 'earshot-mcp-without-ajv',
    enforce: 'pre',
    resolveId(source, importer) {
      if (importer?.includes('@modelcontextprotocol/sdk') && /\/validation\/ajv-provider\.js$/.test(source)) return stub;
      return null;
    },
  };
}

export default defineConfig(({ mode }): UserConfig => {
  if (mode === 'lib') {
    // What every lib build shares. scripts/build-lib.mjs adds the entries and formats:
    // one ES build of all entries, then one IIFE build per entry.
    return {
      // Relative base: worker and worklet URLs resolve against the bundle's own URL,
      // so dist/ works from any static host and sub-path (toolchain P4).
      base: './',
      publicDir: false,
      plugins: [mcpWithoutAjv()],
      resolve: { conditions },
      worker: { format: 'es' as const },
      build: {
        outDir: 'dist',
        sourcemap: true,
        target: 'es2022',
        rollupOptions: {
          // The IIFE has no import.meta; src/assets.ts reads document.currentScript there.
          onwarn(warning, warn) {
            if (warning.code !== 'EMPTY_IMPORT_META') warn(warning);
          },
        },
      },
    };
  }
  return {
    // /runtime/*: the model and ORT wasm straight from node_modules (nothing is copied).
    plugins: [localAiProvider(), runtimeAssets(), mcpWithoutAjv()],
    resolve: { conditions },
    worker: { format: 'es' as const },
    // EARSHOT_VITE_CACHE: the e2e runs one dev server per Playwright worker, each with its own cache.
    ...(process.env.EARSHOT_VITE_CACHE ? { cacheDir: process.env.EARSHOT_VITE_CACHE } : {}),
    // The dev server serves src/ as the ES build (scripts/build-lib.mjs defines it per build).
    define: { __EARSHOT_IIFE__: 'false' },
    optimizeDeps,
    server: { host: '127.0.0.1', port: Number(process.env.PORT ?? 5173), strictPort: true },
    preview: { host: '127.0.0.1', strictPort: true },
  };
});
