// `earshot/fallback`: providers made of providers (a primary and backups) for LLM, batch STT
// and TTS. Their own entry point, so apps without them do not download them; on a script
// tag, `fallback.iife.js` adds them to `window.Earshot`.
export { FallbackLLM, FallbackSTT, FallbackTTS } from './providers';
export type { FallbackOptions, FallbackFailure, ServedReport } from './chain';
