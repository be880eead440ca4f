// `earshot/cartesia`: Cartesia text to speech over its WebSocket (text streams in with
// `continue`; barge-in sends `cancel`). Its own entry point, so an app that does not use it
// does not download it; on a script tag, `cartesia.iife.js` adds it to `window.Earshot`.
export { CartesiaTTS, type CartesiaTTSOptions } from '../providers/tts/cartesia';
export type { SocketTTSOptions, WebSocketConstructor } from '../providers/tts/socket-link';
