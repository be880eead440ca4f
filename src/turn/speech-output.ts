import type { Mixer, MixerStream, PlaybackEnd } from '../audio/mixer';
import { isAbortError } from '../providers/errors';
import { withTimeouts } from '../providers/timeout';
import type { RequestMeta, TTS } from '../providers/types';
import { servedBy } from './text-queue';

/** What was said, and how much of it the listener actually heard. */
export interface SpeechResult {
  /** Every segment's text, joined. */
  fullText: string;
  /** The text up to the last sample rendered, cut back to a word boundary. */
  heardText: string;
  /** Per tag (e.g. a chat message id): heard text of the segments carrying that tag. */
  heardByTag: Map<string, string>;
  /** Stopped by `stop()` before playing out. */
  interrupted: boolean;
  /** A segment's audio broke off or never came (TTS failure): `heardText` is short of `fullText`. */
  cut: boolean;
  playback: PlaybackEnd;
}

/** How {@link Speech} paces and limits the TTS. */
export interface SpeechOptions {
  /** Seconds of audio synthesized ahead of playback before synthesis waits. */
  leadSec: number;
  /** ms to the first audio of each TTS request (0: no limit). */
  firstByteMs: number;
  /** ms between audio chunks (0: no limit). */
  stallMs: number;
}

/** Segments in a row whose TTS failed before the speech gives up on the rest (it ends cleanly). */
const MAX_FAILED_SEGMENTS = 2;
/**
 * Characters per second of speech, to place a broken-off segment's audio in its text (the
 * TTS never said how long the whole segment would have been) until the voice's own rate is
 * known. About 165 words a minute.
 */
const CHARS_PER_SEC = 15;

interface Segment {
  text: string;
  tag: string;
  /** Source-rate sample range in the stream, known once synthesized. */
  start: number;
  end: number;
  /** Where the segment's sound begins and ends inside that range (TTS pads with silence). */
  soundStart: number;
  soundEnd: number;
  /** Its TTS failed or it was stopped while synthesized: the audio in [start, end) is all there is, maybe nothing. */
  cut: boolean;
  /** Resolves when this segment has played (or the speech stopped). */
  played: Promise<void>;
  markPlayed: () => void;
}

/** `pieces`: the text streams in (a socket TTS's `stream()`); the segment's text grows as it is read. */
type Job = { segment: Segment; audio?: { samples: Float32Array; sampleRate: number }; pieces?: AsyncIterable<string> };

/**
 * One utterance's audio: text segments synthesized in order into one voice-bus stream.
 * Segments can be added while earlier ones play (LLM text as it streams, a tool's
 * `say()`), so nothing waits on a lock held for a whole turn. The rendered-sample count
 * from the mixer tells exactly which text the listener heard.
 */
export class Speech {
  readonly #tts: TTS;
  readonly #stream: MixerStream;
  readonly #contextRate: number;
  readonly #signal: AbortSignal;
  readonly #onFirstAudio: (servedBy: string, request: { meta?: RequestMeta } | null) => void;
  readonly #onSynthesisStart: () => void;
  #synthesisStarted = false;
  readonly #onError: (err: unknown) => void;
  readonly #options: SpeechOptions;
  #failures = 0;
  readonly #segments: Segment[] = [];
  readonly #jobs: Job[] = [];
  #wake: (() => void) | null = null;
  #pushed = 0;
  #ended = false;
  #stopped = false;
  #firstAudio = false;
  readonly result: Promise<SpeechResult>;

  /** Made by a turn. (Not tagged internal: a stripped constructor would read as a public no-argument one.) */
  constructor(
    mixer: Mixer,
    tts: TTS,
    signal: AbortSignal,
    handlers: { onSynthesisStart: () => void; onFirstAudio: (servedBy: string, request: { meta?: RequestMeta } | null) => void; onError: (err: unknown) => void },
    options: SpeechOptions = { leadSec: 10, firstByteMs: 0, stallMs: 0 },
  ) {
    this.#tts = tts;
    this.#options = options;
    this.#stream = mixer.createStream(tts.sampleRate, 'voice');
    this.#contextRate = mixer.contextRate;
    this.#signal = signal;
    this.#onFirstAudio = handlers.onFirstAudio;
    this.#onSynthesisStart = handlers.onSynthesisStart;
    this.#onError = handlers.onError;
    this.result = this.#run();
  }

  /** Resolves with the context frame of the first sample heard; -1 if none was. */
  get started(): Promise<number> {
    return this.#stream.started;
  }

  /** Queues text to synthesize; resolves when that text has played (or the speech stopped). */
  say(text: string, tag = ''): Promise<void> {
    return this.#enqueue(text, tag);
  }

  /**
   * Queues text that streams in (`pieces`, ended by the producer) as one segment: with a TTS
   * that has `stream()`, spoken as one context while it arrives; else sentence by sentence is
   * the caller's business (use {@link say}).
   */
  sayStream(pieces: AsyncIterable<string>, tag = ''): Promise<void> {
    return this.#enqueue('', tag, undefined, pieces);
  }

  /** Queues pre-recorded audio (any rate) that stands for `text`. */
  play(samples: Float32Array, sampleRate: number, text: string, tag = ''): Promise<void> {
    return this.#enqueue(text, tag, { samples, sampleRate });
  }

  /** No more segments: the speech plays what it has, then ends. */
  end(): void {
    this.#ended = true;
    this.#wake?.();
    // The request in flight is the last: its provider ends the stream once the audio is delivered.
    if (!this.#jobs.length) this.#piped?.end?.();
  }

  /** Stops now: the voice bus fades out (≤ 5 ms) and `result` reports what was heard. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#ended = true;
    this.#jobs.length = 0;
    this.#wake?.();
    this.#stream.stop();
  }

  #enqueue(text: string, tag: string, audio?: Job['audio'], pieces?: AsyncIterable<string>): Promise<void> {
    let markPlayed!: () => void;
    const played = new Promise<void>((r) => (markPlayed = r));
    const segment: Segment = { text: text.trim(), tag, start: -1, end: -1, soundStart: -1, soundEnd: -1, cut: false, played, markPlayed };
    if (this.#stopped || this.#ended) {
      markPlayed();
      return played;
    }
    this.#segments.push(segment);
    this.#jobs.push({ segment, ...(audio ? { audio } : {}), ...(pieces ? { pieces } : {}) });
    this.#wake?.();
    return played;
  }

  async #run(): Promise<SpeechResult> {
    try {
      for (;;) {
        const job = this.#jobs.shift();
        if (!job) {
          if (this.#ended) break;
          await new Promise<void>((r) => (this.#wake = r));
          this.#wake = null;
          continue;
        }
        await this.#synthesize(job);
      }
    } catch (err) {
      // Not a TTS failure (those are handled per segment): a bug; stop rather than hang.
      if (!isAbortError(err) && !this.#signal.aborted) this.#onError(err);
      this.#stream.stop();
    } finally {
      // Audio a provider delivered itself (from its worker) ends the same way, after it.
      if (this.#delivered?.end) this.#delivered.end();
      else this.#stream.end();
    }
    const playback = await this.#stream.ended;
    return this.#account(playback);
  }

  async #synthesize(job: Job): Promise<void> {
    const seg = job.segment;
    seg.start = this.#pushed;
    this.#segment = seg;
    if (job.audio) {
      this.#push(job.audio.samples, job.audio.sampleRate);
    } else if (seg.text || (job.pieces && this.#tts.stream)) {
      if (!this.#synthesisStarted) {
        this.#synthesisStarted = true;
        this.#onSynthesisStart();
      }
      await this.#keepLead();
      const { firstByteMs, stallMs } = this.#options;
      const tts = this.#tts;
      const pieces = job.pieces && tts.stream ? grow(seg, job.pieces) : null;
      // The provider delivers to the mixer itself (off the main thread): its chunks are for accounting.
      const to = pieces ? tts.streamTo : tts.synthesizeTo;
      // Streamed text: the first audio waits for the LLM's text too, which has its own limits
      // (and the provider times its first audio from the end of the text).
      const open = (signal: AbortSignal) => {
        const request: { text: string | AsyncIterable<string>; signal: AbortSignal; meta?: RequestMeta } = { text: pieces ?? seg.text, signal };
        this.#request = request;
        if (!to) return pieces ? tts.stream!(request as { text: AsyncIterable<string>; signal: AbortSignal }) : tts.synthesize(request as { text: string; signal: AbortSignal });
        const piped = (this.#piped = this.#delivered = to.call(tts, request as never, this.#stream));
        if (this.#ended && !this.#jobs.length) piped.end?.();
        return piped;
      };
      const audio = withTimeouts(open, this.#signal, { provider: tts.label, what: 'audio', firstMs: pieces ? 0 : firstByteMs, stallMs });
      try {
        for await (const chunk of audio) {
          if (this.#stopped) break;
          this.#push(chunk, undefined, to);
          await this.#keepLead();
          if (this.#stopped) break;
        }
        this.#failures = 0;
      } catch (err) {
        if (isAbortError(err) || this.#signal.aborted || this.#stopped) return this.#close(seg);
        // Keep what arrived, say what broke, and go on with the next sentence.
        seg.cut = true;
        this.#onError(err);
        if (++this.#failures >= MAX_FAILED_SEGMENTS) this.#giveUp();
      }
    }
    this.#close(seg);
  }

  #close(seg: Segment): void {
    this.#piped = null;
    // Stopped while it was synthesized: its text may run ahead of the audio that came (a socket
    // TTS is sent text before it voices it), so what was heard is placed at the speaking rate.
    seg.cut ||= this.#stopped;
    seg.end = this.#pushed;
    if (!seg.cut && seg.soundStart >= 0) {
      this.#chars += seg.text.length;
      this.#sound += seg.soundEnd - seg.soundStart;
    }
    // When this segment's last sample will have played, resolve its promise.
    const endFrame = (seg.end * this.#contextRate) / this.#tts.sampleRate;
    void this.#stream.waitForRendered(endFrame).then(seg.markPlayed);
  }

  /** The TTS keeps failing: later segments are not requested; the speech plays what it has. */
  #giveUp(): void {
    for (const job of this.#jobs.splice(0)) job.segment.cut = true;
    this.#ended = true;
  }

  /** Waits while more than `leadSec` of audio is queued ahead of playback. */
  async #keepLead(): Promise<void> {
    const leadSamples = this.#options.leadSec * this.#tts.sampleRate;
    const ahead = this.#pushed - leadSamples;
    if (ahead <= 0 || this.#stopped) return;
    await this.#stream.waitForRendered((ahead * this.#contextRate) / this.#tts.sampleRate);
  }

  #segment: Segment | null = null;
  /** Characters and source samples of sound of the segments synthesized whole: the voice's speaking rate. */
  #chars = 0;
  #sound = 0;
  /** The request in flight, when its provider delivers to the mixer itself. */
  #piped: { end?(): void } | null = null;
  /** The last such request: the stream's end goes its way. */
  #delivered: { end?(): void } | null = null;
  /** The request being synthesized (to tell which member of a fallback chain served it). */
  #request: { meta?: RequestMeta } | null = null;

  /**
   * Sends samples at `rate` (default the TTS's) to the mixer, which resamples them (unless the
   * provider `delivered` them itself). Positions
   * (`#pushed`, segment bounds) count in TTS-rate samples, fractional for audio at another rate.
   */
  #push(samples: Float32Array, rate = this.#tts.sampleRate, delivered?: unknown): void {
    if (samples.length === 0 || this.#stopped) return;
    const seg = this.#segment;
    const scale = this.#tts.sampleRate / rate;
    if (seg) {
      for (let i = 0; i < samples.length; i++) {
        if (Math.abs(samples[i]!) < SOUND_FLOOR) continue;
        if (seg.soundStart < 0) seg.soundStart = this.#pushed + i * scale;
        seg.soundEnd = this.#pushed + (i + 1) * scale;
      }
    }
    if (!this.#firstAudio) {
      this.#firstAudio = true;
      this.#onFirstAudio(servedBy(this.#tts, this.#request), this.#request);
    }
    this.#pushed += samples.length * scale;
    if (!delivered) this.#stream.push(samples, rate);
  }

  #account(playback: PlaybackEnd): SpeechResult {
    const heardSource = (playback.renderedSamples * this.#tts.sampleRate) / this.#contextRate;
    const heardByTag = new Map<string, string>();
    const heard: string[] = [];
    const full: string[] = [];
    // This voice's own speaking rate once 1 s of it came whole (voices differ by half or more).
    const rate = this.#tts.sampleRate;
    const charsPerSec = this.#sound >= rate ? (this.#chars * rate) / this.#sound : CHARS_PER_SEC;
    for (const seg of this.#segments) {
      seg.markPlayed();
      full.push(seg.text);
      let part = '';
      if (seg.cut) {
        // Only the audio that came, placed in the text at an even speaking rate.
        if (seg.end > seg.start && seg.start >= 0) {
          const from = seg.soundStart >= 0 ? seg.soundStart : seg.start;
          const heardSec = (Math.min(heardSource, seg.end) - from) / this.#tts.sampleRate;
          part = cutAtWord(seg.text, Math.min(heardSec / (seg.text.length / charsPerSec), 0.999));
        }
      } else if (seg.start >= 0 && seg.end > seg.start) {
        // Words spread over the sounding part: the TTS's leading and trailing silence holds none.
        const from = seg.soundStart >= 0 ? seg.soundStart : seg.start;
        const to = seg.soundEnd > from ? seg.soundEnd : seg.end;
        if (heardSource >= to) part = seg.text;
        else if (heardSource > from) part = cutAtWord(seg.text, (heardSource - from) / (to - from));
      } else if (seg.start >= 0 && seg.end === seg.start && heardSource >= seg.start && playback.reason === 'done') part = seg.text;
      if (part) {
        heard.push(part);
        heardByTag.set(seg.tag, [heardByTag.get(seg.tag), part].filter(Boolean).join(' '));
      }
    }
    const cut = this.#segments.some((seg) => seg.cut);
    return { fullText: full.filter(Boolean).join(' '), heardText: heard.join(' '), heardByTag, interrupted: this.#stopped || playback.reason !== 'done', cut, playback };
  }
}

/** Reads `pieces` into `seg.text` as the TTS consumes them. */
async function* grow(seg: Segment, pieces: AsyncIterable<string>): AsyncIterable<string> {
  for await (const piece of pieces) {
    seg.text += piece;
    yield piece;
  }
  seg.text = seg.text.trim();
}

/** Below this a TTS sample counts as silence when locating a segment's sound. */
const SOUND_FLOOR = 0.01;

/** The words fully heard when `fraction` of the text's audio has played (speech rate taken as even). */
export function cutAtWord(text: string, fraction: number): string {
  if (fraction >= 1) return text;
  if (fraction <= 0) return '';
  const at = Math.round(text.length * fraction);
  // Keep a word if the cut falls in its second half: ±1 word either way.
  const words = [...text.matchAll(/\S+/g)];
  let out = '';
  for (const w of words) {
    const mid = w.index + w[0].length / 2;
    if (mid <= at) out = text.slice(0, w.index + w[0].length);
    else break;
  }
  return out.trim();
}
