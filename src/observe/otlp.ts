// A small OTLP/HTTP JSON trace exporter (opentelemetry-proto's JSON mapping: ids as hex,
// 64-bit integers as decimal strings). Ours rather than @opentelemetry/*: a session's spans
// need few fields, and no tracer provider, context manager or batch processor is needed to
// send them (not size-compared: the OTel packages are not installed here).
import { ProviderError, isAbortError } from '../providers/errors';

export type AttributeValue = string | number | boolean;

/** One finished span. Times in ms since the epoch. */
export interface SpanData {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** 1 internal, 3 client (a network call). */
  kind: 1 | 3;
  start: number;
  end: number;
  attributes: Record<string, AttributeValue | undefined>;
  /** An error status and its message (else unset). */
  error?: string;
}

/** `n` random bytes as lowercase hex (16 for a trace id, 8 for a span id). */
export function randomId(n: 8 | 16): string {
  const b = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

const nanos = (ms: number): string => BigInt(Math.round(ms * 1000)).toString() + '000';

function value(v: AttributeValue): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

/** The `ExportTraceServiceRequest` JSON body for `spans` of one resource. */
export function otlpBody(spans: readonly SpanData[], resource: Record<string, AttributeValue>, scope: { name: string; version: string }): string {
  const attrs = (a: Record<string, AttributeValue | undefined>) => Object.entries(a).flatMap(([key, v]) => (v === undefined ? [] : [{ key, value: value(v) }]));
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: attrs(resource) },
        scopeSpans: [
          {
            scope,
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: nanos(s.start),
              endTimeUnixNano: nanos(Math.max(s.start, s.end)),
              attributes: attrs(s.attributes),
              status: s.error === undefined ? { code: 0 } : { code: 2, message: s.error },
            })),
          },
        ],
      },
    ],
  });
}

/**
 * POSTs one OTLP JSON body to `url` within `timeoutMs`. Rejects with a ProviderError
 * (`provider-timeout`, `provider-network`, or by status) naming the collector; an abort of
 * `signal` resolves quietly.
 */
export async function postOtlp(url: string, body: string, o: { headers?: Record<string, string>; timeoutMs: number; signal?: AbortSignal; fetch?: typeof fetch }): Promise<void> {
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => ((timedOut = true), ac.abort()), o.timeoutMs);
  const stop = () => ac.abort();
  o.signal?.addEventListener('abort', stop);
  try {
    const res = await (o.fetch ?? fetch)(url, { method: 'POST', headers: { 'content-type': 'application/json', ...o.headers }, body, signal: ac.signal });
    if (!res.ok) {
      const code = res.status === 401 || res.status === 403 ? 'provider-auth' : res.status === 429 ? 'provider-rate-limited' : res.status >= 500 ? 'provider-server' : 'provider-bad-request';
      throw new ProviderError(code, 'otlp', `the collector answered ${res.status}: ${(await res.text().catch(() => '')).slice(0, 200)}`, { status: res.status, retryable: res.status === 429 || res.status >= 500 });
    }
    await res.body?.cancel().catch(() => undefined);
  } catch (cause) {
    if (cause instanceof ProviderError) throw cause;
    if (timedOut) throw new ProviderError('provider-timeout', 'otlp', `no answer from ${url} within ${o.timeoutMs} ms`, { cause, retryable: true });
    if (o.signal?.aborted && isAbortError(cause)) return;
    // A browser reports a CORS refusal as a plain network error: most collectors need the app's proxy.
    throw new ProviderError('provider-network', 'otlp', `could not reach ${url} (a collector on another origin must allow CORS, or sit behind the app's proxy)`, { cause, retryable: true });
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', stop);
  }
}
