/**
 * One HTTP request to a provider, with the retry rules of the official OpenAI/Anthropic SDKs
 * (spec/protocols.md §0.2) and errors mapped to {@link ProviderError}.
 */

import { ProviderError, isAbortError } from './errors';
import type { ProviderAuth, RequestMeta } from './types';

export interface FetchWithRetryOptions {
  /** Label for errors, e.g. `openai:gpt-4o-mini`. */
  provider: string;
  url: string;
  /** Must be replayable (string, Blob, FormData…): it is sent again on retries. */
  init: RequestInit;
  signal: AbortSignal;
  auth: ProviderAuth;
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /**
   * The header that carries `auth.apiKey` as is (Anthropic: `x-api-key`). Default: sent as
   * `Authorization: Bearer …`. Tokens from `getToken` always go as Bearer.
   */
  apiKeyHeader?: string;
}

const MAX_SERVER_WAIT_MS = 60_000;

/**
 * Sends the request, retrying 408/409/429/≥500 and network failures (or whatever
 * `x-should-retry` says), never a 429 `insufficient_quota`. Waits `retry-after-ms` /
 * `retry-after` when given (0–60 s), else {@link backoffMs}. Sends `Authorization: Bearer …`
 * from `auth` (`getToken` is called again for every attempt).
 * @returns An ok (2xx) response; its body is not read.
 * @throws ProviderError on failure; the signal's AbortError (rethrown as is) on abort.
 */
export async function fetchWithRetry(opts: FetchWithRetryOptions): Promise<Response> {
  const { provider, url, init, signal, auth } = opts;
  const maxRetries = opts.maxRetries ?? 2;
  for (let attempt = 0; ; attempt++) {
    signal.throwIfAborted();
    const headers = new Headers(init.headers);
    const token = await bearer(provider, auth, signal);
    if (token && opts.apiKeyHeader && !auth.getToken) headers.set(opts.apiKeyHeader, token);
    else if (token) headers.set('authorization', `Bearer ${token}`);

    let response: Response;
    try {
      response = await fetch(url, { ...init, headers, signal });
    } catch (err) {
      if (signal.aborted || isAbortError(err)) throw err;
      const error = new ProviderError('provider-network', provider, `network error: ${describe(err)}`, { cause: err, retryable: true });
      if (attempt >= maxRetries) throw error;
      await sleep(backoffMs(attempt), signal);
      continue;
    }
    if (response.ok) return response;

    const error = await errorFromResponse(provider, response, token);
    if (!shouldRetry(response, error) || attempt >= maxRetries) throw error;
    await sleep(serverWaitMs(response.headers) ?? backoffMs(attempt), signal);
  }
}

/**
 * The server's wait hint: `retry-after-ms` (ms), else `retry-after` (seconds or HTTP-date).
 * @returns ms, or undefined when absent or unparseable.
 */
export function parseRetryAfterMs(headers: Headers): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const v = Number(ms);
    if (!Number.isNaN(v)) return v;
  }
  const ra = headers.get('retry-after');
  if (ra === null || ra.trim() === '') return undefined;
  const seconds = Number(ra);
  if (!Number.isNaN(seconds)) return seconds * 1000;
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : date - Date.now();
}

/** The wait the server asked for, when usable: finite, ≥ 0 and ≤ 60 s (else back off). */
function serverWaitMs(headers: Headers): number | undefined {
  const v = parseRetryAfterMs(headers);
  return v !== undefined && Number.isFinite(v) && v >= 0 && v <= MAX_SERVER_WAIT_MS ? v : undefined;
}

/** `min(0.5 s × 2^attempt, 8 s)` × jitter in (0.75, 1], so clients do not retry in lockstep. */
export function backoffMs(attempt: number): number {
  return Math.min(500 * 2 ** attempt, 8000) * (1 - Math.random() * 0.25);
}

function shouldRetry(response: Response, error: ProviderError): boolean {
  // Exhausted credit will not come back by itself, whatever the headers say.
  if (error.code === 'provider-quota') return false;
  const header = response.headers.get('x-should-retry');
  if (header === 'true') return true;
  if (header === 'false') return false;
  const s = response.status;
  return s === 408 || s === 409 || s === 429 || s >= 500;
}

/**
 * Reads the error body and maps the status to a code. OpenAI masks keys in its messages; a
 * look-alike might not, so `secret` (the credential sent) is scrubbed from the text anyway.
 */
export async function errorFromResponse(provider: string, response: Response, secret?: string): Promise<ProviderError> {
  const status = response.status;
  const raw = await response.text().catch(() => '');
  const text = secret && secret.length >= 4 ? raw.split(secret).join('***') : raw;
  const { message, code, type } = parseErrorBody(text);
  const requestId = response.headers.get('x-request-id') ?? response.headers.get('request-id') ?? undefined;
  const hint = parseRetryAfterMs(response.headers);
  const retryAfterMs = hint !== undefined && Number.isFinite(hint) && hint >= 0 ? hint : undefined;
  const summary = `HTTP ${status}: ${message ?? (text.slice(0, 200) || response.statusText || 'no body')}`;
  const base = { status, ...(requestId ? { requestId } : {}) };
  const header = response.headers.get('x-should-retry');
  const overridden = header === 'true' ? true : header === 'false' ? false : undefined;
  if (status === 401 || status === 403) return new ProviderError('provider-auth', provider, summary, { ...base, retryable: overridden ?? false });
  // OpenAI's exhausted credit, Anthropic's spend limit (a 429) and billing error (402).
  if (status === 402 || (status === 429 && (code === 'insufficient_quota' || type === 'insufficient_quota' || code === 'enforced_spend_limit_reached'))) {
    return new ProviderError('provider-quota', provider, summary, base);
  }
  if (status === 429) {
    return new ProviderError('provider-rate-limited', provider, summary, { ...base, retryable: overridden ?? true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  if (status >= 500) {
    return new ProviderError('provider-server', provider, summary, { ...base, retryable: overridden ?? true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  return new ProviderError('provider-bad-request', provider, summary, { ...base, retryable: overridden ?? (status === 408 || status === 409) });
}

/**
 * Accepts OpenAI's `{error:{message,code,type}}`, Anthropic's `{error:{type,message,details:{error_code}}}`
 * and the `{error:"…"}` / `{message}` / `{detail}` of look-alikes.
 */
export function parseErrorBody(text: string): { message?: string; code?: string; type?: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof json !== 'object' || json === null) return {};
  const root = json as Record<string, unknown>;
  const err = root.error;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  if (typeof err === 'object' && err !== null) {
    const e = err as Record<string, unknown>;
    const details = (typeof e.details === 'object' && e.details !== null ? e.details : {}) as Record<string, unknown>;
    return { message: str(e.message), code: str(e.code) ?? str(details.error_code), type: str(e.type) };
  }
  return { message: str(err) ?? str(root.message) ?? str(root.detail) };
}

/** `getToken` wins over `apiKey` when both are set. */
async function bearer(provider: string, auth: ProviderAuth, signal: AbortSignal): Promise<string | undefined> {
  if (!auth.getToken) return auth.apiKey;
  try {
    // Called per attempt: short-lived tokens may have expired during a backoff.
    return await auth.getToken();
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw new ProviderError('provider-auth', provider, `getToken() failed: ${describe(err)}`, { cause: err });
  }
}

/** Waits `ms`; an abort rejects at once with the signal's reason (an AbortError by default). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // undici's "fetch failed" hides the useful part (ECONNREFUSED…) in `cause`.
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}

/** The {@link RequestMeta} of a response: its request id header and `model`. */
export function responseMeta(response: Response, model: string | undefined): RequestMeta {
  const requestId = response.headers.get('x-request-id') ?? response.headers.get('request-id') ?? undefined;
  return { ...(requestId ? { requestId } : {}), ...(model ? { model } : {}) };
}
