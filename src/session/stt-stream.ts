import { ProviderError } from '../providers/errors';
import type { STTStream, STTStreamEvent, STTWord, StreamingSTT } from '../providers/types';

/** Seconds of frames kept before an onset, so a stream opened late still hears the first word. */
const RING_SEC = 1.5;
/** A stream with no speech for this long after its last turn ended is closed (reopened at the next onset). */
const IDLE_CLOSE_MS = 2000;

export interface TranscriberDeps {
  stt: StreamingSTT;
  /** Audio before the VAD's onset sent with it, s (the VAD's pre-speech pad). */
  preRollSec: number;
  /** How long `settle()` waits for the provider's end of turn, ms (0: no limit). */
  settleTimeoutMs: number;
  /** The transcript of the turn so far (finals and the latest interim). */
  onInterim(text: string): void;
  /** The provider ended a turn on its own (not after `settle()`). */
  onEndOfTurn(text: string): void;
  /** Flux's early end-of-turn signals, for preemptive work. */
  onEager?(text: string): void;
  onResumed?(): void;
  onError(error: unknown): void;
}

/**
 * The session's side of a streaming STT. It keeps the last frames the VAD tapped, opens
 * a provider stream at the user's onset (pre-roll included, so the first word is heard
 * even while the socket connects), keeps it across the user's pauses, and closes it when
 * the user has been quiet for a while. Text is collected per turn of the provider and
 * handed over by {@link settle}, which asks the provider to finish what it heard: nothing
 * the provider transcribed is dropped, even when turns end faster than the user stops.
 */
export class StreamTranscriber {
  readonly #deps: TranscriberDeps;
  readonly #ring: { at: number; samples: Float32Array }[] = [];
  #live: Live | null = null;
  /** Provider turns ended since the last `settle()`. */
  #ended: Piece[] = [];
  /** Finals of the provider's turn in progress, and its latest interim. */
  #finals: Piece[] = [];
  #interim: Piece | null = null;
  /** The provider is inside a turn (heard something since its last end of turn). */
  #inTurn = false;
  #waiters: (() => void)[] = [];
  #idle: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  constructor(deps: TranscriberDeps) {
    this.#deps = deps;
  }

  /**
   * Everything heard since the last `settle()`: ended turns, then the one in progress.
   * `since` (audio time, s): words that ended before it are left out, where the provider
   * gives word timings (the agent's echo heard before the user's onset).
   */
  text(since = -Infinity): string {
    return join([...this.#ended, ...this.#finals, ...(this.#interim ? [this.#interim] : [])].map((p) => p.text(since)));
  }

  /** A tapped VAD frame (16 kHz). `at`: audio time of its start, s. */
  push(at: number, samples: Float32Array): void {
    if (this.#closed) return;
    this.#ring.push({ at, samples });
    while (this.#ring.length > 0 && this.#ring[0]!.at < at - RING_SEC) this.#ring.shift();
    this.#live?.send(samples, at);
  }

  /** The user started speaking at `onsetAt` (audio time, s): make sure a stream listens. */
  speechStarted(onsetAt: number): void {
    if (this.#closed) return;
    this.#cancelIdle();
    if (this.#live && !this.#live.done) return;
    const live: Live = new Live(this.#deps.stt, (e) => this.#event(live, e), (err) => this.#failed(live, err));
    this.#live = live;
    const from = onsetAt - this.#deps.preRollSec;
    for (const f of this.#ring) if (f.at >= from - 1e-6) live.send(f.samples, f.at);
  }

  /** The user stopped speaking: the stream closes if nothing more comes for a while. */
  speechEnded(): void {
    this.#cancelIdle();
    // Checked again while the provider is still inside a turn (a few times at most): a
    // stream is never left open, sending silence, once the user has gone quiet.
    let checks = 0;
    const check = () => {
      this.#idle = null;
      if (this.#inTurn && ++checks < 3) this.#idle = setTimeout(check, IDLE_CLOSE_MS);
      else this.#end();
    };
    this.#idle = setTimeout(check, IDLE_CLOSE_MS);
  }

  /**
   * The turn is over for the session: asks the provider to settle what it heard (Deepgram
   * `Finalize`), waits for its end of turn (at most `settleTimeoutMs`, then the interim
   * text stands and a `provider-timeout` is reported), and returns all the text since the
   * last settle. Resolves '' when nothing was heard.
   */
  async settle(since = -Infinity): Promise<string> {
    if (this.#inTurn && this.#live && !this.#live.done) {
      this.#live.stream.finalize();
      const ms = this.#deps.settleTimeoutMs;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await new Promise<boolean>((resolve) => {
        this.#waiters.push(() => resolve(false));
        if (ms > 0) timer = setTimeout(() => resolve(true), ms);
      });
      clearTimeout(timer);
      if (timedOut) this.#deps.onError(new ProviderError('provider-timeout', this.#deps.stt.label, `no end of turn within ${ms} ms of Finalize; the interim transcript stands`));
    }
    const text = this.text(since);
    this.#ended = [];
    this.#finals = [];
    this.#interim = null;
    return text;
  }

  /** Ends the stream and stops listening for good. */
  close(): void {
    this.#closed = true;
    this.#cancelIdle();
    this.#end();
    this.#ring.length = 0;
    this.#wake();
  }

  #event(live: Live, e: STTStreamEvent): void {
    switch (e.type) {
      case 'start_of_turn':
        this.#inTurn = true;
        break;
      case 'interim':
        this.#inTurn = true;
        this.#interim = new Piece(e.text, e.words, live.baseAt);
        this.#deps.onInterim(this.text());
        break;
      case 'final':
        this.#inTurn = true;
        this.#finals.push(new Piece(e.text, e.words, live.baseAt));
        this.#interim = null;
        this.#deps.onInterim(this.text());
        break;
      case 'eager_end_of_turn':
        this.#deps.onEager?.(join([...this.#ended.map((p) => p.text()), e.text]));
        break;
      case 'turn_resumed':
        this.#deps.onResumed?.();
        break;
      case 'end_of_turn': {
        this.#inTurn = false;
        this.#finals = [];
        this.#interim = null;
        if (e.text.trim()) this.#ended.push(new Piece(e.text, e.words, live.baseAt));
        if (this.#waiters.length > 0) this.#wake();
        else if (e.text.trim()) this.#deps.onEndOfTurn(this.text());
        break;
      }
      case 'utterance_end':
        break;
    }
  }

  #failed(live: Live, error: unknown): void {
    if (this.#live === live) this.#live = null;
    this.#inTurn = false;
    // What was heard stays: the interim text becomes part of the turn.
    this.#ended.push(...this.#finals, ...(this.#interim ? [this.#interim] : []));
    this.#finals = [];
    this.#interim = null;
    if (!this.#closed) this.#deps.onError(error);
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  #end(): void {
    this.#live?.end();
    this.#live = null;
    this.#inTurn = false; // a new stream starts outside any turn
  }

  #cancelIdle(): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
  }
}

/** A piece of transcript, with its words on the session's audio clock when the provider times them. */
class Piece {
  readonly #text: string;
  readonly #words: { text: string; end: number }[] | null;

  constructor(text: string, words: STTWord[], baseAt: number) {
    this.#text = text.trim();
    const timed = words.length > 0 && words.every((w) => w.end !== undefined);
    this.#words = timed ? words.map((w) => ({ text: w.text, end: baseAt + w.end! })) : null;
  }

  text(since = -Infinity): string {
    if (!this.#words || since === -Infinity) return this.#text;
    return this.#words.filter((w) => w.end >= since).map((w) => w.text).join(' ');
  }
}

/** One provider stream: a queue of frames in, events out. */
class Live {
  readonly stream: STTStream;
  done = false;
  /** Audio time (s) of the stream's first sample: word times count from it. */
  baseAt = 0;
  #sent = false;
  readonly #abort = new AbortController();
  readonly #queue: Float32Array[] = [];
  #wake: (() => void) | null = null;
  #ended = false;

  constructor(stt: StreamingSTT, onEvent: (e: STTStreamEvent) => void, onError: (err: unknown) => void) {
    const stream = stt.stream({ audio: this.#frames(), signal: this.#abort.signal });
    this.stream = stream;
    void (async () => {
      try {
        for await (const e of stream) onEvent(e);
      } catch (err) {
        if (!this.#abort.signal.aborted) onError(err);
      } finally {
        this.done = true;
      }
    })();
  }

  send(samples: Float32Array, at: number): void {
    if (this.#ended) return;
    if (!this.#sent) {
      this.#sent = true;
      this.baseAt = at;
    }
    this.#queue.push(samples);
    this.#wake?.();
  }

  /** No more audio: the provider flushes and the events end. Aborted if it takes long. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#wake?.();
    setTimeout(() => this.#abort.abort(), 5000);
  }

  async *#frames(): AsyncGenerator<Float32Array> {
    for (;;) {
      const f = this.#queue.shift();
      if (f) {
        yield f;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = null;
    }
  }
}

const join = (parts: string[]) => parts.map((p) => p.trim()).filter(Boolean).join(' ');
