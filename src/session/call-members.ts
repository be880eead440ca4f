import { ConfigError } from '../errors';
import { EventHub } from '../events';
import type { WarmTransferConfig, WarmTransferEvent, WarmTransferPhase, WarmTransferResult } from '../telephony/warm-transfer';
import type { SessionCallControl, SessionDTMF, SessionVoiceMail } from './extensions';
import type { AgentSessionEvents } from './session-events';

/** The telephony parts a session may be given (earshot/telephony). */
export interface CallParts {
  dtmfHandler?: SessionDTMF;
  voiceMailDetector?: SessionVoiceMail;
  callControl?: SessionCallControl;
}

/**
 * The session's telephony members (DTMF, voicemail, hangup, transfers): each forwards to the
 * part given in the session's options, so the session itself only conducts.
 */
export abstract class CallMembers extends EventHub<AgentSessionEvents> {
  readonly #parts: CallParts;

  constructor(parts: CallParts, onListenerError: (err: unknown) => void) {
    super(onListenerError);
    this.#parts = parts;
  }

  abstract close(reason?: string): Promise<void>;

  /** True once the `voiceMailDetector` classified the call as a voicemail. */
  get isVoicemailDetected(): boolean {
    return this.#parts.voiceMailDetector?.detected ?? false;
  }

  /**
   * Sends DTMF keys (`0`–`9`, `*`, `#`, `A`–`D`; `,` pauses 0.5 s) through the `dtmfHandler`:
   * on its RTCDTMFSender, else as tones on the voice bus. Resolves when they were sent.
   */
  sendDtmf(digits: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const h = this.#parts.dtmfHandler;
    return h ? h.send(digits, options) : Promise.reject(new ConfigError('sendDtmf needs a dtmfHandler (earshot/telephony)'));
  }

  /** Ends the call through the `callControl`'s transport (if any), then `close(reason)`. */
  hangup(reason = 'manual_hangup'): Promise<void> {
    return this.#parts.callControl?.hangup(this as never, reason) ?? this.close(reason);
  }

  /** Transfers the call to `target` through the `callControl`'s transport (a cold transfer: the agent drops out). */
  callTransfer(target: string): Promise<void> {
    return this.#call((c) => c.transfer(this as never, target));
  }

  /**
   * Hands the caller to a person after briefing them (earshot/telephony's `CallControl`):
   * `warm_transfer` phases, then the result. Rejects with a `WarmTransferError` when it fails
   * (the caller is back with the agent), a ConfigError without a `callControl`.
   */
  warmTransfer(config: WarmTransferConfig): Promise<WarmTransferResult> {
    return this.#call((c) => c.warmTransfer(this as never, config));
  }

  /** Calls `callback` on each `warm_transfer` event of `phase` (null: every phase); returns what unsubscribes. */
  onWarmTransfer(phase: WarmTransferPhase | null, callback: (event: WarmTransferEvent) => void): () => void {
    return this.on('warm_transfer', (e) => (!phase || e.phase === phase) && callback(e));
  }

  #call<T>(work: (c: SessionCallControl) => Promise<T>): Promise<T> {
    const c = this.#parts.callControl;
    return c ? work(c) : Promise.reject(new ConfigError('Transfers need a callControl (earshot/telephony)'));
  }
}
