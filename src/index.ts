// Public surface of Earshot. Everything exported here is also on `window.Earshot` in the IIFE build.
export { EarshotError, ConfigError, MicrophoneError, AssetLoadError, WorkletError, VadError, TurnDetectorError } from './errors';
export type { EarshotErrorCode, MicrophoneErrorCode, AnyEarshotError } from './errors';
export { EventHub, type Emitter } from './events';
export { resolveAssetBase, resolveRuntimeUrls, RUNTIME_FILES, type RuntimeUrls } from './assets';

export { AudioEngine, type AudioEngineEvents, type AudioEngineOptions, type OutputRoute } from './audio/engine';
export { Mixer, MixerStream, type PlaybackEnd } from './audio/mixer';
export { Microphone, listMicrophones, type MicrophoneOptions } from './audio/microphone';
export { createAudioContext, unlockAudioContext, contextState, type AudioContextStateEx } from './audio/context';
export { loadAudioFile } from './audio/load-audio-file';
export type { TappedBlock } from './audio/capture';
export { BUSES, DEFAULT_MIXER_OPTIONS, type BusName, type MixerOptions, type MixerEvent } from './audio/worklet-protocol';
// The resampler, 16-bit PCM and WAV (decode, encode) are in `earshot/dsp`: on the main
// thread the core uses none of them (the worklets resample).
export type { DecodedAudio } from './audio/dsp/wav';

export { SileroVAD, type SileroVADOptions, type VadEvents, type FrameSource } from './vad/silero-vad';
export { DEFAULT_VAD_OPTIONS, type VadOptions } from './vad/options';

/** The package version. */
export const VERSION = '0.1.0';

// Agent session (cascade: STT → LLM → TTS, in the page)
export { Agent, type AgentOptions, type ThinkingAudioConfig } from './agent/agent';
export type { MCPServer, HandoffContext } from './agent/mcp-server';
export { ChatContext } from './agent/chat-context';
export { UtteranceHandle } from './agent/utterance-handle';
export { AgentSession, type AgentSessionOptions } from './session/agent-session';
export type { SessionAudio, SessionVAD, SessionMicrophone, AudioClock } from './session/session-audio';
export { Pipeline, DEFAULT_EOU_CONFIG, DEFAULT_TIMEOUTS, type PipelineOptions, type PipelineSettings, type EOUConfig, type Timeouts, type EndpointLearner, type EndpointLearnerFactory } from './session/pipeline';
export type { RealtimeModel, RealtimeHost, RealtimeConductor } from './session/realtime-hook';
export type { AgentSessionEvents, AgentState, UserState, StateChange } from './session/session-events';
export type { StateInput } from './session/states';
export type { BackgroundAudioConfig } from './session/ambience';
export type { AudioSource, PcmBytes } from './session/audio-source';
export { DEFAULT_INTERRUPT_CONFIG, type InterruptConfig } from './turn/barge-in';
export type { TurnMetrics } from './telemetry/turn-metrics';
export { functionTool, type FunctionTool, type FunctionToolDef, type ToolContext, type ZodSchemaLike, type ParseResult } from './tools/function-tool';
export type { ToolResult } from './tools/tool-runner';

// Provider contract and errors. The providers themselves have their own entry points
// (`earshot/openai`, …) so the core stays small.
export { ProviderError, type ProviderErrorCode } from './providers/errors';
export type { LLM, STT, TTS, TTSRequest, TTSStreamRequest, VisionFrame, ChatItem, ToolSpec, LLMChunk, STTChunk, ProviderAuth } from './providers/types';
export type { StreamingSTT, STTStream, STTStreamEvent, STTStreamRequest, STTWord } from './providers/types';

// End of turn: the detector contract and the wait policy (`EOUConfig`). The text heuristic
// detector and learned pauses are in `earshot/turn`, the Smart Turn model in `earshot/smart-turn`.
export type { TurnDetector, TurnDetectorInput } from './turn/turn-detector';
export { eouDelaySec, validateEouConfig, type EouPolicyConfig } from './turn/eou-policy';
