import { describe, expect, it } from 'vitest';
import { ProviderError } from '../providers/errors';
import type { LLMChunk, LLMRequest, STTChunk } from '../providers/types';
import { ScriptedLLM, ScriptedSTT, ScriptedTTS, tone, wordDeltas } from './providers';

const req = (signal = new AbortController().signal): LLMRequest => ({
  items: [{ type: 'message', id: 'm1', role: 'user', content: 'hi', createdAt: 0 }],
  tools: [{ name: 'get_time', description: '', parameters: {} }],
  signal,
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function failure(it: AsyncIterable<unknown>): Promise<{ got: unknown[]; error: unknown }> {
  const got: unknown[] = [];
  try {
    for await (const x of it) got.push(x);
  } catch (error) {
    return { got, error };
  }
  return { got, error: undefined };
}

describe('ScriptedLLM', () => {
  it('streams the text in word deltas, then the tool calls, and records the request', async () => {
    const llm = new ScriptedLLM([{ text: 'It is ten.', toolCalls: [{ name: 'get_time', arguments: { tz: 'UTC' } }, { name: 'x', arguments: '{"a":1}', callId: 'c9' }] }]);
    const chunks = await collect(llm.chat(req()));
    expect(chunks).toEqual<LLMChunk[]>([
      { type: 'text', delta: 'It ' },
      { type: 'text', delta: 'is ' },
      { type: 'text', delta: 'ten.' },
      { type: 'tool_call', callId: 'call_scripted_0_0', name: 'get_time', arguments: '{"tz":"UTC"}' },
      { type: 'tool_call', callId: 'c9', name: 'x', arguments: '{"a":1}' },
    ]);
    expect(llm.requests).toHaveLength(1);
    expect(llm.requests[0]!.tools).toEqual(['get_time']);
    expect(llm.requests[0]!.items[0]).toMatchObject({ role: 'user', content: 'hi' });
  });

  it('consumes a list in order and fails with a typed error when it runs out', async () => {
    const llm = new ScriptedLLM([{ text: 'one' }, { text: 'two' }]);
    expect((await collect(llm.chat(req()))).map((c) => (c as { delta: string }).delta).join('')).toBe('one');
    expect((await collect(llm.chat(req()))).map((c) => (c as { delta: string }).delta).join('')).toBe('two');
    const { error } = await failure(llm.chat(req()));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('provider-bad-request');
    expect((error as ProviderError).message).toContain('request #3');
  });

  it('takes a function of the request and its index', async () => {
    const llm = new ScriptedLLM((r, i) => ({ text: `#${i} saw ${r.items.length}` }));
    await collect(llm.chat(req()));
    const chunks = await collect(llm.chat(req()));
    expect(chunks.map((c) => (c as { delta: string }).delta).join('')).toBe('#1 saw 1');
  });

  it('fails with a ProviderError after the scripted number of characters', async () => {
    const llm = new ScriptedLLM([{ text: 'Hello there friend', error: { code: 'provider-server', status: 500 }, failAfterChars: 8 }]);
    const { got, error } = await failure(llm.chat(req()));
    expect(got.map((c) => (c as { delta: string }).delta).join('')).toBe('Hello th');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'provider-server', status: 500, retryable: true, provider: 'scripted:llm' });
    const auth = await failure(new ScriptedLLM([{ error: { code: 'provider-auth' } }]).chat(req()));
    expect(auth.got).toEqual([]);
    expect(auth.error).toMatchObject({ code: 'provider-auth', retryable: false });
  });

  it('ends quietly when the signal aborts during a delay', async () => {
    const ac = new AbortController();
    const llm = new ScriptedLLM([{ text: 'never said', delayMs: 5000 }]);
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 20);
    expect(await collect(llm.chat(req(ac.signal)))).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('ends quietly when the signal aborts between chunks', async () => {
    const ac = new AbortController();
    const llm = new ScriptedLLM([{ text: 'a b c d e f', chunkDelayMs: 30 }]);
    const got: LLMChunk[] = [];
    for await (const c of llm.chat(req(ac.signal))) {
      got.push(c);
      if (got.length === 2) ac.abort();
    }
    expect(got).toHaveLength(2);
  });
});

describe('ScriptedSTT', () => {
  it('yields deltas then exactly one final, and records the audio length', async () => {
    const stt = new ScriptedSTT([{ text: 'What time is it?', deltas: ['What', 'What time'] }]);
    const chunks = await collect(stt.transcribe({ audio: new Float32Array(24000), sampleRate: 16000, signal: new AbortController().signal }));
    expect(chunks).toEqual<STTChunk[]>([
      { type: 'delta', text: 'What' },
      { type: 'delta', text: 'What time' },
      { type: 'final', text: 'What time is it?' },
    ]);
    expect(stt.requests).toEqual([{ audioSec: 1.5, sampleRate: 16000, language: undefined }]);
  });

  it('fails with a ProviderError, and ends quietly on abort', async () => {
    const stt = new ScriptedSTT([{ error: { code: 'provider-rate-limited', retryAfterMs: 700 } }, { text: 'late', delayMs: 5000 }]);
    const signal = new AbortController().signal;
    const { error } = await failure(stt.transcribe({ audio: new Float32Array(1), sampleRate: 16000, signal }));
    expect(error).toMatchObject({ name: 'ProviderError', code: 'provider-rate-limited', retryAfterMs: 700, retryable: true });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 10);
    expect(await collect(stt.transcribe({ audio: new Float32Array(1), sampleRate: 16000, signal: ac.signal }))).toEqual([]);
  });
});

describe('ScriptedTTS', () => {
  const signal = new AbortController().signal;

  it('yields a tone whose length follows the text, in chunks, at its sample rate', async () => {
    const tts = new ScriptedTTS({ sampleRate: 16000, msPerChar: 50, chunkMs: 100 });
    const chunks = await collect(tts.synthesize({ text: 'Ten thirty.', signal }));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    expect(total).toBe(Math.round(11 * 0.05 * 16000));
    expect(chunks[0]!.length).toBe(1600);
    // Audible: a 440 Hz tone at 0.1 peak (the default), faded in and out (no click at the ends).
    const all = new Float32Array(total);
    let o = 0;
    for (const c of chunks) all.set(c, (o += c.length) - c.length);
    const peak = all.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBeGreaterThan(0.099);
    expect(peak).toBeLessThanOrEqual(0.1 + 1e-6); // float32 rounding
    expect(Math.abs(all[0]!)).toBeLessThan(1e-6);
    expect(Math.abs(all[total - 1]!)).toBeLessThan(0.01);
    let crossings = 0;
    for (let i = 1; i < total; i++) if (all[i - 1]! < 0 && all[i]! >= 0) crossings++;
    expect(crossings / (total / 16000)).toBeGreaterThan(430);
    expect(crossings / (total / 16000)).toBeLessThan(450);
    expect(tts.requests).toEqual(['Ten thirty.']);
  });

  it('yields a supplied voice, or a scripted audio, and fails part-way as scripted', async () => {
    const voice = new Float32Array(2400).fill(0.25);
    const tts = new ScriptedTTS({ voice, script: [{}, { audio: new Float32Array(10).fill(0.5) }, { error: { code: 'provider-network' }, failAfterMs: 50 }] });
    expect((await collect(tts.synthesize({ text: 'a', signal }))).reduce((n, c) => n + c.length, 0)).toBe(2400);
    expect(await collect(tts.synthesize({ text: 'b', signal }))).toEqual([new Float32Array(10).fill(0.5)]);
    const { got, error } = await failure(tts.synthesize({ text: 'c', signal }));
    expect((got as Float32Array[]).reduce((n, c) => n + c.length, 0)).toBe(1200); // 50 ms at 24 kHz
    expect(error).toMatchObject({ code: 'provider-network', retryable: true, provider: 'scripted:tts' });
  });

  it('yields copies, so a consumer that transfers a chunk does not empty the voice', async () => {
    const voice = new Float32Array(100).fill(0.1);
    const tts = new ScriptedTTS({ voice });
    const [first] = await collect(tts.synthesize({ text: 'x', signal }));
    first!.fill(0);
    expect(voice[0]).toBeCloseTo(0.1);
  });
});

describe('helpers', () => {
  it('wordDeltas keeps every character', () => {
    for (const s of ['', 'one', ' lead and trail ', 'a  b\nc']) expect(wordDeltas(s).join('')).toBe(s);
  });

  it('tone has the asked length and amplitude', () => {
    const t = tone(8000, 0.5, 1000, 0.5);
    expect(t.length).toBe(4000);
    expect(t.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeCloseTo(0.5, 2);
  });
});
