// Public surface of `earshot/telephony`: DTMF in and out, voicemail classification and beeps.
// The capture worklet's detectors (src/audio/dsp/dtmf.ts, beep.ts) are in the worklet bundle;
// they are exported here too for offline use (recordings, tests).
export { DTMFHandler, type DTMFCallback, type DTMFHandlerOptions } from './dtmf-handler';
export { VoiceMailDetector, type VoiceMailDetectorOptions, type VoicemailBeep } from './voicemail-detector';
export { DTMFDetector, DTMF_KEYS, DTMF_ROWS, DTMF_COLUMNS, type DTMFDetectorOptions } from '../audio/dsp/dtmf';
export { BeepDetector, type BeepDetectorOptions } from '../audio/dsp/beep';
export { dtmfTones, type DTMFToneOptions } from '../audio/dsp/dtmf-tones';
export { aecLoopback } from './aec-loopback';
export { callAudio, type CallAudioOptions } from './call-audio';
export { CallControl, type CallControlOptions, type CallLeg, type CallTransport, type TransportCallOptions } from './call-control';
export {
  CallTransferError,
  WarmTransferError,
  type CallTransferErrorCode,
  type WarmTransferConfig,
  type WarmTransferEvent,
  type WarmTransferPhase,
  type WarmTransferResult,
} from './warm-transfer';
export type { BriefingResolution } from './briefing';
