import type { MixerStream } from '../audio/mixer';
import type { StreamingInputFactory } from '../session/streaming';

/**
 * The provider contract. Every stage is a small interface over async iterables, takes
 * an AbortSignal (an aborted turn ends the iteration quietly: it is not an error), and
 * fails with a {@link ProviderError}.
 */

/** One item of the conversation, in Earshot's own shape (providers convert it). */
export type ChatItem =
  | {
      type: 'message';
      id: string;
      role: 'system' | 'developer' | 'user' | 'assistant';
      content: string;
      /** The assistant message was cut by a barge-in; `content` is what was heard. */
      interrupted?: boolean;
      /** Epoch ms. */
      createdAt: number;
    }
  | { type: 'function_call'; id: string; callId: string; name: string; arguments: string; createdAt: number }
  | { type: 'function_call_output'; id: string; callId: string; name: string; output: string; isError: boolean; createdAt: number };

/** A JSON Schema object, as sent to the LLM. */
export type JsonSchema = Record<string, unknown>;

/** A tool as the LLM sees it. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: JsonSchema;
}

/**
 * A picture for a vision-capable LLM (`reply(instructions, { frames })`): an image file
 * (`Blob`: JPEG, PNG, GIF or WebP, sent as it is), something to draw one frame from
 * (`ImageBitmap`, `VideoFrame`, a `<video>` with a frame, a `<canvas>`, an `OffscreenCanvas`:
 * grabbed when the request is made), or a `data:image/…;base64,` or https URL.
 */
export type VisionFrame = Blob | ImageBitmap | VideoFrame | HTMLVideoElement | HTMLCanvasElement | OffscreenCanvas | string;

/**
 * What a provider tells of the request it served (for the per-turn report): it sets
 * `request.meta` once the response began, before its first chunk.
 */
export interface RequestMeta {
  /** The server's id for the request (`x-request-id`, Anthropic's `request-id`). */
  requestId?: string;
  /** The model that served it, as the response names it (else as asked). */
  model?: string;
}

export interface LLMRequest {
  items: readonly ChatItem[];
  /** Set by the provider (see {@link RequestMeta}). */
  meta?: RequestMeta;
  /**
   * Pictures for this request only (never stored in the history), shown to the model after
   * the items as the user's. Only given to an LLM whose `vision` is true.
   */
  frames?: readonly VisionFrame[];
  tools: readonly ToolSpec[];
  signal: AbortSignal;
  /** Default 'auto' when tools are given. */
  toolChoice?: 'auto' | 'none' | 'required';
}

export type LLMChunk =
  | { type: 'text'; delta: string }
  /** A complete tool call (streamed fragments already joined). `arguments` is the raw JSON text. */
  | { type: 'tool_call'; callId: string; name: string; arguments: string }
  | { type: 'usage'; promptTokens: number; completionTokens: number }
  /** The model is done (OpenAI `finish_reason`, Anthropic `stop_reason`); usage and the stream's end may follow. */
  | { type: 'finish' };

/** A chat model that streams text and tool calls. */
export interface LLM {
  /** For metrics and logs, e.g. `openai:gpt-4o-mini`. */
  readonly label: string;
  /**
   * Takes pictures (`LLMRequest.frames`). Without it `reply({ frames })` throws a ConfigError
   * before any request: frames are never dropped silently.
   */
  readonly vision?: boolean;
  chat(request: LLMRequest): AsyncIterable<LLMChunk>;
}

export interface STTRequest {
  /** Mono samples at `sampleRate` (16 kHz from the VAD). */
  audio: Float32Array;
  sampleRate: number;
  signal: AbortSignal;
  /** ISO-639-1 hint. */
  language?: string;
  /** Set by the provider (see {@link RequestMeta}). */
  meta?: RequestMeta;
}

export type STTChunk = { type: 'delta'; text: string } | { type: 'final'; text: string };

/** Speech to text on one VAD-segmented utterance. Ends with exactly one `final`. */
export interface STT {
  readonly label: string;
  transcribe(request: STTRequest): AsyncIterable<STTChunk>;
}

/** One recognized word. Times are seconds from the first sample of the stream's `audio`. */
export interface STTWord {
  /** As displayed: punctuated and cased when the provider formats (`smart_format`). */
  text: string;
  /** Seconds; absent when the provider gives no word timings (Deepgram Flux). */
  start?: number;
  end?: number;
  /** 0–1. */
  confidence?: number;
}

export interface STTStreamRequest {
  /**
   * Mono frames at the provider's `sampleRate`, from speech onset (pre-roll included). Ending
   * the iterable ends the stream: the provider flushes what it heard, then the events end.
   */
  audio: AsyncIterable<Float32Array>;
  /** Aborting ends the events quietly and closes the connection. */
  signal: AbortSignal;
  /** ISO-639-1 hint. */
  language?: string;
}

/**
 * What a streaming STT reports, uniform across providers. A turn runs `start_of_turn` →
 * `interim`… (→ `eager_end_of_turn` → `turn_resumed`…) → `end_of_turn`; `turn` counts turns
 * from 0 for the stream's life. `text` of `interim`, `eager_end_of_turn` and `end_of_turn`
 * is the whole turn so far (replace, never append); `final` is one settled segment of it.
 */
export type STTStreamEvent =
  /** The provider heard speech begin (Flux `StartOfTurn`; Deepgram `SpeechStarted` or a first word). */
  | { type: 'start_of_turn'; turn: number }
  /** Provisional transcript of the turn; later events may revise it. */
  | { type: 'interim'; turn: number; text: string; words: STTWord[] }
  /** A segment the provider will not revise (Deepgram `is_final`); its text is part of the turn. */
  | { type: 'final'; turn: number; text: string; words: STTWord[] }
  /** Probably the end of the turn (Flux `EagerEndOfTurn`): a reply may be prepared, not yet committed. */
  | { type: 'eager_end_of_turn'; turn: number; text: string; words: STTWord[] }
  /** Speech went on after `eager_end_of_turn` (Flux `TurnResumed`): drop what was prepared. */
  | { type: 'turn_resumed'; turn: number }
  /**
   * The turn is over; `text` is its whole transcript. `reason`: the provider's endpointing
   * (`speech_final`, Flux `EndOfTurn`), `utterance_end` (a word gap without an endpoint),
   * `finalize` (after {@link STTStream.finalize}), `stream_end` (the audio ended mid-turn).
   */
  | { type: 'end_of_turn'; turn: number; text: string; words: STTWord[]; reason: 'endpoint' | 'utterance_end' | 'finalize' | 'stream_end' }
  /** A gap of `utterance_end_ms` after the last word (Deepgram `UtteranceEnd`); a hint, may come after `end_of_turn`. */
  | { type: 'utterance_end'; lastWordEnd: number | undefined };

/** The events of one stream, plus a way to settle the turn early. */
export interface STTStream extends AsyncIterable<STTStreamEvent> {
  /**
   * Asks the provider to settle what it has heard now (Deepgram `Finalize`), e.g. when the local
   * VAD ends the turn before the provider's endpointing does; the turn then ends with reason
   * `finalize`. No-op where the provider has no such message (Flux decides turns itself).
   */
  finalize(): void;
}

/** Speech to text over a live connection: audio goes up while transcripts come back. */
export interface StreamingSTT {
  readonly label: string;
  /**
   * How an AgentSession listens with this STT: `streamingUserInput` from `earshot/streaming`
   * (Earshot's providers set it). It is carried here so the core stays small for apps with
   * a batch STT, and no import has to be remembered for a side effect.
   */
  readonly userInput?: StreamingInputFactory;
  /** Hz of the `audio` frames it takes. */
  readonly sampleRate: number;
  /** Opens the connection when iterated. Faults end the iteration with a `ProviderError`. */
  stream(request: STTStreamRequest): STTStream;
}

export interface TTSRequest {
  text: string;
  signal: AbortSignal;
  /** Set by the provider (see {@link RequestMeta}). */
  meta?: RequestMeta;
}

/** One utterance whose text arrives in pieces (LLM deltas), for {@link TTS.stream}. */
export interface TTSStreamRequest {
  /** The utterance's text, in pieces of any size (not split at words); the utterance ends when it ends. */
  text: AsyncIterable<string>;
  /** Aborting cancels the utterance on the provider and ends the audio quietly. */
  signal: AbortSignal;  /** Set by the provider (see {@link RequestMeta}). */
  meta?: RequestMeta;
}

/** Text to speech. Yields mono float samples at `sampleRate`, as they arrive. */
export interface TTS {
  readonly label: string;
  /** Hz of the yielded samples (24000 for OpenAI `pcm`). */
  readonly sampleRate: number;
  /** The voice it speaks with (e.g. `alloy`, an ElevenLabs voice id), where it has one: part of `TTSAudioCache`'s key. */
  readonly voice?: string;
  synthesize(request: TTSRequest): AsyncIterable<Float32Array>;
  /**
   * Optional: one utterance whose text streams in as it is generated (a socket provider's
   * input streaming), spoken as one context so prosody carries across sentences. Audio may
   * start before the text ends. Providers without it are driven per sentence by `synthesize`.
   */
  stream?(request: TTSStreamRequest): AsyncIterable<Float32Array>;
  /**
   * Optional: like `synthesize`, but the provider delivers the audio to `stream` itself, from
   * a worker where it can, so a busy main thread cannot starve playback. Yields the same
   * samples (already on their way) for accounting; `end()` on the result: no audio follows
   * this request, so the stream ends as soon as its audio is delivered (also when called after
   * the request is done: the session ends such a stream this way, never on its own port).
   */
  synthesizeTo?(request: TTSRequest, stream: MixerStream): AsyncIterable<Float32Array> & { end?(): void };
  /** Optional: `stream`, delivered to `stream` by the provider itself as `synthesizeTo` does. */
  streamTo?(request: TTSStreamRequest, stream: MixerStream): AsyncIterable<Float32Array> & { end?(): void };
  /**
   * Optional: the session's mixer exists (called at start). A provider that delivers to the
   * mixer itself gets ready now, e.g. loads its worker, so the first answer does not wait.
   */
  prepare?(mixer: MixerStream['mixer']): void;
}

/** How a provider authenticates: a key, or a callback that fetches a short-lived token. */
export interface ProviderAuth {
  /** Sent as `Authorization: Bearer …`. Prefer `getToken` in a page. */
  apiKey?: string;
  /** Called before each request; lets a server hand out short-lived tokens, so no secret lives in the page. */
  getToken?: () => Promise<string>;
}
