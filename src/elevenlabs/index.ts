// `earshot/elevenlabs`: ElevenLabs text to speech, over its multi-context WebSocket (text
// streams in as the LLM writes it; barge-in closes the context) or its HTTP stream. Its own
// entry point, so an app that does not use it does not download it; on a script tag,
// `elevenlabs.iife.js` adds it to `window.Earshot`.
export { ElevenLabsTTS, type ElevenLabsTTSOptions, type ElevenLabsPcmRate, type ElevenLabsVoiceSettings } from '../providers/tts/elevenlabs';
export { ElevenLabsHTTPTTS, type ElevenLabsHTTPTTSOptions } from '../providers/tts/elevenlabs-http';
export type { SocketTTSOptions, WebSocketConstructor } from '../providers/tts/socket-link';
