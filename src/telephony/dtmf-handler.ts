import { dtmfTones, type DTMFToneOptions } from '../audio/dsp/dtmf-tones';
import { DTMF_KEYS } from '../audio/dsp/dtmf';
import type { CaptureDetector } from '../audio/worklet-protocol';
import { ConfigError, EarshotError } from '../errors';
import type { AgentSession } from '../session/agent-session';
import type { SessionDTMF } from '../session/extensions';
import type { SessionAudio } from '../session/session-audio';

/** Gets each key press: `0`–`9`, `*`, `#`, `A`–`D`. May be async; errors are reported as `error`. */
export type DTMFCallback = (digit: string) => void | PromiseLike<unknown>;

export interface DTMFHandlerOptions {
  /**
   * Detect key presses in the mic audio (Goertzel in the capture worklet). Default true.
   * Chrome's noise suppression can fade a tone held for long; short presses come through.
   */
  inBand?: boolean;
  /** Send with this sender (`pc.getSenders()[i].dtmf`) instead of playing tones. */
  sender?: RTCDTMFSender | null;
  /** Tone shape when sending as audio (default: 70 ms tones, 70 ms gaps, −10 dBFS pair). */
  tones?: DTMFToneOptions;
}

/** After its own tones end, in-band keys are ignored this long, ms (their echo in the mic). */
const ECHO_TAIL_MS = 300;

/**
 * DTMF for an `AgentSession` (the seed's `DTMFHandler`): key presses heard in the mic audio or
 * handed in with {@link receive} go to the callback and the session's `dtmf_received`;
 * `session.sendDtmf()` sends keys back. Key presses are not added to the chat: menus and
 * digit collection are the callback's business.
 *
 * ```ts
 * const dtmf = new DTMFHandler((digit) => console.log('pressed', digit));
 * const session = new AgentSession(agent, pipeline, { dtmfHandler: dtmf });
 * await session.sendDtmf('12#');
 * ```
 */
export class DTMFHandler implements SessionDTMF {
  readonly detectors: readonly CaptureDetector[];
  #callback: DTMFCallback | null;
  #sender: RTCDTMFSender | null;
  readonly #tones: DTMFToneOptions;
  #session: AgentSession<SessionAudio> | null = null;
  /** Sends in progress, and when the last one ended (performance-free: the timers' clock). */
  #sending = 0;
  #sentAt = -Infinity;

  constructor(callback?: DTMFCallback | null, options: DTMFHandlerOptions = {}) {
    this.#callback = callback ?? null;
    this.#sender = options.sender ?? null;
    this.#tones = options.tones ?? {};
    this.detectors = options.inBand === false ? [] : ['dtmf'];
  }

  /** Replaces the callback (`null`: key presses only reach `dtmf_received`). */
  setCallback(callback: DTMFCallback | null): void {
    this.#callback = callback;
  }

  /** Sends through this RTCDTMFSender from now on (`null`: tones on the voice bus). */
  setSender(sender: RTCDTMFSender | null): void {
    this.#sender = sender;
  }

  /**
   * A key press from elsewhere: a SIP library's INFO or RFC 4733 events, a data channel.
   * (Browsers do not surface received RFC 4733 events: `tonechange` reports a sender's own keys.)
   */
  receive(digit: string | number): void {
    this.#deliver(String(digit), 'app', null);
  }

  attach(session: AgentSession<SessionAudio>): () => void {
    this.#session = session;
    const off = session.audio.on('dtmf_detected', (e) => {
      // Our own keys, heard back through the speakers, are not the caller's.
      if (this.#sending > 0 || Date.now() - this.#sentAt < ECHO_TAIL_MS) return;
      this.#deliver(e.digit, 'in_band', e.at);
    });
    return () => {
      off();
      if (this.#session === session) this.#session = null;
    };
  }

  /**
   * Sends `digits` (`0`–`9`, `*`, `#`, `A`–`D`; `,` is a pause): on the sender if one is set,
   * else as tones on the session's voice bus. Resolves once sent; an aborted send ends quietly.
   */
  async send(digits: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const keys = digits.toUpperCase().replace(/\s+/g, '');
    if (!keys || [...keys].some((c) => c !== ',' && !DTMF_KEYS.includes(c))) throw new ConfigError(`Not DTMF keys: "${digits}"`);
    const session = this.#session;
    if (!this.#sender && !session) throw new EarshotError('closed', 'Start the session before sending DTMF');
    if (options.signal?.aborted) return;
    this.#sending++;
    try {
      if (this.#sender) await this.#sendRtc(this.#sender, keys, options.signal);
      else await this.#play(session!, keys, options.signal);
    } finally {
      this.#sending--;
      this.#sentAt = Date.now();
    }
  }

  async #play(session: AgentSession<SessionAudio>, keys: string, signal?: AbortSignal): Promise<void> {
    const mixer = session.audio.mixer;
    const rate = session.audio.context.sampleRate;
    const { id, ended } = mixer.play({ samples: dtmfTones(keys, rate, this.#tones), sampleRate: rate }, { bus: 'voice' });
    const stop = () => mixer.stop(id);
    signal?.addEventListener('abort', stop, { once: true });
    await ended.finally(() => signal?.removeEventListener('abort', stop));
  }

  /** insertDTMF, then waits for the sender's last `tonechange` (tone ""). */
  #sendRtc(sender: RTCDTMFSender, keys: string, signal?: AbortSignal): Promise<void> {
    const toneMs = Math.max(40, this.#tones.toneMs ?? 70);
    const gapMs = Math.max(30, this.#tones.gapMs ?? 70);
    return new Promise<void>((resolve) => {
      const done = () => {
        sender.removeEventListener('tonechange', onTone);
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      const onTone = (e: Event) => void ((e as RTCDTMFToneChangeEvent).tone === '' && done());
      // Emptying the buffer stops after the tone that plays.
      const abort = () => {
        sender.insertDTMF('');
        done();
      };
      sender.addEventListener('tonechange', onTone);
      signal?.addEventListener('abort', abort, { once: true });
      sender.insertDTMF(keys, toneMs, gapMs);
    });
  }

  #deliver(digit: string, source: 'in_band' | 'app', at: number | null): void {
    if (!digit) return;
    const session = this.#session;
    session?.emit('dtmf_received', { digit, source, at });
    const callback = this.#callback;
    if (!callback) return;
    void Promise.resolve()
      .then(() => callback(digit))
      .catch((cause: unknown) =>
        session?.emit('error', { error: new EarshotError('session-failed', `The DTMF callback failed: ${String(cause)}`, { cause }), source: 'session' }),
      );
  }
}
