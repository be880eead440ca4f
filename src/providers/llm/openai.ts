/**
 * Chat Completions streaming (spec/protocols.md §1). Works against OpenAI and any look-alike
 * that speaks the same SSE: Groq, Ollama, vLLM, llama.cpp, the local provider server.
 */

import { ProviderError } from '../errors';
import { fetchWithRetry, responseMeta } from '../http';
import { readServerSentEvents } from '../sse';
import { frameUrls } from './frames';
import type { ChatItem, LLM, LLMChunk, LLMRequest, ProviderAuth, ToolSpec } from '../types';

export interface OpenAILLMOptions extends ProviderAuth {
  /** Sent as is, e.g. `gpt-4o-mini`, `llama-3.1-8b-instant`. */
  model: string;
  /** Default `https://api.openai.com/v1`. */
  baseURL?: string;
  temperature?: number;
  /** Sent as `max_completion_tokens` (use `extraBody: { max_tokens }` for servers that predate it). */
  maxTokens?: number;
  /** Retries of a failed request before the stream starts. Default 2. */
  maxRetries?: number;
  /** Merged last into the request body; a key set to `undefined` removes a default (e.g. `stream_options`). */
  extraBody?: Record<string, unknown>;
  /**
   * The model takes images (`reply({ frames })`, sent as `image_url` parts). Default true (GPT-4o
   * and later); set false for a text-only model so frames fail before the request.
   */
  vision?: boolean;
  /** `image_url.detail` of every frame: `low` is 85 tokens a picture. Default: not sent (the server's `auto`). */
  imageDetail?: 'auto' | 'low' | 'high';
}

/** One part of a user message's content. */
export type OpenAIContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

/** Chat Completions message, as far as Earshot uses it. */
export type OpenAIMessage =
  | { role: 'system' | 'developer'; content: string }
  | { role: 'user'; content: string | OpenAIContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAIToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/**
 * Earshot items → Chat Completions messages. Consecutive `function_call` items become ONE
 * assistant message with `tool_calls` (joined to the assistant text just before them, which
 * came from the same response), as the API requires before the matching `tool` messages.
 * `images` (URLs, see `frameUrls`) end the list as one user message of `image_url` parts.
 */
export function toOpenAIMessages(items: readonly ChatItem[], images: readonly string[] = [], detail?: OpenAILLMOptions['imageDetail']): OpenAIMessage[] {
  const out: OpenAIMessage[] = [];
  for (const item of items) {
    if (item.type === 'message') {
      out.push(item.role === 'assistant' ? { role: 'assistant', content: item.content } : { role: item.role, content: item.content });
    } else if (item.type === 'function_call') {
      const call: OpenAIToolCall = { id: item.callId, type: 'function', function: { name: item.name, arguments: item.arguments } };
      const last = out.at(-1);
      if (last?.role === 'assistant') (last.tool_calls ??= []).push(call);
      else out.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else {
      out.push({ role: 'tool', tool_call_id: item.callId, content: item.output });
    }
  }
  if (images.length) out.push({ role: 'user', content: images.map((url) => ({ type: 'image_url', image_url: detail ? { url, detail } : { url } })) });
  return out;
}

/** Tool specs → Chat Completions `tools`. */
export function toOpenAITools(tools: readonly ToolSpec[]): unknown[] {
  return tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
}

/** Streams a chat completion: `text` deltas as they arrive, complete `tool_call`s, `usage`. */
export class OpenAILLM implements LLM {
  readonly label: string;
  /** Takes `frames` (option `vision`, default true). */
  readonly vision: boolean;
  private readonly options: OpenAILLMOptions;

  constructor(options: OpenAILLMOptions) {
    this.options = options;
    this.label = `openai:${options.model}`;
    this.vision = options.vision ?? true;
  }

  /**
   * @throws ProviderError: HTTP failures as mapped by fetchWithRetry; `provider-server` for an
   *   error event in the stream; `provider-protocol` when the stream ends early (after the
   *   partial text was yielded) or carries invalid JSON; ConfigError (before any request) for
   *   frames that are not pictures (see `frameUrls`). An abort ends the iteration quietly.
   */
  async *chat(request: LLMRequest): AsyncGenerator<LLMChunk, void, undefined> {
    const { signal } = request;
    const o = this.options;
    const images = await frameUrls(request.frames, this.label);
    if (signal.aborted) return;
    const body: Record<string, unknown> = {
      model: o.model,
      messages: toOpenAIMessages(request.items, images, o.imageDetail),
      stream: true,
      stream_options: { include_usage: true },
    };
    if (request.tools.length > 0) {
      body.tools = toOpenAITools(request.tools);
      body.tool_choice = request.toolChoice ?? 'auto';
    }
    if (o.temperature !== undefined) body.temperature = o.temperature;
    if (o.maxTokens !== undefined) body.max_completion_tokens = o.maxTokens;
    Object.assign(body, o.extraBody);

    const calls = new Map<number, { id: string; name: string; args: string }>();
    let finished = false;
    let callsYielded = false;
    const flushCalls = function* (): Generator<LLMChunk> {
      if (callsYielded) return;
      callsYielded = true;
      for (const [index, c] of [...calls].sort((a, b) => a[0] - b[0])) {
        yield { type: 'tool_call', callId: c.id || `call_${index}`, name: c.name, arguments: c.args };
      }
    };

    try {
      const response = await fetchWithRetry({
        provider: this.label,
        url: `${(o.baseURL ?? 'https://api.openai.com/v1').replace(/\/+$/, '')}/chat/completions`,
        init: { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(body) },
        signal,
        auth: o,
        ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
      });
      request.meta = responseMeta(response, o.model);
      for await (const ev of readServerSentEvents(response, signal)) {
        if (ev.data === '[DONE]') {
          finished = true;
          break; // anything after [DONE] is ignored
        }
        const json = this.parse(ev.data, response);
        if (ev.event === 'error' || json.error !== undefined) throw this.streamError(json.error ?? json, response);
        // The model that served (e.g. a dated snapshot of the one asked for), from the first chunk that names it.
        if (typeof json.model === 'string' && json.model && request.meta.model === o.model) request.meta = { ...request.meta, model: json.model };
        for (const choice of json.choices ?? []) {
          if ((choice.index ?? 0) !== 0) continue; // we never ask for n > 1
          const delta = choice.delta ?? {};
          if (typeof delta.content === 'string' && delta.content !== '') yield { type: 'text', delta: delta.content };
          // A refusal is what the model has to say; speak it like text.
          if (typeof delta.refusal === 'string' && delta.refusal !== '') yield { type: 'text', delta: delta.refusal };
          delta.tool_calls?.forEach((tc, i) => {
            const index = tc.index ?? i; // some look-alikes omit index on single calls
            const c = calls.get(index) ?? { id: '', name: '', args: '' };
            if (tc.id) c.id = tc.id;
            if (tc.function?.name && !c.name) c.name = tc.function.name; // only the first fragment names it
            if (typeof tc.function?.arguments === 'string') c.args += tc.function.arguments;
            calls.set(index, c);
          });
          if (choice.finish_reason) {
            finished = true;
            yield* flushCalls(); // complete now; the usage chunk may follow
            yield { type: 'finish' }; // the turn speaks its last sentence now, not at the stream's end
          }
        }
        if (json.usage) yield { type: 'usage', promptTokens: json.usage.prompt_tokens ?? 0, completionTokens: json.usage.completion_tokens ?? 0 };
      }
    } catch (err) {
      if (signal.aborted) return; // barge-in or teardown: a quiet end, not an error
      if (err instanceof ProviderError) throw err;
      // The body failed after a 200 (connection dropped): nothing is retried once streaming.
      throw new ProviderError('provider-protocol', this.label, `stream ended early: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (signal.aborted) return;
    if (!finished) throw new ProviderError('provider-protocol', this.label, 'stream ended early (no finish_reason or [DONE])');
    yield* flushCalls();
  }

  private parse(data: string, response: Response): StreamChunk {
    try {
      const v: unknown = JSON.parse(data);
      if (typeof v === 'object' && v !== null) return v as StreamChunk;
    } catch {
      // fall through
    }
    throw new ProviderError('provider-protocol', this.label, `invalid JSON in stream: ${data.slice(0, 80)}`, requestIdOf(response));
  }

  private streamError(error: unknown, response: Response): ProviderError {
    const e = (typeof error === 'object' && error !== null ? error : {}) as { message?: unknown; code?: unknown };
    const message = typeof e.message === 'string' ? e.message : 'error event in stream';
    return new ProviderError('provider-server', this.label, `error in stream: ${message}`, { retryable: false, ...requestIdOf(response) });
  }
}

function requestIdOf(response: Response): { requestId?: string } {
  const id = response.headers.get('x-request-id');
  return id ? { requestId: id } : {};
}

/** The parts of a `chat.completion.chunk` read here; every field is optional on purpose. */
interface StreamChunk {
  error?: unknown;
  model?: string;
  choices?: {
    index?: number;
    delta?: {
      content?: string | null;
      refusal?: string | null;
      tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[];
    };
    finish_reason?: string | null;
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}
