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

export interface LLMRequest {
  items: readonly ChatItem[];
  tools: readonly ToolSpec[];
  signal: AbortSignal;
  /** Default 'auto' when tools are given. */
  toolChoice?: 'auto' | 'none' | 'required';
}

export type LLMChunk =
  | { type: 'text'; delta: string }
  /** A complete tool call (streamed fragments already joined). `arguments` is the raw JSON text. */
  | { type: 'tool_call'; callId: string; name: string; arguments: string }
  | { type: 'usage'; promptTokens: number; completionTokens: number };

/** A chat model that streams text and tool calls. */
export interface LLM {
  /** For metrics and logs, e.g. `openai:gpt-4o-mini`. */
  readonly label: string;
  chat(request: LLMRequest): AsyncIterable<LLMChunk>;
}

export interface STTRequest {
  /** Mono samples at `sampleRate` (16 kHz from the VAD). */
  audio: Float32Array;
  sampleRate: number;
  signal: AbortSignal;
  /** ISO-639-1 hint. */
  language?: string;
}

export type STTChunk = { type: 'delta'; text: string } | { type: 'final'; text: string };

/** Speech to text on one VAD-segmented utterance. Ends with exactly one `final`. */
export interface STT {
  readonly label: string;
  transcribe(request: STTRequest): AsyncIterable<STTChunk>;
}

export interface TTSRequest {
  text: string;
  signal: AbortSignal;
}

/** Text to speech. Yields mono float samples at `sampleRate`, as they arrive. */
export interface TTS {
  readonly label: string;
  /** Hz of the yielded samples (24000 for OpenAI `pcm`). */
  readonly sampleRate: number;
  synthesize(request: TTSRequest): AsyncIterable<Float32Array>;
}

/** How a provider authenticates: a key, or a callback that fetches a short-lived token. */
export interface ProviderAuth {
  /** Sent as `Authorization: Bearer …`. Prefer `getToken` in a page. */
  apiKey?: string;
  /** Called before each request; lets a server hand out short-lived tokens, so no secret lives in the page. */
  getToken?: () => Promise<string>;
}
