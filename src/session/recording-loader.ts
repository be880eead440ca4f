// `session.startRecording()`: the recording module (src/observe/recording.ts, no core values)
// loads on first use, so the core carries only this loader.
import { ConfigError, EarshotError, type EarshotErrorCode } from '../errors';
import { SCRIPT_URL } from '../assets';
import type { RecordableSession, Run, SessionRecorderOptions } from '../observe/recording';

/** Defined by every build (scripts/build-lib.mjs, vite.config.ts, vitest.config.ts). */
declare const __EARSHOT_IIFE__: boolean;

/**
 * Starts a recording of `session`: a chunk of the ES build; the script-tag build cannot split,
 * so it imports the ES build's standalone `recording.js` from beside itself. Its errors are the
 * core's classes (the module makes them through `fail`).
 */
export async function startRun(session: RecordableSession, options: SessionRecorderOptions): Promise<Run> {
  const m: typeof import('../observe/recording') = await (__EARSHOT_IIFE__ ? import(/* @vite-ignore */ new URL('recording.js', SCRIPT_URL ?? location.href).href) : import('../observe/recording'));
  return m.record(session, options, (code: EarshotErrorCode, message: string) => (code === 'config-invalid' ? new ConfigError(message) : new EarshotError(code, message)));
}
