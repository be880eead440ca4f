// `earshot/realtime`: speech-to-speech models. `OpenAIRealtime` (GA, over WebSocket or WebRTC) given to a
// Pipeline as `llm` runs the whole session: mic → model → Earshot's mixer. Its own entry point,
// so an app that does not use it does not download it.
export { OpenAIRealtime, type OpenAIRealtimeOptions, type RealtimeTurnDetection, type RealtimeSessionConfig } from '../providers/realtime/openai-realtime';
export { RealtimeSocket, REALTIME_RATE, type RealtimeEvent, type RealtimeLink, type RealtimeSocketOptions, type WebSocketConstructor } from '../providers/realtime/realtime-socket';
export { RealtimeRTC, type RealtimeRTCOptions } from '../providers/realtime/realtime-rtc';
export type { RealtimeModel, RealtimeHost, RealtimeConductor } from '../session/realtime-hook';
