// `earshot/dsp`: the pure audio helpers (no Web Audio), for apps that handle raw audio
// themselves: 16-bit PCM conversion, a streaming s16le decoder, WAV encoding and decoding,
// the streaming resampler, and Whisper's log-mel spectrogram. Their own entry point: the
// core uses only some of them.
export { int16ToFloat32, float32ToInt16, PcmS16Decoder } from '../audio/dsp/pcm16';
export { downmixToMono, concatFloat32 } from '../audio/dsp/pcm';
export { decodeWav, WavFormatError, type DecodedAudio } from '../audio/dsp/wav';
export { encodeWav } from '../audio/dsp/wav-encode';
export { StreamResampler } from '../audio/dsp/resampler';
export { whisperLogMel, melFilterbank, hzToMel, melToHz, WHISPER_MEL } from '../audio/dsp/log-mel';
