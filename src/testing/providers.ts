import { ProviderError, type ProviderErrorCode } from '../providers/errors';
import type { ChatItem, LLM, LLMChunk, LLMRequest, STT, STTChunk, STTRequest, TTS, TTSRequest } from '../providers/types';

/**
 * In-page providers that follow a script: they implement the LLM / STT / TTS contracts
 * exactly (async iterables, an AbortSignal that ends the iteration quietly, failures as
 * {@link ProviderError}), so a session can be tested without a server or a network.
 */

/** A scripted failure: thrown as a {@link ProviderError} (`retryable` defaults to the code's usual meaning). */
export interface ScriptedFailure {
  code: ProviderErrorCode;
  /** Default: `scripted <code>`. */
  message?: string;
  status?: number;
  retryable?: boolean;
  retryAfterMs?: number;
}

/** One scripted chat completion. */
export interface ScriptedReply {
  /** Assistant text, streamed in word-sized deltas. */
  text?: string;
  /** Tool calls, yielded after the text. `arguments`: an object (sent as JSON) or raw JSON text. */
  toolCalls?: { name: string; arguments?: unknown; callId?: string }[];
  /** ms before the first chunk. Default 0. */
  delayMs?: number;
  /** ms between chunks. Default 0. */
  chunkDelayMs?: number;
  /** Fail instead (after `failAfterChars` characters of text, default 0). */
  error?: ScriptedFailure;
  failAfterChars?: number;
}

/** One scripted transcription. */
export interface ScriptedTranscript {
  /** The final transcript. Default ''. */
  text?: string;
  /** Interim deltas yielded before the final one. */
  deltas?: string[];
  /** ms before the final transcript. Default 0. */
  delayMs?: number;
  error?: ScriptedFailure;
}

/** One scripted synthesis. */
export interface ScriptedSpeech {
  /** ms before the first chunk. Default 0. */
  delayMs?: number;
  /** Samples at the TTS's `sampleRate` to yield instead of the generated voice. */
  audio?: Float32Array;
  /** Fail instead (after `failAfterMs` of audio was yielded, default 0). */
  error?: ScriptedFailure;
  failAfterMs?: number;
}

/** A script: a list consumed one entry per request, or a function of the request and its index (0-based). */
export type Script<Req, Entry> = readonly Entry[] | ((request: Req, index: number) => Entry);

const RETRYABLE: ReadonlySet<ProviderErrorCode> = new Set(['provider-rate-limited', 'provider-server', 'provider-network']);

function toError(label: string, f: ScriptedFailure): ProviderError {
  return new ProviderError(f.code, label, f.message ?? `scripted ${f.code}`, {
    retryable: f.retryable ?? RETRYABLE.has(f.code),
    ...(f.status !== undefined ? { status: f.status } : {}),
    ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}),
  });
}

function next<Req, Entry>(label: string, script: Script<Req, Entry>, request: Req, index: number): Entry {
  if (typeof script === 'function') return script(request, index);
  const entry = script[index];
  if (entry === undefined) {
    throw new ProviderError('provider-bad-request', label, `the script has ${script.length} entries; request #${index + 1} has none`);
  }
  return entry;
}

/** Resolves after `ms` (0: next macrotask is not awaited), or false at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(t);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const t = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Splits text into deltas of one word plus its following space, as LLM streams do. */
export function wordDeltas(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** A chat model that answers from a script. Records every request (`requests`). */
export class ScriptedLLM implements LLM {
  readonly label: string;
  /** Each request's items (copied) and tool names, in order. */
  readonly requests: { items: ChatItem[]; tools: string[]; toolChoice: LLMRequest['toolChoice'] }[] = [];
  readonly #script: Script<LLMRequest, ScriptedReply>;

  /** `label` default `scripted:llm`. A list that runs out fails the request with `provider-bad-request`. */
  constructor(script: Script<LLMRequest, ScriptedReply>, options: { label?: string } = {}) {
    this.#script = script;
    this.label = options.label ?? 'scripted:llm';
  }

  async *chat(request: LLMRequest): AsyncIterable<LLMChunk> {
    const index = this.requests.length;
    this.requests.push({ items: request.items.map((i) => ({ ...i })), tools: request.tools.map((t) => t.name), toolChoice: request.toolChoice });
    const reply = next(this.label, this.#script, request, index);
    const { signal } = request;
    if (!(await sleep(reply.delayMs ?? 0, signal))) return;
    let sent = 0;
    const failAt = reply.error ? (reply.failAfterChars ?? 0) : Infinity;
    for (const delta of wordDeltas(reply.text ?? '')) {
      if (sent + delta.length > failAt) {
        if (failAt > sent) yield { type: 'text', delta: delta.slice(0, failAt - sent) };
        break;
      }
      yield { type: 'text', delta };
      sent += delta.length;
      if (!(await sleep(reply.chunkDelayMs ?? 0, signal))) return;
    }
    if (reply.error) throw toError(this.label, reply.error);
    let n = 0;
    for (const call of reply.toolCalls ?? []) {
      const args = call.arguments === undefined ? '{}' : typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
      yield { type: 'tool_call', callId: call.callId ?? `call_scripted_${index}_${n++}`, name: call.name, arguments: args };
      if (!(await sleep(reply.chunkDelayMs ?? 0, signal))) return;
    }
  }
}

/** Speech to text from a script. Records each request's audio length (`requests`). */
export class ScriptedSTT implements STT {
  readonly label: string;
  /** Seconds of audio and sample rate of each request, in order. */
  readonly requests: { audioSec: number; sampleRate: number; language: string | undefined }[] = [];
  readonly #script: Script<STTRequest, ScriptedTranscript>;

  /** `label` default `scripted:stt`. A list that runs out fails the request with `provider-bad-request`. */
  constructor(script: Script<STTRequest, ScriptedTranscript>, options: { label?: string } = {}) {
    this.#script = script;
    this.label = options.label ?? 'scripted:stt';
  }

  async *transcribe(request: STTRequest): AsyncIterable<STTChunk> {
    const index = this.requests.length;
    this.requests.push({ audioSec: request.audio.length / request.sampleRate, sampleRate: request.sampleRate, language: request.language });
    const entry = next(this.label, this.#script, request, index);
    if (!(await sleep(entry.delayMs ?? 0, request.signal))) return;
    if (entry.error) throw toError(this.label, entry.error);
    for (const text of entry.deltas ?? []) yield { type: 'delta', text };
    yield { type: 'final', text: entry.text ?? '' };
  }
}

/** Options of {@link ScriptedTTS}. */
export interface ScriptedTTSOptions {
  /** Per-request overrides (delays, failures, audio). Default: none, every request gets the generated voice. */
  script?: Script<TTSRequest, ScriptedSpeech>;
  /** Hz of the yielded samples. Default 24000. */
  sampleRate?: number;
  /**
   * The voice: `'tone'` (default) synthesizes a tone of `msPerChar` ms per character of
   * the text, so how much of a sentence was heard maps to how much audio played; or
   * samples at `sampleRate` (a WAV decoded with `decodeWav`) yielded for every request.
   */
  voice?: 'tone' | Float32Array;
  /** Tone length per character of text, ms. Default 60 (a brisk speaking rate). */
  msPerChar?: number;
  /** Tone frequency, Hz. Default 440. */
  frequencyHz?: number;
  /**
   * Tone peak amplitude, linear. Default 0.1, about a TTS voice's level: far louder output
   * makes the barge-in echo gate take the user's speech for the agent's echo.
   */
  amplitude?: number;
  /** Samples per yielded chunk, ms of audio. Default 100. */
  chunkMs?: number;
  /** Pace: ms to wait between chunks. Default 0 (as fast as possible). */
  chunkDelayMs?: number;
  /** Default `scripted:tts`. */
  label?: string;
}

/**
 * Text to speech that yields real, audible PCM: a tone whose length follows the text (or
 * a supplied voice), so playback, barge-in and heard-text logic run on real audio.
 * Records each request's text (`requests`).
 */
export class ScriptedTTS implements TTS {
  readonly label: string;
  readonly sampleRate: number;
  /** The text of each request, in order. */
  readonly requests: string[] = [];
  readonly #o: ScriptedTTSOptions;

  constructor(options: ScriptedTTSOptions = {}) {
    this.#o = options;
    this.sampleRate = options.sampleRate ?? 24000;
    this.label = options.label ?? 'scripted:tts';
  }

  /** The samples the generated voice yields for `text` (a faded tone, or the supplied voice). */
  voiceFor(text: string): Float32Array {
    const { voice = 'tone', msPerChar = 60, frequencyHz = 440, amplitude = 0.1 } = this.#o;
    if (voice !== 'tone') return voice;
    return tone(this.sampleRate, (text.trim().length * msPerChar) / 1000, frequencyHz, amplitude);
  }

  async *synthesize(request: TTSRequest): AsyncIterable<Float32Array> {
    const index = this.requests.length;
    this.requests.push(request.text);
    const entry: ScriptedSpeech = this.#o.script ? next(this.label, this.#o.script, request, index) : {};
    const { signal } = request;
    if (!(await sleep(entry.delayMs ?? 0, signal))) return;
    const audio = entry.audio ?? this.voiceFor(request.text);
    const failAt = entry.error ? Math.round(((entry.failAfterMs ?? 0) / 1000) * this.sampleRate) : Infinity;
    const chunk = Math.max(1, Math.round(((this.#o.chunkMs ?? 100) / 1000) * this.sampleRate));
    for (let i = 0; i < Math.min(audio.length, failAt); i += chunk) {
      // Copies: the consumer may transfer or keep the buffer.
      yield audio.slice(i, Math.min(i + chunk, audio.length, failAt));
      if (!(await sleep(this.#o.chunkDelayMs ?? 0, signal))) return;
    }
    if (entry.error) throw toError(this.label, entry.error);
  }
}

/** A sine tone with 5 ms raised-cosine fades at both ends (no clicks). */
export function tone(sampleRate: number, durationSec: number, frequencyHz = 440, amplitude = 0.3): Float32Array {
  const n = Math.max(0, Math.round(durationSec * sampleRate));
  const out = new Float32Array(n);
  const fade = Math.min(Math.round(0.005 * sampleRate), n >> 1);
  for (let i = 0; i < n; i++) {
    const edge = Math.min(i, n - 1 - i);
    const env = edge < fade ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / fade) : 1;
    out[i] = amplitude * env * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate);
  }
  return out;
}
