// A2A in Node against the local server's scripted chat endpoint (real fetch, no mocks): a voice
// agent's tool consults a headless specialist with its own LLM request, and the answer comes
// back as the tool result without reaching the voice agent's TTS; discovery, timeout, abort.
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../agent/agent';
import { useProviderServer } from '../providers/test-server';
import { OpenAILLM } from '../providers/llm/openai';
import { kit } from '../session/session-test-kit';
import { functionTool } from '../tools/function-tool';
import { A2AAgent, A2AError, A2AProtocol, AgentRegistry, agentRegistry, consultTool } from './index';

const server = useProviderServer();
const llm = () => new OpenAILLM({ model: 'gpt-test', apiKey: 'sk-test-0123456789', baseURL: `${server.url}/v1` });
const chatBodies = () =>
  server.handler
    .log()
    .requests.filter((r) => r.route.endsWith('/chat/completions'))
    .map((r) => r.body as { messages: { role: string; content: unknown }[]; tools?: { function: { name: string } }[] });
const SECRET = 'Invoice 4471 was paid on 3 March by card ending 9921.';

afterEach(() => {
  for (const c of agentRegistry.cards) agentRegistry.unregister(c.id);
});

describe('a voice agent consults a specialist', () => {
  it("the specialist's LLM request has its own instructions and tools, its answer is the tool result, and the TTS never gets its text", async () => {
    const lookups: string[] = [];
    const lookup = functionTool({
      name: 'lookup_invoice',
      description: 'Finds an invoice',
      parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      execute: ({ id }: { id: string }) => (lookups.push(id), { id, paid: '3 March' }),
    });
    const billing = new A2AAgent({ name: 'billing', instructions: 'You are the billing specialist.', tools: [lookup], llm: llm() });
    billing.a2a.register({ id: 'billing', domain: 'billing', capabilities: ['invoices'], description: 'Invoices and payments' });
    server.handler.script({
      llm: [
        { toolCalls: [{ name: 'consult_specialist', arguments: { question: 'Was invoice 4471 paid?' } }] },
        { toolCalls: [{ name: 'lookup_invoice', arguments: { id: '4471' } }] },
        { text: SECRET },
        { text: 'Yes, that invoice is paid.' },
      ],
    });
    const k = kit({ realTime: true, llm: llm(), stt: [{ text: 'Was my invoice paid?' }], agent: { instructions: 'You are the front desk.', tools: [consultTool({ to: { capability: 'invoices' } })] } });
    try {
      await k.session.start();
      void k.vad.speak(0.6);
      await k.until(() => k.history().includes('assistant: Yes, that invoice is paid.') && k.session.agentState === 'idle', 20_000);
      const [voice1, spec1, spec2, voice2] = chatBodies();
      expect(voice1!.messages[0]).toMatchObject({ role: 'system', content: 'You are the front desk.' });
      expect(voice1!.tools!.map((t) => t.function.name)).toEqual(['consult_specialist']);
      expect(spec1!.messages.map((m) => [m.role, m.content])).toEqual([['system', 'You are the billing specialist.'], ['user', 'Was invoice 4471 paid?']]);
      expect(spec1!.tools!.map((t) => t.function.name)).toEqual(['lookup_invoice']);
      expect(spec2!.messages.at(-1)).toMatchObject({ role: 'tool' });
      expect(lookups).toEqual(['4471']);
      // The specialist's answer is the voice agent's tool result, and only that.
      const output = voice2!.messages.find((m) => m.role === 'tool');
      expect(JSON.parse(String(output!.content))).toBe(SECRET);
      expect(k.history()).toContain(`output consult_specialist: ${JSON.stringify(SECRET)}`);
      expect(k.tts.requests.join(' ')).toContain('that invoice is paid');
      expect(k.tts.requests.some((t) => t.includes('9921') || t.includes('4471'))).toBe(false);
      // The specialist keeps its own history; the voice agent's has none of its messages.
      expect(billing.chatContext.items.filter((i) => i.type === 'message').map((i) => (i as { content: string }).content)).toEqual(['You are the billing specialist.', 'Was invoice 4471 paid?', SECRET]);
    } finally {
      await k.session.close();
    }
  }, 30_000);

  it('a barge-in aborts the consultation: the specialist request is dropped and the tool result says interrupted', async () => {
    const billing = new A2AAgent({ name: 'billing', instructions: 'Billing.', llm: llm() });
    billing.a2a.register({ id: 'billing', domain: 'billing' });
    server.handler.script({ llm: [{ toolCalls: [{ name: 'consult_specialist', arguments: { question: 'q' } }] }, { fault: { kind: 'hang' } }, { text: 'Okay.' }] });
    const k = kit({ realTime: true, llm: llm(), stt: [{ text: 'Ask billing' }, { text: 'never mind' }], agent: { instructions: 'Front.', tools: [consultTool({ to: { domain: 'billing' } })] } });
    try {
      await k.session.start();
      void k.vad.speak(0.6);
      await k.until(() => chatBodies().length === 2, 10_000, 'the specialist request');
      void k.vad.speak(0.6);
      await k.until(() => k.history().includes('assistant: Okay.') && k.session.agentState === 'idle', 20_000);
      expect(k.history()).toContain('output consult_specialist: {"error":"interrupted"}');
      await k.until(() => server.handler.log().requests[1]!.aborted, 5000, 'the specialist request aborted');
      // Its history has the question and an unanswered-call-free end.
      expect(billing.chatContext.items.at(-1)).toMatchObject({ role: 'user', content: 'q' });
    } finally {
      await k.session.close();
    }
  }, 30_000);

  it('the registration ends when the agent\'s session closes', async () => {
    const voice = new A2AAgent({ name: 'front', instructions: 'Front.' });
    voice.a2a.register({ id: 'front' });
    const k = kit({ agent: { instructions: 'x' } });
    // The session takes the agent through updateAgent before start (as a handover would).
    await k.session.updateAgent(voice);
    expect(agentRegistry.card('front')).toBeDefined();
    await k.session.close();
    expect(agentRegistry.card('front')).toBeUndefined();
    expect(voice.a2a.card).toBeNull();
  });
});

describe('A2AProtocol', () => {
  const registry = () => new AgentRegistry();

  it('discovers by domain and capability, and asks by id', async () => {
    const reg = registry();
    const a = new A2AProtocol(new Agent({ name: 'a', instructions: 'a' }), { registry: reg });
    const b = new A2AProtocol(new Agent({ name: 'b', instructions: 'b' }), { registry: reg });
    a.register({ id: 'a', domain: 'front' });
    b.register({ id: 'b', domain: 'weather', capabilities: ['forecast', 'alerts'] });
    expect(a.findByDomain('weather').map((c) => c.id)).toEqual(['b']);
    expect(a.findByCapability('alerts').map((c) => c.name)).toEqual(['b']);
    expect(a.findByCapability('refunds')).toEqual([]);
    b.onMessage('query', (m) => ({ content: `sunny for ${m.content}`, metadata: { from: m.from } }));
    const reply = await a.ask('b', 'Oslo');
    expect(reply).toMatchObject({ from: 'b', to: 'a', type: 'response', content: 'sunny for Oslo', metadata: { from: 'a' } });
    // A domain never resolves to the asker itself.
    await expect(a.ask({ domain: 'front' }, 'x')).rejects.toMatchObject({ code: 'a2a-unknown-agent' });
    // An id taken by another agent.
    expect(() => new A2AProtocol(new Agent({ instructions: 'c' }), { registry: reg }).register({ id: 'b' })).toThrow(A2AError);
  });

  it('unknown agent, no handler, a throwing handler: typed errors', async () => {
    const reg = registry();
    const a = new A2AProtocol(new Agent({ instructions: 'a' }), { registry: reg });
    const b = new A2AProtocol(new Agent({ instructions: 'b' }), { registry: reg });
    b.register({ id: 'b' });
    await expect(a.ask('nobody', 'x')).rejects.toMatchObject({ name: 'A2AError', code: 'a2a-unknown-agent' });
    await expect(a.ask('b', 'x')).rejects.toMatchObject({ code: 'a2a-failed' });
    b.onMessage('query', () => {
      throw new Error('boom');
    });
    const err = await a.ask('b', 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(A2AError);
    expect((err as A2AError).cause).toMatchObject({ message: 'boom' });
  });

  it('a2a-timeout after timeoutMs, and the recipient\'s signal aborts', async () => {
    const reg = registry();
    const a = new A2AProtocol(new Agent({ instructions: 'a' }), { registry: reg });
    const b = new A2AProtocol(new Agent({ instructions: 'b' }), { registry: reg });
    b.register({ id: 'b' });
    let seen: AbortSignal | null = null;
    b.onMessage('query', (_m, { signal }) => new Promise(() => void (seen = signal)));
    await expect(a.ask('b', 'slow', { timeoutMs: 30 })).rejects.toMatchObject({ code: 'a2a-timeout' });
    expect(seen!.aborted).toBe(true);
  });

  it('abort: rejects with the reason at once and aborts the recipient; an aborted signal sends nothing', async () => {
    const reg = registry();
    const a = new A2AProtocol(new Agent({ instructions: 'a' }), { registry: reg });
    const b = new A2AProtocol(new Agent({ instructions: 'b' }), { registry: reg });
    b.register({ id: 'b' });
    let seen: AbortSignal | null = null;
    let calls = 0;
    b.onMessage('query', (_m, { signal }) => (calls++, new Promise(() => void (seen = signal))));
    const ac = new AbortController();
    const asked = a.ask('b', 'x', { signal: ac.signal });
    ac.abort(new DOMException('barge-in', 'AbortError'));
    await expect(asked).rejects.toMatchObject({ name: 'AbortError', message: 'barge-in' });
    expect(seen!.aborted).toBe(true);
    await expect(a.ask('b', 'x', { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(1);
  });

  it('a headless specialist times out on its LLM like a turn does (the local server hangs)', async () => {
    const reg = registry();
    const a = new A2AProtocol(new Agent({ instructions: 'a' }), { registry: reg });
    const spec = new A2AAgent({ instructions: 'Spec.', llm: llm(), registry: reg, timeouts: { llmFirstTokenMs: 200 } });
    spec.a2a.register({ id: 'spec' });
    server.handler.script({ llm: [{ fault: { kind: 'hang' } }] });
    const err = await a.ask('spec', 'q').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'a2a-failed' });
    expect((err as A2AError).cause).toMatchObject({ code: 'provider-timeout' });
  });
});
