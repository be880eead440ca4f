// Traces of a whole session (Node, VirtualAudio, scripted providers) exported over OTLP/HTTP
// JSON to the local server's receiver, which decodes them as a collector would: the tests
// read the span tree that arrived, not what the tracer meant to send.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReceivedSpan } from '../../local-ai/server.mjs';
import { ConfigError } from '../errors';
import type { ProviderError } from '../providers/errors';
import { useProviderServer } from '../providers/test-server';
import { kit } from '../session/session-test-kit';
import { functionTool } from '../tools/function-tool';
import { SessionTracer } from './tracer';

const server = useProviderServer();
beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const noArgs = { type: 'object', properties: {} } as const;

function tools() {
  const lookup = functionTool({ name: 'lookup', description: '', parameters: noArgs, execute: () => ({ order: 7, status: 'shipped' }) });
  const broken = functionTool({ name: 'broken', description: '', parameters: noArgs, execute: () => { throw new Error('database is down'); } });
  return [lookup, broken];
}

const byName = (spans: ReceivedSpan[], name: string) => spans.filter((s) => s.name === name);

describe('SessionTracer → OTLP/HTTP JSON receiver', { timeout: 20_000 }, () => {
  it('exports session → turn → eou/stt/llm/tts/tool spans with the right parents and attributes', async () => {
    const k = kit({
      stt: [{ text: 'Where is my order?' }],
      llm: [{ toolCalls: [{ name: 'lookup' }, { name: 'broken' }] }, { text: 'It has shipped.' }, { text: 'You are welcome.' }],
      agent: { tools: tools() },
    });
    const errors: ProviderError[] = [];
    const tracer = new SessionTracer(k.session, { url: `${server.url}/v1/traces`, serviceName: 'shop-voice', includeText: true, onError: (e) => errors.push(e) });
    await k.session.start();
    void k.vad.speak(1);
    await k.until(() => k.history().includes('assistant: It has shipped.') && k.session.agentState === 'idle');
    k.session.sendText('Thanks!');
    await k.until(() => k.history().includes('assistant: You are welcome.') && k.session.agentState === 'idle');
    await k.session.close();
    vi.useRealTimers();
    await tracer.flush();
    expect(errors).toEqual([]);

    const spans = server.handler.otlp.spans;
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([tracer.traceId]));
    expect(spans.every((s) => s.resource['service.name'] === 'shop-voice' && s.scope === 'earshot')).toBe(true);
    const [session, ...more] = byName(spans, 'session');
    expect(more).toEqual([]);
    expect(session!.parentSpanId).toBeNull();
    expect(session!.attributes).toMatchObject({ 'earshot.session.reason': 'closed', 'earshot.session.turns': 2, 'earshot.session.tool_calls': 2, 'earshot.session.tool_errors': 1 });

    const turns = byName(spans, 'turn');
    expect(turns.map((t) => [t.parentSpanId, t.attributes['earshot.turn.index']])).toEqual([[session!.spanId, 0], [session!.spanId, 1]]);
    expect(turns[0]!.attributes).toMatchObject({ 'earshot.user.text': 'Where is my order?', 'earshot.agent.text': 'It has shipped.', 'earshot.turn.tool_calls': 2, 'earshot.turn.interrupted': false });
    expect(turns[1]!.attributes).toMatchObject({ 'earshot.user.text': 'Thanks!', 'earshot.agent.text': 'You are welcome.' });

    // The spoken turn has the stage spans; the typed one has no speech stages (no metrics).
    const under = (t: ReceivedSpan) => spans.filter((s) => s.parentSpanId === t.spanId);
    expect(under(turns[0]!).map((s) => s.name).sort()).toEqual(['eou', 'llm', 'stt', 'tool', 'tool', 'tts']);
    expect(under(turns[1]!)).toEqual([]);
    for (const t of turns) {
      for (const child of under(t)) {
        expect(child.start >= t.start && child.end <= t.end, `${child.name} inside its turn`).toBe(true);
      }
    }
    const llm = under(turns[0]!).find((s) => s.name === 'llm')!;
    expect(llm.kind).toBe(3);
    expect(llm.attributes).toMatchObject({ 'earshot.provider': 'scripted:llm', 'gen_ai.system': 'scripted', 'gen_ai.request.model': 'llm' });
    expect(typeof llm.attributes['earshot.llm.ttft_ms']).toBe('number');
    const metrics = k.events.metrics_collected![0]!.turn;
    expect(turns[0]!.attributes['earshot.turn.voice_to_voice_ms']).toBeCloseTo(metrics.voiceToVoiceMs, 3);
    const tool = (name: string) => under(turns[0]!).find((s) => s.attributes['gen_ai.tool.name'] === name)!;
    expect(tool('lookup')).toMatchObject({ status: { code: 0 }, attributes: { 'earshot.tool.outcome': 'ok' } });
    expect(tool('broken')).toMatchObject({ status: { code: 2, message: expect.stringContaining('database is down') }, attributes: { 'earshot.tool.outcome': 'error' } });
    // One POST per turn and one at close, each a valid OTLP body.
    expect(server.handler.otlp.requests.map((r) => [r.status, r.contentType])).toEqual([[200, 'application/json'], [200, 'application/json'], [200, 'application/json']]);
  });

  it('when the collector fails, the error is reported (typed) and the spans go with the next export', async () => {
    const k = kit({ llm: [{ text: 'Hello there.' }] });
    const errors: ProviderError[] = [];
    const tracer = new SessionTracer(k.session, { url: `${server.url}/v1/traces`, onError: (e) => errors.push(e) });
    server.handler.otlp.failNext(503);
    await k.session.start();
    void k.vad.speak(1);
    await k.until(() => k.history().length === 2 && k.session.agentState === 'idle');
    vi.useRealTimers();
    await vi.waitFor(() => expect(errors).toHaveLength(1)); // the turn's export: refused
    expect(errors).toMatchObject([{ name: 'ProviderError', code: 'provider-server', provider: 'otlp', status: 503, retryable: true }]);
    expect(server.handler.otlp.spans).toEqual([]);
    await tracer.flush(); // retries what was refused
    expect(byName(server.handler.otlp.spans, 'turn')).toHaveLength(1);
    await k.session.close();
    await tracer.flush();
    expect(byName(server.handler.otlp.spans, 'turn')).toHaveLength(1);
    expect(byName(server.handler.otlp.spans, 'session')).toHaveLength(1);
    expect(server.handler.otlp.requests.map((r) => r.status)).toEqual([503, 200, 200]);
  });

  it('a collector that never answers: the export gives up after timeoutMs with provider-timeout, and close is not held', async () => {
    vi.useRealTimers();
    const k = kit({ realTime: true });
    const errors: ProviderError[] = [];
    const tracer = new SessionTracer(k.session, { url: `${server.url}/v1/traces`, timeoutMs: 300, onError: (e) => errors.push(e) });
    server.handler.otlp.failNext('hang');
    await k.session.start();
    await k.session.close();
    await tracer.flush();
    expect(errors).toMatchObject([{ code: 'provider-timeout', provider: 'otlp', retryable: true }]);
    expect(server.handler.otlp.requests.map((r) => r.status)).toEqual([0]);
    await tracer.flush(); // the session span, retried
    expect(byName(server.handler.otlp.spans, 'session')).toHaveLength(1);
  });

  it('an unusable url or timeout is a ConfigError at construction', () => {
    const k = kit();
    expect(() => new SessionTracer(k.session, { url: 'http://[bad' })).toThrow(ConfigError);
    expect(() => new SessionTracer(k.session, { url: 'http://x/v1/traces', timeoutMs: 0 })).toThrow(ConfigError);
  });
});
