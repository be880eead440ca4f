// Handoffs through a whole session in Node (VirtualAudio, ScriptedVAD, scripted providers,
// fake timers): a tool that returns an Agent, and session.updateAgent() from app code.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Agent, type AgentOptions } from '../agent/agent';
import { functionTool } from '../tools/function-tool';
import { kit, type KitOptions } from './session-test-kit';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const noArgs = { type: 'object', properties: {} } as const;
const tool = (name: string, execute: () => unknown = () => 'ok') => functionTool({ name, description: name, parameters: noArgs, execute });

/** A front-desk agent whose `transfer` tool hands over to `billing` (made by the test). */
function setup(billing: (order: string[]) => Agent, o: KitOptions = {}) {
  const order: string[] = [];
  const to = billing(order);
  const k = kit({
    ...o,
    agent: {
      name: 'front',
      instructions: 'You are the front desk.',
      tools: [tool('transfer', () => to), tool('weather')],
      onExit: () => void order.push('exit:front'),
      ...o.agent,
    },
  });
  k.session.on('agent_changed', (e) => order.push(`changed:${e.previous.name}->${e.agent.name}:${e.context}`));
  return { k, to, order };
}

const billingAgent = (order: string[], o: Partial<AgentOptions> = {}) =>
  new Agent({
    name: 'billing',
    instructions: 'You handle billing.',
    tools: [tool('refund')],
    onEnter: () => void order.push('enter:billing'),
    onExit: () => void order.push('exit:billing'),
    ...o,
  });

const texts = (items: readonly { type: string; role?: string; content?: string; name?: string; output?: string }[]) =>
  items.map((i) => (i.type === 'message' ? `${i.role}: ${i.content}` : i.type === 'function_call' ? `call ${i.name}` : `output ${i.name}: ${i.output}`));

describe('handoff: a tool returns an Agent', () => {
  it('full: the result says so, onExit then onEnter run, and the new agent answers with its instructions, tools and the whole history', async () => {
    const { k, to, order } = setup((o) => billingAgent(o), {
      stt: [{ text: 'I need a refund' }],
      llm: [{ toolCalls: [{ name: 'transfer' }] }, { text: 'Billing here, which order?' }],
    });
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => k.history().includes('assistant: Billing here, which order?') && k.session.agentState === 'idle');

    expect(order).toEqual(['exit:front', 'changed:front->billing:full', 'enter:billing']);
    expect(k.session.agent).toBe(to);
    expect(to.session).toBe(k.session);
    const [first, second] = k.llm.requests;
    expect(first!.tools).toEqual(['transfer', 'weather']);
    expect(second!.tools).toEqual(['refund']);
    expect(texts(second!.items)).toEqual(['system: You handle billing.', 'user: I need a refund', 'call transfer', 'output transfer: "Transferred to billing"']);
    expect(k.history()).toEqual(['user: I need a refund', 'call transfer', 'output transfer: "Transferred to billing"', 'assistant: Billing here, which order?']);
    expect(k.events.agent_changed).toHaveLength(1);
    await k.session.close();
    // close() runs the agent in charge's onExit.
    expect(order.at(-1)).toBe('exit:billing');
  });

  it('none: the new agent starts from its own instructions only', async () => {
    const { k, to } = setup((o) => billingAgent(o, { handoffContext: 'none' }), { llm: [{ toolCalls: [{ name: 'transfer' }] }, { text: 'Billing.' }] });
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => k.history().includes('assistant: Billing.'));
    expect(texts(k.llm.requests[1]!.items)).toEqual(['system: You handle billing.']);
    expect(k.events.agent_changed![0]!.context).toBe('none');
    expect(k.session.agent).toBe(to);
    expect(k.history()).toEqual(['assistant: Billing.']);
  });

  it('summary: the LLM writes a summary (no tools), and the new agent gets it as a developer message', async () => {
    const { k } = setup((o) => billingAgent(o, { handoffContext: 'summary' }), {
      stt: [{ text: 'Refund order A-1001 please' }],
      llm: [{ toolCalls: [{ name: 'transfer' }] }, { text: 'The user wants a refund for order A-1001.' }, { text: 'Refunding A-1001.' }],
    });
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => k.history().includes('assistant: Refunding A-1001.'));
    const summaryRequest = k.llm.requests[1]!;
    expect(summaryRequest.toolChoice).toBe('none');
    expect(summaryRequest.tools).toEqual([]);
    expect(texts(summaryRequest.items)[1]).toBe('user: user: Refund order A-1001 please');
    expect(texts(k.llm.requests[2]!.items)).toEqual([
      'system: You handle billing.',
      'developer: Summary of the conversation so far, before you took over: The user wants a refund for order A-1001.',
    ]);
  });

  it('summary that fails: the last messages are carried instead', async () => {
    const { k } = setup((o) => billingAgent(o, { handoffContext: 'summary' }), {
      stt: [{ text: 'Refund please' }],
      llm: [{ toolCalls: [{ name: 'transfer' }] }, { error: { code: 'provider-server', status: 500 } }, { text: 'On it.' }],
    });
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => k.history().includes('assistant: On it.'));
    expect(texts(k.llm.requests[2]!.items)).toEqual(['system: You handle billing.', 'user: Refund please']);
  });

  it('what the agents say in onExit and onEnter joins the turn, in order', async () => {
    const { k } = setup(
      (o) => billingAgent(o, { onEnter: (a) => a.session!.say('Billing speaking.') }),
      { agent: { onExit: (a) => a.session!.say('Transferring you.') }, llm: [{ toolCalls: [{ name: 'transfer' }] }, { text: 'How can I help?' }] },
    );
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => k.history().includes('assistant: How can I help?') && k.session.agentState === 'idle');
    expect(k.history()).toEqual(['user: hi', 'call transfer', 'output transfer: "Transferred to billing"', 'assistant: Transferring you.', 'assistant: Billing speaking.', 'assistant: How can I help?']);
    expect(k.log).not.toContain('turn_interrupted');
  });
});

describe('handoff: session.updateAgent()', () => {
  it('between turns: onExit, agent_changed, onEnter; the next turn uses the new agent', async () => {
    const order: string[] = [];
    const k = kit({ agent: { name: 'front', onExit: () => void order.push('exit:front') }, stt: [{ text: 'hi' }, { text: 'refund' }], llm: [{ text: 'Hello.' }, { text: 'Refunded.' }] });
    k.session.on('agent_changed', (e) => order.push(`changed:${e.context}`));
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => k.history().includes('assistant: Hello.') && k.session.agentState === 'idle');
    const billing = billingAgent(order);
    await k.session.updateAgent(billing, { context: 'full' });
    expect(order).toEqual(['exit:front', 'changed:full', 'enter:billing']);
    void k.vad.speak(0.8);
    await k.until(() => k.history().includes('assistant: Refunded.') && k.session.agentState === 'idle');
    expect(k.llm.requests[1]!.tools).toEqual(['refund']);
    expect(texts(k.llm.requests[1]!.items)).toEqual(['system: You handle billing.', 'user: hi', 'assistant: Hello.', 'user: refund']);
    await k.session.close();
  });

  it('its `context` overrides the agent\'s own choice', async () => {
    const k = kit({ llm: [{ text: 'Hello.' }] });
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => k.history().includes('assistant: Hello.') && k.session.agentState === 'idle');
    const next = new Agent({ instructions: 'Next.', handoffContext: 'full' });
    await k.session.updateAgent(next, { context: 'none' });
    expect(k.history()).toEqual([]);
    expect(next.chatContext.instructions).toBe('Next.');
  });

  it('before start() it only replaces the agent: start runs the new one\'s onEnter', async () => {
    const order: string[] = [];
    const k = kit({ agent: { onEnter: () => void order.push('enter:first') } });
    const billing = billingAgent(order);
    await k.session.updateAgent(billing);
    await k.session.start();
    expect(order).toEqual(['enter:billing']);
    expect(k.session.agent).toBe(billing);
    await k.session.close();
  });

  it('after close() it rejects with `closed`', async () => {
    const k = kit();
    await k.session.start();
    await k.session.close();
    await expect(k.session.updateAgent(new Agent({ instructions: 'x' }))).rejects.toMatchObject({ code: 'closed' });
  });
});
