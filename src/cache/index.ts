// `earshot/cache`: TTSAudioCache, a TTS wrapper that keeps synthesized phrases in IndexedDB
// (idb-keyval). Its own entry point, so pages that do not cache speech do not download it.
export { TTSAudioCache, type TTSAudioCacheOptions, type AudioCacheStore } from './tts-audio-cache';
