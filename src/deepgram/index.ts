// `earshot/deepgram`: Deepgram's live speech to text, Nova (`/v1/listen`) and Flux
// (`/v2/listen`), as StreamingSTT providers. Their own entry point, so an app that does not
// use them does not download them; on a script tag, `deepgram.iife.js` adds them to
// `window.Earshot`.
export { DeepgramSTT, type DeepgramSTTOptions } from '../providers/stt/deepgram';
export { DeepgramFluxSTT, type DeepgramFluxSTTOptions } from '../providers/stt/deepgram-flux';
export type { DeepgramSocketOptions, WebSocketConstructor } from '../providers/stt/deepgram-socket';
