// The core's rarely used parts, one module loaded on first use (src/lazy.ts): the handover
// (and MCP servers' connect/close), audio file decoding. Everything here imports no values,
// so the ES build's `extras.js` stands alone and the script-tag build loads it beside itself.
export { handOver, connectServers, closeServers } from './session/handover';
export { loadAudioFile, resolveAudioSource } from './audio/decode-source';
