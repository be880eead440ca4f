// The seam through which earshot/telephony's DTMFHandler and VoiceMailDetector join a session
// (the seed's `dtmf_handler` and `voice_mail_detector`). Their code lives in that entry; the
// core only starts the capture detectors they ask for and attaches and detaches them.
import type { AudioEngineOptions } from '../audio/engine';
import type { CaptureDetector } from '../audio/worklet-protocol';
import type { AgentSession } from './agent-session';
import type { SessionAudio } from './session-audio';
import type { WarmTransferConfig, WarmTransferResult } from '../telephony/warm-transfer';

/** A part a session runs with itself: attached once started, detached when it closes. */
export interface SessionExtension {
  /** Capture-side detectors it needs (run in the capture worklet on the mic audio). */
  readonly detectors?: readonly CaptureDetector[];
  /**
   * Called once the session's audio runs; returns what detaches it. `listen(false)` makes the
   * session ignore the user's speech until `listen(true)` (a caller on hold).
   */
  attach(session: AgentSession<SessionAudio>, listen: (on: boolean) => void): () => void;
}

/** What `callTransfer`, `warmTransfer` and `hangup` delegate to: `earshot/telephony`'s `CallControl`. */
export interface SessionCallControl extends SessionExtension {
  transfer(session: AgentSession<SessionAudio>, target: string): Promise<void>;
  warmTransfer(session: AgentSession<SessionAudio>, config: WarmTransferConfig): Promise<WarmTransferResult>;
  /** Ends the call through the transport, then closes the session. */
  hangup(session: AgentSession<SessionAudio>, reason: string): Promise<void>;
}

/** What `session.sendDtmf` needs: `earshot/telephony`'s `DTMFHandler`. */
export interface SessionDTMF extends SessionExtension {
  send(digits: string, options?: { signal?: AbortSignal }): Promise<void>;
}

/** What `session.isVoicemailDetected` reads: `earshot/telephony`'s `VoiceMailDetector`. */
export interface SessionVoiceMail extends SessionExtension {
  readonly detected: boolean;
}

/**
 * The audio options for tone `detectors`: the mic's noise suppression off unless the app
 * chose. A noise suppressor learns a steady tone as noise and fades it (a beep's tail, a
 * held key); Earshot's detectors already ignore speech and noise.
 */
export function toneSafe(o: AudioEngineOptions, detectors: readonly CaptureDetector[]): AudioEngineOptions {
  return detectors.length && o.microphone?.noiseSuppression === undefined ? { ...o, microphone: { ...o.microphone, noiseSuppression: false } } : o;
}

/** The detectors all of `parts` need, once each. */
export function detectorsOf(parts: readonly (SessionExtension | undefined)[]): CaptureDetector[] {
  return [...new Set(parts.flatMap((p) => p?.detectors ?? []))];
}
