import { ConfigError } from '../errors';
import type { Emitter } from '../events';
import type { ProviderError } from '../providers/errors';
import type { RequestMeta } from '../providers/types';
import type { AgentSessionEvents } from '../session/session-events';
import { otlpBody, postOtlp, randomId, type AttributeValue, type SpanData } from './otlp';
import { TurnReporter, type SessionSummary, type TurnReport } from './turn-report';

export interface SessionTracerOptions {
  /**
   * Where to POST OTLP/HTTP JSON, e.g. `https://collector.example/v1/traces`. Most collectors
   * send no CORS headers: give a path on the app's own origin that proxies to the collector.
   */
  url: string;
  /** Sent with every export (e.g. a collector's API key: better added by the proxy). */
  headers?: Record<string, string>;
  /** `service.name` of the resource. Default `'earshot'`. */
  serviceName?: string;
  /** More resource attributes (`deployment.environment`, …). */
  resource?: Record<string, AttributeValue>;
  /** Per export, ms. Default 10 000. */
  timeoutMs?: number;
  /** Put the user's and agent's words on the turn spans (`earshot.user.text`, …). Default false. */
  includeText?: boolean;
  /** An export failed (the spans are kept and sent with the next one). Default: `console.warn`. */
  onError?: (error: ProviderError) => void;
}

/** Spans kept for a retry at most; older ones are dropped when the collector stays down. */
const MAX_QUEUED = 2048;

/**
 * Traces a session over OTLP/HTTP JSON: one trace per session, a `session` span, a `turn`
 * span per turn and under it `eou`, `stt`, `llm`, `tts` (request → first token / byte) and
 * `tool` spans. Each turn is exported as it ends; the session span when the session closes.
 *
 * ```ts
 * const tracer = new SessionTracer(session, { url: '/otel/v1/traces' });
 * ```
 */
export class SessionTracer {
  /** The session's trace id (hex), e.g. to log beside the app's own ids. */
  readonly traceId = randomId(16);
  readonly reporter: TurnReporter;
  readonly #sessionSpan = randomId(8);
  readonly #start: number;
  /** performance.now() + this = epoch ms. */
  readonly #origin = Date.now() - performance.now();
  readonly #o: Required<Pick<SessionTracerOptions, 'timeoutMs' | 'serviceName'>> & SessionTracerOptions;
  readonly #url: string;
  #queue: SpanData[] = [];
  #chain: Promise<void> = Promise.resolve();
  readonly #abort = new AbortController();

  constructor(session: Emitter<AgentSessionEvents>, options: SessionTracerOptions) {
    try {
      this.#url = new URL(options.url, globalThis.location?.href).href;
    } catch (cause) {
      throw new ConfigError(`SessionTracer: url must be a URL, got ${JSON.stringify(options.url)}`, { cause });
    }
    if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) throw new ConfigError(`SessionTracer: timeoutMs must be > 0, got ${options.timeoutMs}`);
    this.#o = { timeoutMs: 10_000, serviceName: 'earshot', ...options };
    this.#start = this.#epoch(performance.now());
    this.reporter = new TurnReporter(session, { onTurn: (t) => this.#turn(t), onSummary: (s) => this.#close(s) });
  }

  /** Resolves when every span ended so far was sent (or its export failed). */
  flush(): Promise<void> {
    // Spans put back by a failed export are retried here (an export already waiting takes them).
    if (this.#queue.length && !this.#waiting) this.#send();
    return this.#chain;
  }

  /** Stops tracing: no more spans; exports in flight are aborted. */
  dispose(): void {
    this.reporter.dispose();
    this.#abort.abort();
  }

  #epoch(perf: number): number {
    return this.#origin + perf;
  }

  #span(name: string, parent: string, start: number, end: number, attributes: SpanData['attributes'], o: { kind?: 1 | 3; error?: string; id?: string } = {}): SpanData {
    return { traceId: this.traceId, spanId: o.id ?? randomId(8), parentSpanId: parent, name, kind: o.kind ?? 1, start: this.#epoch(start), end: this.#epoch(end), attributes, ...(o.error !== undefined ? { error: o.error } : {}) };
  }

  #turn(t: TurnReport): void {
    const id = randomId(8);
    const m = t.metrics;
    const text = this.#o.includeText;
    const spans: SpanData[] = [];
    const failed = t.errors[0];
    spans.push(
      this.#span('turn', this.#sessionSpan, t.startedAt, t.endedAt, {
        'earshot.turn.index': t.index,
        'earshot.turn.voice_to_voice_ms': m?.voiceToVoiceMs,
        'earshot.turn.preemptive': m?.preemptive,
        'earshot.turn.interrupted': t.interruption !== null,
        'earshot.turn.interruption_reason': t.interruption?.reason,
        'earshot.turn.heard_text': text && t.interruption ? t.interruption.heardText : undefined,
        'earshot.user.text': text ? t.userText : undefined,
        'earshot.agent.text': text ? t.agentText : undefined,
        'earshot.turn.tool_calls': t.tools.length,
      }, { id, ...(failed ? { error: `${failed.source}: ${failed.code}: ${failed.message}` } : {}) }),
    );
    if (m && Number.isFinite(m.at)) {
      const eou = m.at + m.endpointMs;
      spans.push(this.#span('eou', id, m.at, eou, { 'earshot.eou.endpoint_ms': m.endpointMs }));
      spans.push(this.#span('stt', id, eou, eou + m.sttMs, { ...served(m.requests?.stt), 'earshot.stt.ms': m.sttMs }, { kind: 3 }));
      spans.push(this.#span('llm', id, m.at + m.llmAtMs, m.at + m.llmAtMs + m.llmTtftMs, { ...provider(m.llm), ...served(m.requests?.llm), 'earshot.llm.ttft_ms': m.llmTtftMs }, { kind: 3 }));
      spans.push(this.#span('tts', id, m.at + m.ttsAtMs, m.at + m.ttsAtMs + m.ttsTtfbMs, { ...provider(m.tts), ...served(m.requests?.tts), 'earshot.tts.ttfb_ms': m.ttsTtfbMs }, { kind: 3 }));
    }
    for (const c of t.tools) {
      const attrs = { 'gen_ai.tool.name': c.name, 'gen_ai.tool.call.id': c.callId, 'earshot.tool.outcome': c.outcome, 'earshot.tool.duration_ms': c.durationMs };
      spans.push(this.#span('tool', id, c.startedAt, c.startedAt + c.durationMs, attrs, c.outcome === 'error' ? { error: c.output.slice(0, 500) } : {}));
    }
    this.#queue.push(...spans);
    this.#send();
  }

  #close(s: SessionSummary): void {
    const end = this.#epoch(performance.now());
    const v = s.voiceToVoiceMs;
    this.#queue.push({
      traceId: this.traceId,
      spanId: this.#sessionSpan,
      name: 'session',
      kind: 1,
      start: this.#start,
      end,
      attributes: {
        'earshot.session.reason': s.reason,
        'earshot.session.turns': s.turns,
        'earshot.session.interruptions': s.interruptions,
        'earshot.session.tool_calls': s.toolCalls,
        'earshot.session.tool_errors': s.toolErrors,
        'earshot.session.errors': s.errors,
        'earshot.session.preemptive_hits': s.preemptiveHits,
        'earshot.session.voice_to_voice_median_ms': v?.median,
        'earshot.session.voice_to_voice_p95_ms': v?.p95,
      },
    });
    this.#send();
  }

  /** An export is chained and has not taken the queue yet. */
  #waiting = false;

  #send(): void {
    this.#waiting = true;
    this.#chain = this.#chain.then(async () => {
      this.#waiting = false;
      const spans = this.#queue.splice(0);
      if (!spans.length || this.#abort.signal.aborted) return;
      const resource = { 'service.name': this.#o.serviceName, 'telemetry.sdk.name': 'earshot', ...this.#o.resource };
      const body = otlpBody(spans, resource, { name: 'earshot', version: '0.1.0' });
      try {
        await postOtlp(this.#url, body, { timeoutMs: this.#o.timeoutMs, signal: this.#abort.signal, ...(this.#o.headers ? { headers: this.#o.headers } : {}) });
      } catch (e) {
        this.#queue = [...spans, ...this.#queue].slice(-MAX_QUEUED);
        (this.#o.onError ?? ((err) => console.warn('[earshot] trace export failed', err)))(e as ProviderError);
      }
    });
  }
}

/** `gen_ai.response.id` and `gen_ai.response.model` from what the provider told of its request. */
function served(meta: RequestMeta | undefined): Record<string, string> {
  return { ...(meta?.requestId ? { 'gen_ai.response.id': meta.requestId } : {}), ...(meta?.model ? { 'gen_ai.response.model': meta.model } : {}) };
}

/** `gen_ai.system` and `gen_ai.request.model` from a provider label such as `openai:gpt-4o-mini`. */
function provider(label: string): Record<string, string> {
  if (!label) return {};
  const i = label.indexOf(':');
  return i < 0 ? { 'earshot.provider': label, 'gen_ai.system': label } : { 'earshot.provider': label, 'gen_ai.system': label.slice(0, i), 'gen_ai.request.model': label.slice(i + 1) };
}
