// Public surface of Earshot. Everything exported here is also on `window.Earshot` in the IIFE build.
export { EarshotError, ConfigError, MicrophoneError, AssetLoadError, WorkletError, VadError } from './errors';
export type { EarshotErrorCode, MicrophoneErrorCode } from './errors';
export { EventHub, type Emitter } from './events';
export { resolveAssetBase, RUNTIME_FILES } from './assets';

export { AudioEngine, type AudioEngineEvents, type AudioEngineOptions } from './audio/engine';
export { Mixer, MixerStream, type PlaybackEnd } from './audio/mixer';
export { Microphone, listMicrophones, type MicrophoneOptions } from './audio/microphone';
export { createAudioContext, unlockAudioContext, contextState, type AudioContextStateEx } from './audio/context';
export { loadAudioFile } from './audio/load-audio-file';
export type { TappedBlock } from './audio/capture';
export { BUSES, type BusName, type MixerOptions, type MixerEvent } from './audio/worklet-protocol';
export { DEFAULT_MIXER_OPTIONS } from './audio/dsp/mixer-core';
export { StreamResampler } from './audio/dsp/resampler';
export { int16ToFloat32, float32ToInt16, PcmS16Decoder } from './audio/dsp/pcm';
export { decodeWav, encodeWav, WavFormatError, type DecodedAudio } from './audio/dsp/wav';

export { SileroVAD, type SileroVADOptions, type VadEvents, type FrameSource } from './vad/silero-vad';
export { DEFAULT_VAD_OPTIONS, type VadOptions } from './vad/options';

/** The package version. */
export const VERSION = '0.1.0';
