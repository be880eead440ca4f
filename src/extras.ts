// The core's rarely used parts, one module loaded on first use (src/lazy.ts): the handover
// (and MCP servers' connect/close), the session's recording, audio file decoding, a lost
// microphone's recovery, background and thinking sounds, the wake-up timer, output and input taps. None of them imports a core value,
// so the ES build's `extras.js` needs no core and the script-tag build loads it beside itself.
export { handOver, connectServers, closeServers } from './session/handover';
export { loadAudioFile, resolveAudioSource } from './audio/decode-source';
export { record } from './observe/recording';
export { reopenMicrophone } from './session/mic-reopen';
export { Ambience } from './session/ambience';
export { WakeUpTimer } from './session/wake-up';
export { tap } from './audio/tap';
