// fetchWithRetry against the real local provider server (no fetch mocks), plus its pure helpers.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { LlmEntry, LogEntry } from '../../local-ai/server.mjs';
import { ProviderError } from './errors';
import { backoffMs, fetchWithRetry, parseErrorBody, parseRetryAfterMs, type FetchWithRetryOptions } from './http';
import { useProviderServer } from './test-server';

const server = useProviderServer();

const requests = (): LogEntry[] => server.handler.log().requests;
const script = (...llm: LlmEntry[]) => server.handler.script({ llm });
const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: false });

function call(o: Partial<FetchWithRetryOptions> = {}): Promise<Response> {
  return fetchWithRetry({
    provider: 'test:m',
    url: `${server.url}/v1/chat/completions`,
    init: { method: 'POST', headers: { 'content-type': 'application/json' }, body },
    signal: new AbortController().signal,
    auth: { apiKey: 'sk-test-abcdefgh-1234' },
    ...o,
  });
}
async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}
const status429 = (headers: Record<string, string | number>): LlmEntry => ({ fault: { kind: 'status', status: 429, headers } });

describe('retry-after parsing and backoff', () => {
  it('reads retry-after-ms, then retry-after seconds or HTTP-date', () => {
    expect(parseRetryAfterMs(new Headers({ 'retry-after-ms': '12.5', 'retry-after': '9' }))).toBe(12.5);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    const date = parseRetryAfterMs(new Headers({ 'retry-after': new Date(Date.now() + 5000).toUTCString() }))!;
    expect(date).toBeGreaterThan(3000);
    expect(date).toBeLessThanOrEqual(5000);
    expect(parseRetryAfterMs(new Headers())).toBeUndefined();
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });

  it('backs off min(0.5 s × 2^n, 8 s) with jitter in (0.75, 1]', () => {
    for (let i = 0; i < 200; i++) {
      const b0 = backoffMs(0);
      expect(b0).toBeGreaterThan(375);
      expect(b0).toBeLessThanOrEqual(500);
      expect(backoffMs(10)).toBeLessThanOrEqual(8000);
      expect(backoffMs(10)).toBeGreaterThan(6000);
    }
  });

  it('parses OpenAI error bodies and the looser shapes of look-alikes', () => {
    expect(parseErrorBody('{"error":{"message":"m","type":"t","param":null,"code":"c"}}')).toEqual({ message: 'm', type: 't', code: 'c' });
    expect(parseErrorBody('{"error":"model not found"}')).toEqual({ message: 'model not found' });
    expect(parseErrorBody('{"detail":"bad"}')).toEqual({ message: 'bad' });
    expect(parseErrorBody('<html>')).toEqual({});
  });
});

describe('fetchWithRetry', () => {
  it('returns the ok response and sends the bearer key', async () => {
    const res = await call();
    expect(res.status).toBe(200);
    expect(((await res.json()) as { object: string }).object).toBe('chat.completion');
    expect(requests()[0]!.authorization).toBe('Bearer sk-...1234');
  });

  it('waits retry-after seconds (fractional) before retrying a 429', async () => {
    script(status429({ 'retry-after': '0.08' }));
    expect((await call()).status).toBe(200);
    const [a, b] = requests();
    expect(b!.startedAt - a!.startedAt).toBeGreaterThanOrEqual(70);
  });

  it('ignores a retry-after beyond 60 s and backs off instead', async () => {
    script(status429({ 'retry-after': '3600' }));
    const t0 = Date.now();
    expect((await call()).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(requests()).toHaveLength(2);
  });

  it('maps a final 429 to provider-rate-limited with retryAfterMs and the request id', async () => {
    script(status429({ 'retry-after-ms': '20' }), status429({ 'retry-after-ms': '20' }));
    const err = await failure(call({ maxRetries: 1 }));
    expect(err).toMatchObject({ code: 'provider-rate-limited', retryable: true, retryAfterMs: 20, status: 429 });
    expect(err.message).toContain('Rate limit reached');
    expect(err.requestId).toBe(requests()[1]!.id);
  });

  it('x-should-retry overrides the status either way', async () => {
    script({ fault: { kind: 'status', status: 500, headers: { 'x-should-retry': 'false' } } });
    expect(await failure(call())).toMatchObject({ code: 'provider-server', retryable: false });
    expect(requests()).toHaveLength(1);
    server.handler.reset();
    script({ fault: { kind: 'status', status: 400, headers: { 'x-should-retry': 'true', 'retry-after-ms': '1' } } });
    expect((await call()).status).toBe(200);
    expect(requests()).toHaveLength(2);
  });

  it('maps 400 → bad-request and 403 → auth, without retrying', async () => {
    script({ fault: { kind: 'status', status: 400 } });
    expect(await failure(call())).toMatchObject({ code: 'provider-bad-request', retryable: false, status: 400 });
    script({ fault: { kind: 'status', status: 403 } });
    expect(await failure(call())).toMatchObject({ code: 'provider-auth', status: 403 });
    expect(requests()).toHaveLength(2);
  });

  it('scrubs the key from a body that echoes it', async () => {
    const key = 'sk-live-secret-echoed-42';
    script({ fault: { kind: 'status', status: 400, body: { error: { message: `Bad key ${key}`, type: 'x', param: null, code: null } } } });
    const err = await failure(call({ auth: { apiKey: key } }));
    expect(err.message).not.toContain(key);
  });

  it('a throwing getToken is provider-auth with the cause attached, before any request', async () => {
    const cause = new Error('session expired');
    expect(await failure(call({ auth: { getToken: () => Promise.reject(cause) } }))).toMatchObject({ code: 'provider-auth', cause });
    expect(requests()).toHaveLength(0);
  });

  it('an abort during the retry wait rejects at once with the AbortError', async () => {
    script(status429({ 'retry-after-ms': '5000' }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const t0 = Date.now();
    const err = await call({ signal: ac.signal }).then(() => undefined, (e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(requests()).toHaveLength(1);
  });

  it('maps an unreachable server to provider-network (retryable)', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p)); // a port that was just free: connection refused
      });
    });
    const err = await failure(call({ url: `http://127.0.0.1:${port}/v1/chat/completions`, maxRetries: 0 }));
    expect(err).toMatchObject({ code: 'provider-network', retryable: true });
    expect(err.message).toMatch(/ECONNREFUSED|fetch failed/);
  });
});
