// The seam through which earshot/telephony's DTMFHandler and VoiceMailDetector join a session
// (the seed's `dtmf_handler` and `voice_mail_detector`). Their code lives in that entry; the
// core only starts the capture detectors they ask for and attaches and detaches them.
import type { AudioEngineOptions } from '../audio/engine';
import type { CaptureDetector } from '../audio/worklet-protocol';
import type { AgentSession } from './agent-session';
import type { SessionAudio } from './session-audio';

/** A part a session runs with itself: attached once started, detached when it closes. */
export interface SessionExtension {
  /** Capture-side detectors it needs (run in the capture worklet on the mic audio). */
  readonly detectors?: readonly CaptureDetector[];
  /** Called once the session's audio runs; returns what detaches it. */
  attach(session: AgentSession<SessionAudio>): () => void;
}

/** What `session.sendDtmf` needs: `earshot/telephony`'s `DTMFHandler`. */
export interface SessionDTMF extends SessionExtension {
  send(digits: string, options?: { signal?: AbortSignal }): Promise<void>;
}

/** What `session.isVoicemailDetected` reads: `earshot/telephony`'s `VoiceMailDetector`. */
export interface SessionVoiceMail extends SessionExtension {
  readonly detected: boolean;
}

/** The session's extensions: the detectors they need, attached and detached together. */
export class Extensions {
  /** Capture detectors all of them need, once each. */
  readonly detectors: CaptureDetector[];
  readonly #parts: SessionExtension[];
  #detach: (() => void)[] = [];

  constructor(parts: readonly (SessionExtension | undefined)[]) {
    this.#parts = parts.filter((p): p is SessionExtension => p !== undefined);
    this.detectors = [...new Set(this.#parts.flatMap((p) => p.detectors ?? []))];
  }

  /**
   * The audio options for the detectors: the mic's noise suppression off unless the app
   * chose. A noise suppressor learns a steady tone as noise and fades it (a beep's tail, a
   * held key); Earshot's detectors already ignore speech and noise.
   */
  audioOptions(o: AudioEngineOptions): AudioEngineOptions {
    return this.detectors.length && o.microphone?.noiseSuppression === undefined ? { ...o, microphone: { ...o.microphone, noiseSuppression: false } } : o;
  }

  attach(session: AgentSession<SessionAudio>): void {
    this.#detach = this.#parts.map((p) => p.attach(session));
  }

  detach(): void {
    for (const detach of this.#detach.splice(0)) detach();
  }
}
