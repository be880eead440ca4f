import { describe, expect, it } from 'vitest';
import { withDeadline, withTimeouts } from './timeout';

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
