// FallbackLLM / FallbackSTT / FallbackTTS: the switching rules on Earshot's Scripted providers
// (real implementations of the provider interfaces), then once end to end over HTTP with
// AnthropicLLM and OpenAILLM against the local provider server.
import { describe, expect, it } from 'vitest';
import type { LlmEntry } from '../../local-ai/server.mjs';
import { ConfigError } from '../errors';
import { ProviderError } from '../providers/errors';
import { AnthropicLLM } from '../providers/llm/anthropic';
import { OpenAILLM } from '../providers/llm/openai';
import { useProviderServer } from '../providers/test-server';
import type { ChatItem, LLM, LLMChunk, LLMRequest } from '../providers/types';
import { ScriptedLLM, ScriptedSTT, ScriptedTTS } from '../testing/providers';
import type { ServedReport } from './chain';
import { FallbackLLM, FallbackSTT, FallbackTTS } from './providers';

const items: ChatItem[] = [{ type: 'message', id: 'u1', role: 'user', content: 'hi', createdAt: 0 }];
const live = () => new AbortController().signal;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function drain<T>(iter: AsyncIterable<T>) {
  const chunks: T[] = [];
  let error: unknown;
  try {
    for await (const c of iter) chunks.push(c);
  } catch (err) {
    error = err;
  }
  return { chunks, error };
}
const textOf = (chunks: LLMChunk[]) => chunks.flatMap((c) => (c.type === 'text' ? [c.delta] : [])).join('');
const chat = (llm: LLM, signal = live()) => drain(llm.chat({ items, tools: [], signal }));

describe('FallbackLLM', () => {
  it('a retryable failure of the primary: the secondary serves, and the report says so', async () => {
    const a = new ScriptedLLM([{ error: { code: 'provider-server', status: 529 } }], { label: 'a' });
    const b = new ScriptedLLM([{ text: 'from b' }], { label: 'b' });
    const served: ServedReport<LLMRequest>[] = [];
    const llm = new FallbackLLM([a, b], { onServed: (r) => served.push(r) });
    const r = await chat(llm);
    expect(r.error).toBeUndefined();
    expect(textOf(r.chunks)).toBe('from b');
    expect(served).toHaveLength(1);
    expect(served[0]).toMatchObject({ label: 'b', index: 1, failures: [{ label: 'a', index: 0, error: expect.objectContaining({ code: 'provider-server' }) }] });
    expect(served[0]!.request.items).toBe(items);
    expect(llm.lastServed).toBe(served[0]);
    expect(llm.label).toBe('fallback(a,b)');
  });

  it('a non-retryable failure surfaces; the secondary is not asked', async () => {
    const a = new ScriptedLLM([{ error: { code: 'provider-auth', status: 401 } }], { label: 'a' });
    const b = new ScriptedLLM([{ text: 'never' }], { label: 'b' });
    const r = await chat(new FallbackLLM([a, b]));
    expect(r.error).toMatchObject({ code: 'provider-auth', provider: 'a' });
    expect(b.requests).toHaveLength(0);
  });

  it('a slow first chunk: the primary is aborted and the secondary serves', async () => {
    let primarySignal: AbortSignal | undefined;
    const slow: LLM = {
      label: 'slow',
      async *chat(req) {
        primarySignal = req.signal;
        await new Promise((r) => req.signal.addEventListener('abort', r, { once: true }));
        yield { type: 'text', delta: 'too late' };
      },
    };
    const b = new ScriptedLLM([{ text: 'fast answer' }], { label: 'b' });
    const llm = new FallbackLLM([slow, b], { firstChunkMs: 100 });
    const r = await chat(llm);
    expect(textOf(r.chunks)).toBe('fast answer');
    expect(primarySignal?.aborted).toBe(true);
    expect(llm.lastServed).toMatchObject({ index: 1, failures: [{ label: 'slow', error: expect.objectContaining({ code: 'provider-timeout' }) }] });
  });

  it('after a failure the primary waits out its cool-down behind the others, then is first again', async () => {
    const a = new ScriptedLLM([{ error: { code: 'provider-rate-limited' } }, { text: 'a is back' }], { label: 'a' });
    const b = new ScriptedLLM([{ text: 'b1' }, { text: 'b2' }], { label: 'b' });
    const llm = new FallbackLLM([a, b], { cooldownMs: 300 });
    expect(textOf((await chat(llm)).chunks)).toBe('b1');
    expect(textOf((await chat(llm)).chunks)).toBe('b2'); // a is cooling down: not even asked
    expect(a.requests).toHaveLength(1);
    expect(llm.lastServed).toMatchObject({ index: 1, failures: [] });
    await wait(350);
    expect(textOf((await chat(llm)).chunks)).toBe('a is back');
    expect(llm.lastServed).toMatchObject({ label: 'a', index: 0 });
  });

  it('when all are cooling down, they are still tried, in order', async () => {
    const a = new ScriptedLLM([{ error: { code: 'provider-server' } }, { text: 'a ok' }], { label: 'a' });
    const b = new ScriptedLLM([{ error: { code: 'provider-network' } }], { label: 'b' });
    const llm = new FallbackLLM([a, b], { cooldownMs: 60_000 });
    const first = await chat(llm);
    expect(first.error).toMatchObject({ code: 'provider-network', provider: 'b' }); // the last error
    expect(textOf((await chat(llm)).chunks)).toBe('a ok');
  });

  it('output already yielded, then a failure: it surfaces, nothing is re-said by the secondary', async () => {
    const a = new ScriptedLLM([{ text: 'Hello there friend', error: { code: 'provider-server' }, failAfterChars: 6 }], { label: 'a' });
    const b = new ScriptedLLM([{ text: 'Hello there friend' }], { label: 'b' });
    const llm = new FallbackLLM([a, b], { cooldownMs: 60_000 });
    const r = await chat(llm);
    expect(textOf(r.chunks)).toBe('Hello ');
    expect(r.error).toMatchObject({ code: 'provider-server', provider: 'a' });
    expect(b.requests).toHaveLength(0);
    expect(llm.lastServed).toMatchObject({ label: 'a' });
    // But a is now cooling down: the next request goes to b first.
    await chat(llm);
    expect(b.requests).toHaveLength(1);
  });

  it('an abort while the primary is silent ends quietly, without switching or cooling down', async () => {
    const a = new ScriptedLLM([{ text: 'late', delayMs: 5000 }, { text: 'a again' }], { label: 'a' });
    const b = new ScriptedLLM([{ text: 'b' }], { label: 'b' });
    const llm = new FallbackLLM([a, b], { firstChunkMs: 10_000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    expect(await chat(llm, ac.signal)).toEqual({ chunks: [], error: undefined });
    expect(b.requests).toHaveLength(0);
    expect(textOf((await chat(llm)).chunks)).toBe('a again');
  });

  it('a provider that throws as it is called (not while iterating) is passed over too', async () => {
    const broken: LLM = {
      label: 'broken',
      chat() {
        throw new ProviderError('provider-network', 'broken', 'offline', { retryable: true });
      },
    };
    const r = await chat(new FallbackLLM([broken, new ScriptedLLM([{ text: 'ok' }])]));
    expect(textOf(r.chunks)).toBe('ok');
  });

  it('rejects an empty list', () => {
    expect(() => new FallbackLLM([])).toThrow(ConfigError);
  });
});

describe('FallbackSTT and FallbackTTS', () => {
  const audio = new Float32Array(16000);
  it('STT: a failed primary hands the utterance to the secondary', async () => {
    const a = new ScriptedSTT([{ error: { code: 'provider-server' } }], { label: 'a' });
    const b = new ScriptedSTT([{ text: 'hello world', deltas: ['hello'] }], { label: 'b' });
    const stt = new FallbackSTT([a, b]);
    const r = await drain(stt.transcribe({ audio, sampleRate: 16000, signal: live() }));
    expect(r.chunks).toEqual([{ type: 'delta', text: 'hello' }, { type: 'final', text: 'hello world' }]);
    expect(b.requests).toEqual([{ audioSec: 1, sampleRate: 16000, language: undefined }]);
    expect(stt.lastServed).toMatchObject({ label: 'b', index: 1 });
  });

  it('TTS: no audio yet → the secondary speaks; audio already out → the failure surfaces', async () => {
    const a = new ScriptedTTS({ label: 'a', script: [{ error: { code: 'provider-server' } }, { error: { code: 'provider-server' }, failAfterMs: 200 }] });
    const b = new ScriptedTTS({ label: 'b' });
    const tts = new FallbackTTS([a, b], { cooldownMs: 0 });
    const one = await drain(tts.synthesize({ text: 'One.', signal: live() }));
    expect(one.error).toBeUndefined();
    expect(one.chunks.reduce((n, c) => n + c.length, 0)).toBe(b.voiceFor('One.').length);
    expect(tts.lastServed).toMatchObject({ label: 'b' });
    const two = await drain(tts.synthesize({ text: 'Two words.', signal: live() }));
    expect(two.error).toMatchObject({ code: 'provider-server', provider: 'a' });
    expect(two.chunks.reduce((n, c) => n + c.length, 0)).toBe(0.2 * 24000);
    expect(b.requests).toEqual(['One.']); // 'Two words.' was never said twice
  });

  it('TTS: the providers must share a sample rate', () => {
    expect(() => new FallbackTTS([new ScriptedTTS({ sampleRate: 24000 }), new ScriptedTTS({ sampleRate: 16000 })])).toThrow(ConfigError);
  });
});

describe('FallbackLLM over HTTP (local provider server)', () => {
  const server = useProviderServer();
  const script = (...llm: LlmEntry[]) => server.handler.script({ llm });
  const claude = () => new AnthropicLLM({ model: 'claude-test', baseURL: `${server.url}/v1`, apiKey: 'sk-ant-test-0001', maxRetries: 0 });
  const gpt = () => new OpenAILLM({ model: 'gpt-test', baseURL: `${server.url}/v1`, apiKey: 'sk-test-0001' });

  it('Anthropic overloaded (529) → OpenAI serves', async () => {
    script({ fault: { kind: 'status', status: 529 } }, { text: 'served by the backup' });
    const llm = new FallbackLLM([claude(), gpt()]);
    const r = await chat(llm);
    expect(textOf(r.chunks)).toBe('served by the backup');
    expect(llm.lastServed).toMatchObject({ label: 'openai:gpt-test', failures: [{ label: 'anthropic:claude-test', error: expect.any(ProviderError) }] });
    const log = server.handler.log().requests;
    expect(log.map((e) => e.route)).toEqual(['/v1/messages', '/v1/chat/completions']);
    expect(log[0]!.status).toBe(529);
  });

  it('Anthropic slow to its first byte → aborted, OpenAI serves', async () => {
    // The backup gets the same first-chunk bound: 1 s leaves it room on a loaded machine.
    script({ text: 'slow', delayMs: 5000 }, { text: 'quick' });
    const llm = new FallbackLLM([claude(), gpt()], { firstChunkMs: 1000 });
    const r = await chat(llm);
    expect(textOf(r.chunks)).toBe('quick');
    let log = server.handler.log().requests;
    for (let i = 0; i < 50 && log[0]?.endedAt === null; i++) log = await wait(20).then(() => server.handler.log().requests);
    expect(log[0]).toMatchObject({ route: '/v1/messages', aborted: true });
  });
});
