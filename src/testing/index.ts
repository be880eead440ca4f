// Public surface of `earshot/testing`: what Earshot's own cross-engine tests use, for
// users' tests. Nothing here is imported by the core bundle.
export { VirtualAudio, type VirtualAudioOptions } from './virtual-audio';
export { ScriptedVAD, type ScriptedSpeechOptions } from './scripted-vad';
export { createFakeMicrophone, type FakeMicrophone, type FakeMicrophoneOptions, type FakeMicSource } from './fake-mic';
export { recordVadInput, type VadInputRecording } from './vad-input';
export {
  ScriptedLLM,
  ScriptedSTT,
  ScriptedTTS,
  tone,
  wordDeltas,
  type Script,
  type ScriptedFailure,
  type ScriptedReply,
  type ScriptedSpeech,
  type ScriptedTranscript,
  type ScriptedTTSOptions,
} from './providers';
export {
  recordEvents,
  waitForEvent,
  expectStates,
  EventTimeoutError,
  SESSION_EVENT_NAMES,
  type AnyEmitter,
  type EventLog,
  type LoggedEvent,
  type LoggedEventJSON,
  type ExpectStatesOptions,
} from './events';
