// The options of AgentSession (the seed's keyword arguments of the session, beyond agent and pipeline).
import type { AudioEngine, AudioEngineOptions } from '../audio/engine';
import type { AgentSession } from './agent-session';
import type { BackgroundAudioConfig } from './ambience';
import type { SessionCallControl, SessionDTMF, SessionVoiceMail } from './extensions';
import type { SessionAudio } from './session-audio';

export interface AgentSessionOptions<A extends SessionAudio = AudioEngine> {
  /** Seconds of silence on both sides before `onWakeUp` runs. Off by default. */
  wakeUp?: number;
  /** Called when the wake-up timer fires (e.g. `session.say('Are you still there?')`). */
  onWakeUp?: (session: AgentSession<A>) => void | PromiseLike<unknown>;
  /** Background audio started with the session. */
  backgroundAudio?: BackgroundAudioConfig;
  /**
   * How long `close()` lets `onExit()` run and what it says play, ms. Default 5000. The
   * turn in progress is stopped before `onExit`, so close never waits for a reply or a tool.
   */
  exitTimeoutMs?: number;
  /**
   * Makes the session's audio graph on each `start()`; default `new AudioEngine(options)`
   * (`options`: the pipeline's `audio`). A stand-in such as `earshot/testing`'s
   * `VirtualAudio` runs the whole session in Node, with fake timers.
   */
  audioEngine?: (options: AudioEngineOptions) => A;
  /**
   * Key presses in and out (`earshot/telephony`'s `DTMFHandler`): `dtmf_received`, `sendDtmf`.
   * With it (or a beep-listening `voiceMailDetector`) the mic's `noiseSuppression` defaults to off.
   */
  dtmfHandler?: SessionDTMF;
  /** Voicemail classification and beeps (`earshot/telephony`'s `VoiceMailDetector`). */
  voiceMailDetector?: SessionVoiceMail;
  /**
   * The call's telephony (`earshot/telephony`'s `CallControl` on the app's transport):
   * `callTransfer`, `warmTransfer`, and `hangup` ending the call. Without it the transfers
   * reject with a ConfigError and `hangup` only closes.
   */
  callControl?: SessionCallControl;
}
