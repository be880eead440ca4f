import { EarshotError } from '../errors';

export type ProviderErrorCode =
  | 'provider-auth'
  | 'provider-rate-limited'
  | 'provider-quota'
  | 'provider-bad-request'
  | 'provider-server'
  | 'provider-network'
  | 'provider-protocol'
  /** No answer (first token, first byte, next chunk or transcript) within the configured time. */
  | 'provider-timeout'
  /** The body is not the audio format asked for (e.g. MP3 or HTML where PCM was expected). */
  | 'provider-bad-audio';

/**
 * A provider call failed. `retryable` says whether the same request may succeed later;
 * `retryAfterMs` is the server's hint when it gave one. Aborts never become errors.
 */
export class ProviderError extends EarshotError<ProviderErrorCode> {
  override name = 'ProviderError';
  /** e.g. `openai:gpt-4o-mini`. */
  readonly provider: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  /** The server's request id (`x-request-id`; Anthropic: `request-id`), for support tickets. */
  readonly requestId: string | undefined;

  constructor(
    code: ProviderErrorCode,
    provider: string,
    message: string,
    options: { cause?: unknown; status?: number; retryable?: boolean; retryAfterMs?: number; requestId?: string } = {},
  ) {
    super(code, `${provider}: ${message}`, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.provider = provider;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.requestId = options.requestId;
  }
}

/** True for the error an aborted fetch or stream throws. */
export function isAbortError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}
