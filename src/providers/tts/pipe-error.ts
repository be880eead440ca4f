import { ProviderError, type ProviderErrorCode } from '../errors';
import type { PipeError } from './pipe-protocol';

/** A ProviderError as it crosses from the audio worker (its message without the "provider: " prefix). */
export function toPipeError(err: unknown, provider: string): PipeError {
  const e = err instanceof ProviderError ? err : new ProviderError('provider-protocol', provider, String(err));
  return {
    code: e.code,
    message: e.message.slice(e.provider.length + 2),
    retryable: e.retryable,
    ...(e.status !== undefined ? { status: e.status } : {}),
    ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
    ...(e.requestId ? { requestId: e.requestId } : {}),
  };
}

/** The ProviderError again, on the main thread. */
export function fromPipeError(error: PipeError, provider: string): ProviderError {
  const { code, message, ...rest } = error;
  return new ProviderError(code as ProviderErrorCode, provider, message, rest);
}
