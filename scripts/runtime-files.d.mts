import type { Plugin } from 'vite';

/** name -> absolute path of each file that dist/runtime/ ships. */
export function runtimeFiles(): Record<string, string>;
/** Vite plugin: serves /runtime/<file> from node_modules on the dev and preview servers. */
export function runtimeAssets(): Plugin;
