/**
 * Anthropic Messages streaming (spec/protocols.md §7), straight from the page: the request
 * opts in with `anthropic-dangerous-direct-browser-access: true`, without which the API sends
 * no CORS headers. Works against any server speaking the same SSE (a proxy, the local
 * provider server).
 */

import { ProviderError, type ProviderErrorCode } from '../errors';
import { fetchWithRetry, responseMeta } from '../http';
import { readServerSentEvents } from '../sse';
import type { LLM, LLMChunk, LLMRequest, ProviderAuth } from '../types';
import { toAnthropicMessages, toAnthropicToolChoice, toAnthropicTools } from './anthropic-format';
import { frameUrls } from './frames';

export interface AnthropicLLMOptions extends ProviderAuth {
  /** Sent as is, e.g. `claude-sonnet-4-5`, `claude-haiku-4-5`. */
  model: string;
  /**
   * `apiKey` goes in `x-api-key` (a key in a page is readable by anyone who opens it: prefer
   * a proxy as `baseURL`); `getToken`'s token goes as `Authorization: Bearer …`.
   */
  apiKey?: string;
  /** Default `https://api.anthropic.com/v1` (the request goes to `${baseURL}/messages`). */
  baseURL?: string;
  /** `max_tokens`, which the API requires. Default 1024 (a spoken answer is short). */
  maxTokens?: number;
  temperature?: number;
  /** Sent as `anthropic-version`. Default `2023-06-01`. */
  version?: string;
  /** Beta flags, sent as `anthropic-beta` (comma-joined). */
  betas?: readonly string[];
  /** Retries of a failed request before the stream starts (429, 529 overloaded, 5xx, network). Default 2. */
  maxRetries?: number;
  /** The model takes images (`reply({ frames })`, sent as `image` blocks). Default true (every Claude 3+ model). */
  vision?: boolean;
  /** Merged last into the request body; a key set to `undefined` removes a default. */
  extraBody?: Record<string, unknown>;
}

/** Anthropic's error `type` (HTTP body or `event: error`) → Earshot's code, and whether a retry may help. */
const ERROR_TYPES: Record<string, [ProviderErrorCode, boolean]> = {
  overloaded_error: ['provider-server', true],
  api_error: ['provider-server', true],
  timeout_error: ['provider-server', true],
  rate_limit_error: ['provider-rate-limited', true],
  authentication_error: ['provider-auth', false],
  permission_error: ['provider-auth', false],
  billing_error: ['provider-quota', false],
  invalid_request_error: ['provider-bad-request', false],
  not_found_error: ['provider-bad-request', false],
  request_too_large: ['provider-bad-request', false],
};

/**
 * Streams a Claude answer: `text` deltas as they arrive, each `tool_use` block as a complete
 * `tool_call` once its input JSON is whole, `usage` at the end. Thinking blocks and event or
 * block types it does not know are skipped. Time limits: the session applies
 * `timeouts.llmFirstTokenMs` / `llmStallMs` around every call (as for any LLM); in a
 * FallbackLLM, `firstChunkMs` also bounds each attempt.
 */
export class AnthropicLLM implements LLM {
  readonly label: string;
  /** Takes `frames` (option `vision`, default true). */
  readonly vision: boolean;
  private readonly options: AnthropicLLMOptions;

  constructor(options: AnthropicLLMOptions) {
    this.options = options;
    this.label = `anthropic:${options.model}`;
    this.vision = options.vision ?? true;
  }

  /**
   * @throws ProviderError: HTTP failures as mapped by fetchWithRetry (429 `rate_limit_error` →
   *   `provider-rate-limited`, 529 `overloaded_error` → `provider-server`, both retried first);
   *   an `error` event by its type (`overloaded_error` → `provider-server`, retryable, not
   *   retried here: output may already have been yielded); `provider-protocol` when the stream
   *   ends before `message_stop` or carries invalid JSON. An abort ends the iteration quietly.
   */
  async *chat(request: LLMRequest): AsyncGenerator<LLMChunk, void, undefined> {
    const { signal } = request;
    const o = this.options;
    const withTools = request.tools.length > 0;
    const images = await frameUrls(request.frames, this.label);
    if (signal.aborted) return;
    const { system, messages } = toAnthropicMessages(request.items, withTools, images);
    const body: Record<string, unknown> = { model: o.model, max_tokens: o.maxTokens ?? 1024, messages, stream: true };
    if (system) body.system = system;
    if (withTools) {
      body.tools = toAnthropicTools(request.tools);
      body.tool_choice = toAnthropicToolChoice(request.toolChoice);
    }
    if (o.temperature !== undefined) body.temperature = o.temperature;
    Object.assign(body, o.extraBody);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'anthropic-version': o.version ?? '2023-06-01',
      'anthropic-dangerous-direct-browser-access': 'true',
    };
    if (o.betas?.length) headers['anthropic-beta'] = o.betas.join(',');

    // Open blocks by index: tool input JSON is joined here and parsed when the block stops.
    const tools = new Map<number, { id: string; name: string; json: string }>();
    let promptTokens = 0;
    let completionTokens = 0;
    let finished = false;
    let requestId: string | undefined;
    try {
      const response = await fetchWithRetry({
        provider: this.label,
        url: `${(o.baseURL ?? 'https://api.anthropic.com/v1').replace(/\/+$/, '')}/messages`,
        init: { method: 'POST', headers, body: JSON.stringify(body) },
        signal,
        auth: o.getToken ? { getToken: o.getToken } : o.apiKey !== undefined ? { apiKey: o.apiKey } : {},
        apiKeyHeader: 'x-api-key',
        ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
      });
      requestId = response.headers.get('request-id') ?? response.headers.get('x-request-id') ?? undefined;
      request.meta = responseMeta(response, o.model);
      for await (const ev of readServerSentEvents(response, signal)) {
        const data = ev.data.trim() ? this.parse(ev.data, requestId) : {};
        const type = ev.event ?? data.type;
        if (type === 'error') throw this.streamError(data.error, requestId);
        if (type === 'message_start') {
          const u = data.message?.usage;
          if (typeof data.message?.model === 'string' && data.message.model) request.meta = { ...request.meta, model: data.message.model };
          promptTokens = (u?.input_tokens ?? 0) + (u?.cache_creation_input_tokens ?? 0) + (u?.cache_read_input_tokens ?? 0);
          completionTokens = u?.output_tokens ?? 0;
        } else if (type === 'content_block_start') {
          const b = data.content_block;
          if (b?.type === 'tool_use') tools.set(data.index ?? 0, { id: b.id ?? '', name: b.name ?? '', json: '' });
        } else if (type === 'content_block_delta') {
          const d = data.delta;
          if (d?.type === 'text_delta' && typeof d.text === 'string' && d.text !== '') yield { type: 'text', delta: d.text };
          else if (d?.type === 'input_json_delta' && typeof d.partial_json === 'string') {
            const t = tools.get(data.index ?? 0);
            if (t) t.json += d.partial_json;
          }
        } else if (type === 'content_block_stop') {
          const index = data.index ?? 0;
          const t = tools.get(index);
          if (t) {
            tools.delete(index);
            yield { type: 'tool_call', callId: t.id || `toolu_${index}`, name: t.name, arguments: t.json.trim() || '{}' };
          }
        } else if (type === 'message_delta') {
          // Cumulative counts; input may be restated here.
          if (typeof data.usage?.output_tokens === 'number') completionTokens = data.usage.output_tokens;
          if (typeof data.usage?.input_tokens === 'number') promptTokens = data.usage.input_tokens + (data.usage.cache_creation_input_tokens ?? 0) + (data.usage.cache_read_input_tokens ?? 0);
          if (data.delta?.stop_reason) yield { type: 'finish' };
        } else if (type === 'message_stop') {
          finished = true;
          break;
        }
        // ping, thinking/signature deltas and types added after this was written: nothing to do.
      }
    } catch (err) {
      if (signal.aborted) return; // barge-in or teardown: a quiet end, not an error
      if (err instanceof ProviderError) throw err;
      // The body failed after a 200 (connection dropped): nothing is retried once streaming.
      throw new ProviderError('provider-protocol', this.label, `stream ended early: ${err instanceof Error ? err.message : String(err)}`, { cause: err, ...(requestId ? { requestId } : {}) });
    }
    if (signal.aborted) return;
    if (!finished) throw new ProviderError('provider-protocol', this.label, 'stream ended early (no message_stop)', requestId ? { requestId } : {});
    // A tool_use block never stopped (max_tokens cut its input): its JSON is partial, so it is dropped.
    yield { type: 'usage', promptTokens, completionTokens };
  }

  private parse(data: string, requestId: string | undefined): StreamEvent {
    try {
      const v: unknown = JSON.parse(data);
      if (typeof v === 'object' && v !== null) return v as StreamEvent;
    } catch {
      // fall through
    }
    throw new ProviderError('provider-protocol', this.label, `invalid JSON in stream: ${data.slice(0, 80)}`, requestId ? { requestId } : {});
  }

  private streamError(error: unknown, requestId: string | undefined): ProviderError {
    const e = (typeof error === 'object' && error !== null ? error : {}) as { type?: unknown; message?: unknown };
    const type = typeof e.type === 'string' ? e.type : 'api_error';
    const [code, retryable] = ERROR_TYPES[type] ?? ['provider-server', false];
    const message = typeof e.message === 'string' ? e.message : 'error event in stream';
    return new ProviderError(code, this.label, `error in stream: ${type}: ${message}`, { retryable, ...(requestId ? { requestId } : {}) });
  }
}

/** The parts of a stream event read here; every field is optional on purpose. */
interface StreamEvent {
  type?: string;
  index?: number;
  error?: unknown;
  message?: { usage?: Usage; model?: string };
  content_block?: { type?: string; id?: string; name?: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: Usage;
}

interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}
