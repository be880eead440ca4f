// The seed's `call_transfer`, `warm_transfer` and `hangup` on a call in the page: the telephony
// itself (SIP REFER, dialling a second line, bridging, ending the call) is the app's transport;
// the session only asks for it. A failure is an error, never a log line (the seed logs and
// returns None).
import { EarshotError } from '../errors';
import type { AgentSession } from '../session/agent-session';
import type { SessionCallControl } from '../session/extensions';
import type { SessionAudio } from '../session/session-audio';
import { CallTransferError, limit, runWarmTransfer, WarmTransferError, type WarmTransferConfig, type WarmTransferResult } from './warm-transfer';

/** One leg of a call as media in the page: what `callAudio` takes, plus how the leg ends. */
export interface CallLeg {
  /** The far end's voice (a remote track or stream). */
  input: MediaStream | MediaStreamTrack;
  /** Sends a track to the far end (e.g. `(t) => sender.replaceTrack(t)`). */
  output: (track: MediaStreamTrack) => unknown;
  /** Settles when the far end has answered and speaks (default: at once, once dialled). */
  joined?: PromiseLike<unknown>;
  /** Settles when the far end hangs up (ends a briefing as `supervisor_hung_up`). */
  ended?: PromiseLike<unknown>;
  /** Drops this leg (a cancelled or failed transfer hangs up on the supervisor). */
  hangup?: () => unknown;
}

/** Per call of a transport: aborted when its time is up or the session gives up on it. */
export interface TransportCallOptions {
  signal: AbortSignal;
}

/**
 * The app's telephony, in four calls. A SIP-over-WebSocket softphone (JsSIP, SIP.js) or a
 * provider's browser SDK (e.g. Twilio Voice JS) can do each; what cannot be done from the
 * page (a REFER the far end refuses, a conference bridge) is the app's server's.
 */
export interface CallTransport {
  /** Hands the caller's call to `target` (SIP REFER, a provider's transfer API); the agent drops out. May return a promise. */
  transfer(target: string, options: TransportCallOptions): unknown;
  /** Calls `target` on a second line (the supervisor) and gives its media. */
  dial(target: string, options: TransportCallOptions): PromiseLike<CallLeg>;
  /** Connects the caller with `leg` directly (the agent's page no longer in the media path, or relaying it). */
  bridge(leg: CallLeg, options: TransportCallOptions): unknown;
  /** Ends the caller's call. May return a promise. */
  hangup(reason: string, options: TransportCallOptions): unknown;
}

export interface CallControlOptions {
  transport: CallTransport;
  /** Limit for `transfer`, `bridge` and `hangup` on the transport, ms. Default 15000. */
  timeoutMs?: number;
}

/**
 * Call transfers and hang-up for an `AgentSession`, through the app's {@link CallTransport}:
 *
 * ```ts
 * const session = new AgentSession(agent, pipeline, { callControl: new CallControl({ transport }) });
 * await session.warmTransfer({ target: 'sip:supervisor@example.com', briefingPipeline: (leg) => new Pipeline({ stt, llm, tts, audio: callAudio(leg) }) });
 * ```
 */
export class CallControl implements SessionCallControl {
  readonly transport: CallTransport;
  readonly #timeoutMs: number;
  #listen: ((on: boolean) => void) | null = null;
  #running = false;

  constructor(options: CallControlOptions) {
    if (!options?.transport) throw new CallTransferError('config-invalid', 'CallControl needs a transport');
    this.transport = options.transport;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** A warm transfer is running. */
  get busy(): boolean {
    return this.#running;
  }

  attach(_session: AgentSession<SessionAudio>, listen: (on: boolean) => void): () => void {
    this.#listen = listen;
    return () => void (this.#listen = null);
  }

  transfer(_session: AgentSession<SessionAudio>, target: string): Promise<void> {
    return this.#ask('transfer', (signal) => this.transport.transfer(target, { signal })).then(() => undefined);
  }

  async warmTransfer(session: AgentSession<SessionAudio>, config: WarmTransferConfig): Promise<WarmTransferResult> {
    const listen = this.#listen;
    if (!listen) throw new EarshotError('closed', 'Start the session before a warm transfer');
    if (this.#running) throw new WarmTransferError('transfer-busy', 'A warm transfer is already running');
    this.#running = true;
    try {
      return await runWarmTransfer({ session, listen, transport: this.transport, config, ask: (what, call) => this.#ask(what, call) });
    } finally {
      this.#running = false;
    }
  }

  /** The transport's hang-up (a failure is reported as `error`), then the session closes, whatever happened. */
  async hangup(session: AgentSession<SessionAudio>, reason: string): Promise<void> {
    await this.#ask('hangup', (signal) => this.transport.hangup(reason, { signal })).catch((error: unknown) => session.emit('error', { error: error as CallTransferError, source: 'session' }));
    await session.close(reason);
  }

  /** One transport call within the time limit; its failure (or timeout) as a `transfer-failed` error. */
  async #ask<T>(what: string, call: (signal: AbortSignal) => T | PromiseLike<T>): Promise<T> {
    const abort = new AbortController();
    try {
      return await limit(Promise.resolve().then(() => call(abort.signal)), this.#timeoutMs, () => new Error(`no answer in ${this.#timeoutMs} ms`));
    } catch (error) {
      abort.abort();
      throw new CallTransferError('transfer-failed', `The transport's ${what} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}
