import { describe, expect, it } from 'vitest';
import { raceNext, withDeadline, withTimeouts } from './timeout';

const limits = { provider: 'test:p', what: 'first token', firstMs: 50, stallMs: 50 };

/** A stream that yields `values` after `gaps[i]` ms each, then ends (or hangs with `hang`); records its signal. */
function stream(values: string[], gaps: number[], seen: { signal?: AbortSignal; returned?: boolean }, hang = false) {
  return (signal: AbortSignal) => {
    seen.signal = signal;
    return (async function* () {
      try {
        for (let i = 0; i < values.length; i++) {
          await new Promise((r) => setTimeout(r, gaps[i] ?? 0));
          yield values[i]!;
        }
        if (hang) await new Promise(() => undefined);
      } finally {
        seen.returned = true;
      }
    })();
  };
}

async function collect(it: AsyncIterable<string>): Promise<{ values: string[]; error?: any }> {
  const values: string[] = [];
  try {
    for await (const v of it) values.push(v);
  } catch (error) {
    return { values, error };
  }
  return { values };
}

describe('withTimeouts', () => {
  it('passes a stream within its limits through unchanged', async () => {
    const seen: any = {};
    const r = await collect(withTimeouts(stream(['a', 'b', 'c'], [5, 5, 5], seen), new AbortController().signal, limits));
    expect(r).toEqual({ values: ['a', 'b', 'c'] });
    expect(seen.signal.aborted).toBe(false);
  });

  it('no first chunk in time: provider-timeout, and the provider signal aborts', async () => {
    const seen: any = {};
    const r = await collect(withTimeouts(stream(['a'], [1000], seen), new AbortController().signal, limits));
    expect(r.values).toEqual([]);
    expect(r.error).toMatchObject({ name: 'ProviderError', code: 'provider-timeout', provider: 'test:p', retryable: true });
    expect(r.error.message).toMatch(/no first token within 50 ms/);
    expect(seen.signal.aborted).toBe(true);
  });

  it('a stall after some chunks: the chunks, then provider-timeout', async () => {
    const seen: any = {};
    const r = await collect(withTimeouts(stream(['a', 'b'], [5, 5], seen, true), new AbortController().signal, limits));
    expect(r.values).toEqual(['a', 'b']);
    expect(r.error).toMatchObject({ code: 'provider-timeout' });
    expect(r.error.message).toMatch(/stalled/);
    expect(seen.signal.aborted).toBe(true);
  });

  it('time the consumer spends between chunks does not count', async () => {
    const seen: any = {};
    const values: string[] = [];
    for await (const v of withTimeouts(stream(['a', 'b'], [5, 5], seen), new AbortController().signal, limits)) {
      values.push(v);
      await new Promise((r) => setTimeout(r, 150)); // 3× the stall limit, spent by the consumer
    }
    expect(values).toEqual(['a', 'b']);
  });

  it('an abort of the caller ends the stream quietly, even if the provider ignores it', async () => {
    const ac = new AbortController();
    const seen: any = {};
    setTimeout(() => ac.abort(), 20);
    const r = await collect(withTimeouts(stream(['a'], [5], seen, true), ac.signal, { ...limits, stallMs: 0 }));
    expect(r).toEqual({ values: ['a'] });
  });

  it('0 means no limit', async () => {
    const seen: any = {};
    const r = await collect(withTimeouts(stream(['a'], [120], seen), new AbortController().signal, { ...limits, firstMs: 0 }));
    expect(r).toEqual({ values: ['a'] });
  });

  it('breaking out early aborts the provider and returns its iterator', async () => {
    const seen: any = {};
    for await (const v of withTimeouts(stream(['a', 'b', 'c'], [5, 5, 5], seen), new AbortController().signal, limits)) if (v === 'a') break;
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.signal.aborted).toBe(true);
    expect(seen.returned).toBe(true);
  });
});

describe('withDeadline', () => {
  it('resolves with the work when in time', async () => {
    expect(await withDeadline(async () => 7, new AbortController().signal, 100, () => new Error('late'))).toBe(7);
  });

  it('rejects with the timeout error and aborts the work signal when late', async () => {
    let signal: AbortSignal | undefined;
    const p = withDeadline((s) => ((signal = s), new Promise(() => undefined)), new AbortController().signal, 30, () => new Error('late'));
    await expect(p).rejects.toThrow('late');
    expect(signal!.aborted).toBe(true);
  });
});

describe('raceNext', () => {
  /** An iterator whose next() never settles (a provider that ignores its signal). */
  const hanging: AsyncIterator<string> = { next: () => new Promise(() => undefined) };

  it('gives the next result when it comes first, and a rejection passes through', async () => {
    const it = stream(['a'], [0], {})(new AbortController().signal)[Symbol.asyncIterator]();
    expect(await raceNext(it, new AbortController().signal, 1000)).toEqual({ value: 'a', done: false });
    const failing: AsyncIterator<string> = { next: () => Promise.reject(new Error('boom')) };
    await expect(raceNext(failing, new AbortController().signal, 1000)).rejects.toThrow('boom');
  });

  it("says 'timeout' past the limit, and never times out with 0 or Infinity", async () => {
    expect(await raceNext(hanging, new AbortController().signal, 20)).toBe('timeout');
    const parent = new AbortController();
    const none = raceNext(hanging, parent.signal, 0);
    const endless = raceNext(hanging, parent.signal, Infinity);
    setTimeout(() => parent.abort(), 40);
    expect(await Promise.all([none, endless])).toEqual(['aborted', 'aborted']);
  });

  it("says 'aborted' for a parent aborted before or during the wait, and leaves no listener behind", async () => {
    const before = new AbortController();
    before.abort();
    expect(await raceNext(hanging, before.signal, 1000)).toBe('aborted');
    const parent = new AbortController();
    let listeners = 0;
    const add = parent.signal.addEventListener.bind(parent.signal);
    const remove = parent.signal.removeEventListener.bind(parent.signal);
    parent.signal.addEventListener = ((...a: Parameters<typeof add>) => (listeners++, add(...a))) as typeof add;
    parent.signal.removeEventListener = ((...a: Parameters<typeof remove>) => (listeners--, remove(...a))) as typeof remove;
    const it = stream(['a', 'b'], [0, 0], {})(parent.signal)[Symbol.asyncIterator]();
    await raceNext(it, parent.signal, 1000);
    await raceNext(it, parent.signal, 1000);
    expect(listeners).toBe(0);
  });
});
