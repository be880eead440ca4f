// MCP tools through a whole session in Node (VirtualAudio, ScriptedVAD, scripted LLM/TTS on
// real timers) against the SDK's own MCP server (local-ai/mcp.mjs) on a local port.
import { describe, expect, it } from 'vitest';
import { Agent } from '../agent/agent';
import { useProviderServer } from '../providers/test-server';
import { kit, type KitOptions } from '../session/session-test-kit';
import { functionTool } from '../tools/function-tool';
import { MCPServerHTTP, type MCPServerHTTPOptions } from './index';

const server = useProviderServer();
const log = () => server.handler.mcp.log();
const mcp = (o: Partial<MCPServerHTTPOptions> = {}) => new MCPServerHTTP({ url: `${server.url}/mcp`, ...o });
const weather = functionTool({ name: 'weather', description: 'The weather', parameters: { type: 'object', properties: {} }, execute: () => 'sunny' });

function session(o: KitOptions, servers: MCPServerHTTP[]) {
  return kit({ realTime: true, ...o, agent: { tools: [weather], mcpServers: servers, ...o.agent } });
}

describe('MCP tools in a session', () => {
  it('start() connects; the LLM gets the MCP tools beside the function tools; a call lands in the history; close() DELETEs', async () => {
    const k = session({ stt: [{ text: 'Where is order A-1001?' }], llm: [{ toolCalls: [{ name: 'lookup_order', arguments: { orderId: 'A-1001', delayMs: 20 } }] }, { text: 'It ships tomorrow.' }] }, [mcp()]);
    try {
      await k.session.start();
      expect(log().sessions).toHaveLength(1);
      void k.vad.speak(0.6);
      await k.until(() => k.history().includes('assistant: It ships tomorrow.') && k.session.agentState === 'idle', 15_000);
      expect(k.llm.requests[0]!.tools).toEqual(['weather', 'get_time', 'lookup_order', 'unlock_refunds']);
      expect(k.history()[2]).toMatch(/^output lookup_order: .*\\"status\\":\\"shipped\\"/);
      expect(log().calls).toMatchObject([{ name: 'lookup_order', outcome: 'ok' }]);
    } finally {
      await k.session.close();
    }
    expect(log().deletes).toEqual(log().sessions);
  }, 30_000);

  it('a barge-in during a slow call cancels it on the server; the call still gets an output', async () => {
    const k = session({ stt: [{ text: 'Look up A-1002' }, { text: 'never mind' }], llm: [{ toolCalls: [{ name: 'lookup_order', arguments: { orderId: 'A-1002', delayMs: 20_000 } }] }, { text: 'Okay.' }] }, [mcp()]);
    try {
      await k.session.start();
      void k.vad.speak(0.6);
      await k.until(() => (k.events.tool_call_started?.length ?? 0) > 0, 10_000);
      await k.run(200);
      void k.vad.speak(0.8);
      await k.until(() => k.history().includes('assistant: Okay.') && k.session.agentState === 'idle', 15_000);
      expect(k.events.turn_interrupted?.map((e) => e.reason)).toEqual(['barge_in']);
      await k.until(() => log().calls.some((c) => c.outcome === 'cancelled'), 5000, 'the server-side cancellation');
      expect(k.history()[2]).toBe('output lookup_order: {"error":"interrupted"}');
    } finally {
      await k.session.close();
    }
  }, 30_000);

  it('list_changed: the next LLM request offers the new tool', async () => {
    const k = session({ stt: [{ text: 'I am verified' }, { text: 'Refund A-1003' }], llm: [{ toolCalls: [{ name: 'unlock_refunds' }] }, { text: 'Unlocked.' }, { toolCalls: [{ name: 'refund_order', arguments: { orderId: 'A-1003' } }] }, { text: 'Refunded.' }] }, [mcp()]);
    try {
      await k.session.start();
      void k.vad.speak(0.6);
      await k.until(() => k.history().includes('assistant: Unlocked.') && k.session.agentState === 'idle', 15_000);
      await k.until(() => k.session.agent.mcpServers[0]!.tools.some((t) => t.name === 'refund_order'), 5000, 'the refreshed list');
      void k.vad.speak(0.6);
      await k.until(() => k.history().includes('assistant: Refunded.') && k.session.agentState === 'idle', 15_000);
      expect(k.llm.requests[0]!.tools).not.toContain('refund_order');
      expect(k.llm.requests[2]!.tools).toContain('refund_order');
      expect(log().calls.map((c) => c.name)).toEqual(['unlock_refunds', 'refund_order']);
    } finally {
      await k.session.close();
    }
  }, 40_000);

  it('allowedTools: the LLM sees only those', async () => {
    const k = session({ llm: [{ text: 'Hi.' }] }, [mcp({ allowedTools: ['get_time'] })]);
    try {
      await k.session.start();
      void k.vad.speak(0.6);
      await k.until(() => k.history().includes('assistant: Hi.') && k.session.agentState === 'idle', 15_000);
      expect(k.llm.requests[0]!.tools).toEqual(['weather', 'get_time']);
    } finally {
      await k.session.close();
    }
  }, 30_000);

  it('a server that refuses (no token) fails start() with provider-auth, and nothing stays open', async () => {
    server.handler.mcp.configure({ requireToken: 'secret-1' });
    const k = session({}, [mcp(), mcp({ getToken: () => 'secret-1' })]);
    const error = await k.session.start().then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProviderError', code: 'provider-auth' });
    expect(k.session.agentState).toBe('idle');
    expect(k.audio.state).toBe('closed');
    expect(k.vad.closed).toBe(true);
    // The other server's connect was ended with it: any session it opened is DELETEd.
    await k.run(300);
    expect(log().deletes).toEqual(log().sessions);
    expect(log().authorizations).toContain('Bearer secret-1');
  }, 30_000);

  it('a tool name taken by a function tool fails start() with a ConfigError', async () => {
    const clash = functionTool({ name: 'get_time', description: '', parameters: { type: 'object', properties: {} }, execute: () => 'noon' });
    const k = session({ agent: { tools: [clash] } }, [mcp()]);
    await expect(k.session.start()).rejects.toMatchObject({ code: 'config-invalid', message: expect.stringContaining('Duplicate tool name: get_time') });
  }, 30_000);

  it('a handoff connects the new agent\'s servers and closes the old agent\'s', async () => {
    const orders = mcp();
    const times = mcp({ allowedTools: ['get_time'] });
    const billing = new Agent({ name: 'billing', instructions: 'Billing.', mcpServers: [orders] });
    const transfer = functionTool({ name: 'transfer', description: '', parameters: { type: 'object', properties: {} }, execute: () => billing });
    const k = session({ agent: { tools: [transfer] }, llm: [{ toolCalls: [{ name: 'transfer' }] }, { text: 'Billing here.' }] }, [times]);
    try {
      await k.session.start();
      const [first] = log().sessions;
      void k.vad.speak(0.6);
      await k.until(() => k.history().includes('assistant: Billing here.') && k.session.agentState === 'idle', 15_000);
      expect(k.llm.requests[1]!.tools).toEqual(['get_time', 'lookup_order', 'unlock_refunds']);
      expect(times.connected).toBe(false);
      expect(orders.connected).toBe(true);
      expect(log().deletes).toEqual([first]);
    } finally {
      await k.session.close();
    }
    expect(orders.connected).toBe(false);
    expect(log().deletes).toHaveLength(2);
  }, 30_000);

  it('close() during a handover: the new agent\'s servers, connected after it, are closed again', async () => {
    let exitGate!: () => void;
    const exiting = new Promise<void>((r) => (exitGate = r));
    const orders = mcp();
    const billing = new Agent({ name: 'billing', instructions: 'Billing.', mcpServers: [orders] });
    const transfer = functionTool({ name: 'transfer', description: '', parameters: { type: 'object', properties: {} }, execute: () => billing });
    let exitCalls = 0;
    const k = session({ agent: { tools: [transfer], onExit: () => (exitCalls++, exiting) }, session: { exitTimeoutMs: 50 }, llm: [{ toolCalls: [{ name: 'transfer' }] }, { text: 'Billing here.' }] }, []);
    await k.session.start();
    void k.vad.speak(0.6);
    await k.until(() => exitCalls === 1, 10_000, 'the handover');
    await k.session.close();
    exitGate();
    await k.until(() => log().sessions.length === 1 && log().deletes.length === 1, 5000, 'the late connect and its DELETE');
    expect(orders.connected).toBe(false);
    // Nobody took over a closed session.
    expect(k.events.agent_changed).toBeUndefined();
    expect(k.session.agent).not.toBe(billing);
  }, 30_000);
});
