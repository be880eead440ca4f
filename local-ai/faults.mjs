// OpenAI-shaped error bodies and the scripted faults that send them.

/**
 * ms between a stream's last bytes and a cut (or stall) fault. A cut is a dropped connection,
 * and fetch() errors the response body when it learns of it, which discards chunks that had
 * arrived but were not read yet (erroring a ReadableStream empties its queue): a page busy for
 * a few ms then loses the last words it was sent, which is not what a fault test asks about.
 * Likely what CI run 18 saw ("The quick" kept of "The quick brown fox" sent before the cut,
 * with 5 ms here). Long enough for a loaded 2-core machine.
 */
export const FAULT_GRACE_MS = 50;

export function openAiError(message, type, code = null, param = null) {
  return { error: { message, type, param, code } };
}
/** The body OpenAI sends for a status, as far as recorded (protocols.md §1 Errors). */
export function defaultErrorBody(status, code) {
  if (status === 429 && code === 'insufficient_quota') {
    return openAiError('You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota');
  }
  switch (status) {
    case 400: return openAiError('Invalid request (scripted fault).', 'invalid_request_error', code ?? null);
    case 401: return openAiError('Incorrect API key provided: sk-...XXXX. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', 'invalid_api_key');
    case 403: return openAiError('You are not allowed to use this model (scripted fault).', 'invalid_request_error', code ?? 'permission_denied');
    case 404: return openAiError('The model does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found');
    case 429: return openAiError('Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.', 'requests', code ?? 'rate_limit_exceeded');
    case 503: return openAiError('The engine is currently overloaded, please try again later.', 'server_error', code ?? null);
    default: return status >= 500
      ? openAiError('The server had an error while processing your request. Sorry about that!', 'server_error', code ?? null)
      : openAiError(`Request failed with status ${status} (scripted fault).`, 'invalid_request_error', code ?? null);
  }
}

/** Responds with a scripted status fault: `status`, its OpenAI body (or `fault.body`), `fault.headers`. */
export function sendStatusFault(ctx, fault) {
  const headers = { ...(fault.status === 429 && fault.code !== 'insufficient_quota' ? { 'x-ratelimit-remaining-requests': '0' } : {}) };
  for (const [k, v] of Object.entries(fault.headers ?? {})) headers[k.toLowerCase()] = String(v);
  ctx.json(fault.status, fault.body ?? defaultErrorBody(fault.status, fault.code), headers);
}

/**
 * A request that never gets an answer: no status line, no bytes, the connection held open
 * until the client gives up (a hung upstream). Resolves when the client disconnects.
 */
export function hang(ctx) {
  return new Promise((resolve) => {
    if (ctx.signal.aborted) return resolve(undefined);
    ctx.signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
}
