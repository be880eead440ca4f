// Transfers and hang-up in a whole session in Node (VirtualAudio, scripted providers, fake
// timers): the warm transfer's phases in order with a briefing session on the supervisor's
// leg, its failure paths, barge-in not cancelling it, and hang-up through the transport.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../errors';
import { functionTool } from '../tools/function-tool';
import { kit, type Kit } from '../session/session-test-kit';
import { Pipeline } from '../session/pipeline';
import { ScriptedLLM, ScriptedSTT, ScriptedTTS, type ScriptedReply, type ScriptedTranscript } from '../testing/providers';
import { ScriptedVAD } from '../testing/scripted-vad';
import { VirtualAudio } from '../testing/virtual-audio';
import type { AgentSession } from '../session/agent-session';
import { CallControl, type CallLeg, type CallTransport } from './call-control';
import { WarmTransferError, type WarmTransferConfig, type WarmTransferEvent } from './warm-transfer';

beforeAll(async () => {
  // The JSON Schema validator loads (in real time) with the first such tool: the briefing
  // agent's. Loaded here, so a briefing session's start takes no real time while the fake
  // clock runs (its VAD's clock and its audio's would drift apart).
  await functionTool({ name: 'warm', description: '', parameters: { type: 'object', properties: {} }, execute: () => 1 }).ready;
});
beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A transport that records what it was asked, in order; `dial` may be replaced. */
function fakeTransport(over: Partial<CallTransport> = {}) {
  const calls: string[] = [];
  const leg: CallLeg = { input: null as never, output: () => undefined, hangup: () => void calls.push('leg.hangup') };
  const transport: CallTransport = {
    transfer: async (target) => void calls.push(`transfer ${target}`),
    dial: async (target) => (calls.push(`dial ${target}`), leg),
    bridge: async (l) => void calls.push(`bridge ${l === leg}`),
    hangup: async (reason) => void calls.push(`hangup ${reason}`),
    ...over,
  };
  return { calls, leg, transport };
}

/** The supervisor's side: the briefing session's scripted providers, on its own virtual audio. */
function supervisor(stt: ScriptedTranscript[], llm: ScriptedReply[]) {
  const vad = new ScriptedVAD();
  // Made when the briefing starts: a VirtualAudio's clock runs from its construction.
  const side = { vad, stt: new ScriptedSTT(stt), llm: new ScriptedLLM(llm), tts: new ScriptedTTS(), legs: [] as CallLeg[] };
  const config = {
    briefingPipeline: (leg: CallLeg) => (side.legs.push(leg), new Pipeline({ stt: side.stt, llm: side.llm, tts: side.tts, vad })),
    briefingSession: { audioEngine: () => new VirtualAudio() },
  };
  return { ...side, config };
}

const READY = supervisorScript('Yes, put them through.', 'done_briefing');

function supervisorScript(said: string, tool: string) {
  return { stt: [{ text: said }], llm: [{ toolCalls: [{ name: tool }] }, { text: 'Okay.' }] };
}

/** A caller's session with a CallControl and the phases it emitted, in order. */
function caller(transport: CallTransport, o: Parameters<typeof kit>[0] = {}) {
  const k = kit({
    stt: [{ text: 'I want to talk to a person about my refund.' }, { text: 'Hello? Anyone?' }, { text: 'Still there?' }],
    llm: [{ text: 'Sure, one moment.' }, { text: 'The caller wants a refund for order 42 and asked for a person.' }, { text: 'Yes, I am here.' }],
    ...o,
    session: { callControl: new CallControl({ transport }), ...o.session },
  });
  const phases: WarmTransferEvent[] = [];
  k.session.on('warm_transfer', (e) => void phases.push(e));
  return { k, phases, names: () => phases.map((p) => p.phase) };
}

async function firstTurn(k: Kit): Promise<void> {
  await k.session.start();
  void k.vad.speak(1);
  await k.until(() => k.session.agentState === 'idle' && k.history().length === 2, 20_000, 'the first turn');
}

/** Once the briefing session runs: waits for its greeting, then the supervisor speaks. */
async function supervisorAnswers(k: Kit, side: ReturnType<typeof supervisor>, phases: WarmTransferEvent[]): Promise<AgentSession> {
  await k.until(() => phases.some((p) => p.phase === 'briefing_started'), 20_000, 'briefing_started');
  const briefing = phases.find((p) => p.phase === 'briefing_started')!.data.session as AgentSession;
  await k.until(() => side.tts.requests.length > 0 && briefing.agentState === 'idle', 20_000, 'the briefing said');
  // A pause after the greeting: the echo gate takes speech right after the agent's for its echo.
  await k.run(3000);
  void side.vad.speak(1);
  return briefing;
}

/** Nothing is said or to be said. */
const quiet = (k: Kit) => k.session.agentState === 'idle' && !k.session.currentUtterance;

const ORDER = ['started', 'summary_generating', 'summary_ready', 'caller_on_hold', 'supervisor_dialed', 'supervisor_joined', 'briefing_started', 'briefing_complete', 'call_switched', 'transfer_complete'];

describe('warmTransfer', { timeout: 20_000 }, () => {
  it('every phase in order: summary from the history, caller on hold and not heard, supervisor briefed, decision by tool, bridged, the agent leaves', async () => {
    const t = fakeTransport();
    const { k, phases, names } = caller(t.transport);
    const side = supervisor(READY.stt, READY.llm);
    await firstTurn(k);
    const hold = { source: { samples: new Float32Array(4800).fill(0.1), sampleRate: 48000 }, volume: 0.2 };
    const played = vi.spyOn(k.session, 'playBackgroundAudio');
    const stopped = vi.spyOn(k.session, 'stopBackgroundAudio');
    const result = k.session.warmTransfer({ target: 'sip:sup@example.com', ...side.config, holdAudio: hold });
    await k.until(() => names().includes('caller_on_hold'), 20_000, 'caller_on_hold');
    // Music on hold from then on, until the call is switched.
    expect(played).toHaveBeenCalledWith(hold);
    expect(stopped).not.toHaveBeenCalled();
    // The caller speaks while on hold: not transcribed, not answered.
    void k.vad.speak(1);
    const briefing = await supervisorAnswers(k, side, phases);
    await k.until(() => names().includes('transfer_complete'), 30_000, 'transfer_complete');
    await expect(result).resolves.toEqual({ status: 'transferred', resolution: 'ready', summary: 'The caller wants a refund for order 42 and asked for a person.' });
    expect(names()).toEqual(ORDER);
    expect(stopped).toHaveBeenCalledTimes(1);
    expect(phases.find((p) => p.phase === 'briefing_complete')!.data).toEqual({ resolution: 'ready' });
    // The summary request carried the history (user and assistant messages, no system prompt).
    const summaryRequest = k.llm.requests[1]!.items;
    expect(summaryRequest.at(-1)).toMatchObject({ role: 'user', content: 'user: I want to talk to a person about my refund.\nassistant: Sure, one moment.' });
    // The briefing told the supervisor the summary, heard their answer, and its tool decided.
    expect(side.tts.requests[0]).toContain('The caller wants a refund for order 42');
    expect(side.llm.requests[0]!.items.some((i) => i.type === 'message' && i.role === 'system' && i.content.includes('refund for order 42'))).toBe(true);
    expect(side.legs).toEqual([t.leg]);
    expect(t.calls).toEqual(['dial sip:sup@example.com', 'bridge true']);
    // The caller heard "please hold", the hold speech stayed out of the history, and their speech on hold was ignored.
    expect(k.tts.requests).toContain('Please hold while I connect you with someone who can help.');
    expect(k.stt.requests).toHaveLength(1);
    expect(k.history()).toEqual(['user: I want to talk to a person about my refund.', 'assistant: Sure, one moment.']);
    // Both sessions are closed: the caller's left, the briefing one closed.
    expect(k.events.session_closed).toEqual([{ reason: 'left' }]);
    expect(() => briefing.audio).toThrow();
  });

  it('onWarmTransfer(phase) gets that phase only; onWarmTransfer(null) every one; the returned function unsubscribes', async () => {
    const t = fakeTransport();
    t.leg.joined = new Promise(() => undefined);
    const { k } = caller(t.transport);
    const side = supervisor(READY.stt, READY.llm);
    const dialed: string[] = [];
    const all: string[] = [];
    k.session.onWarmTransfer('supervisor_dialed', (e) => dialed.push(String(e.data.target)));
    const off = k.session.onWarmTransfer(null, (e) => all.push(e.phase));
    await firstTurn(k);
    const result = k.session.warmTransfer({ target: '+15550100', ...side.config, supervisorJoinTimeoutMs: 5000 }).catch((e: unknown) => e);
    await k.until(() => all.includes('supervisor_dialed'), 20_000);
    off();
    await k.run(5000);
    expect(dialed).toEqual(['+15550100']);
    expect(all.at(-1)).toBe('supervisor_dialed');
    expect(await result).toMatchObject({ code: 'transfer-timeout' });
  });

  it('started by a tool that is then interrupted: the transfer carries on to transfer_complete', async () => {
    const t = fakeTransport();
    const side = supervisor(READY.stt, READY.llm);
    let transfer: Promise<unknown> | null = null;
    const transferTool = functionTool({
      name: 'transfer_to_person',
      description: 'Transfers the caller to a person',
      parameters: { type: 'object', properties: {} },
      execute: (_args, ctx) => (transfer = ctx.session.warmTransfer({ target: 'sup', ...side.config })),
    });
    const { k, phases, names } = caller(t.transport, {
      agent: { tools: [transferTool] },
      llm: [{ toolCalls: [{ name: 'transfer_to_person' }] }, { text: 'The caller wants a person.' }, { text: 'Done.' }],
    });
    await k.session.start();
    void k.vad.speak(1);
    await k.until(() => names().includes('caller_on_hold'), 20_000, 'caller_on_hold');
    k.session.interrupt({ force: true });
    await k.run(100);
    expect(k.log).toContain('turn_interrupted');
    await supervisorAnswers(k, side, phases);
    await k.until(() => names().includes('transfer_complete'), 30_000, 'transfer_complete');
    expect(names()).toEqual(ORDER);
    await expect(transfer).resolves.toMatchObject({ status: 'transferred' });
  });

  it('the dial rejects: transfer_failed with the typed error, hold over, the caller heard again and apologised to; the session goes on', async () => {
    const t = fakeTransport({ dial: () => Promise.reject(new Error('486 Busy Here')) });
    const { k, names } = caller(t.transport);
    const side = supervisor(READY.stt, READY.llm);
    await firstTurn(k);
    const result = k.session.warmTransfer({ target: 'sup', ...side.config }).catch((e: unknown) => e);
    await k.until(() => names().includes('transfer_failed'), 20_000, 'transfer_failed');
    const error = (await result) as WarmTransferError;
    expect(error).toBeInstanceOf(WarmTransferError);
    expect(error.code).toBe('transfer-failed');
    expect(error.message).toContain('486 Busy Here');
    expect(names()).toEqual(['started', 'summary_generating', 'summary_ready', 'caller_on_hold', 'transfer_failed']);
    const apology = "assistant: I'm sorry, I couldn't complete the transfer. I'm still here to help.";
    await k.until(() => quiet(k) && k.history().includes(apology), 20_000, 'the apology');
    expect(side.legs).toEqual([]);
    // Input restored: the caller's next words are a turn again.
    void k.vad.speak(1);
    await k.until(() => k.history().at(-1) === 'assistant: Yes, I am here.', 20_000, 'an answer');
    expect(k.history().slice(-2)).toEqual(['user: Hello? Anyone?', 'assistant: Yes, I am here.']);
    expect(k.events.session_closed).toBeUndefined();
  });

  it('the supervisor declines: briefing_complete (declined), transfer_cancelled, their leg hung up, the caller back with the agent', async () => {
    const t = fakeTransport();
    const decline = supervisorScript('Sorry, I cannot take it now.', 'decline_transfer');
    const side = supervisor(decline.stt, decline.llm);
    const { k, phases, names } = caller(t.transport);
    await firstTurn(k);
    const result = k.session.warmTransfer({ target: 'sup', ...side.config, apology: 'Nobody is free right now, sorry.' });
    const briefing = await supervisorAnswers(k, side, phases);
    await k.until(() => names().includes('transfer_cancelled'), 20_000, 'transfer_cancelled');
    await expect(result).resolves.toMatchObject({ status: 'cancelled', resolution: 'declined' });
    expect(names()).toEqual([...ORDER.slice(0, 8), 'transfer_cancelled']);
    expect(t.calls).toEqual(['dial sup', 'leg.hangup']);
    expect(() => briefing.audio).toThrow();
    await k.until(() => quiet(k) && k.history().includes('assistant: Nobody is free right now, sorry.'), 20_000, 'the apology');
    void k.vad.speak(1);
    await k.until(() => k.history().at(-1) === 'assistant: Yes, I am here.', 20_000, 'an answer');
  });

  it('the supervisor never answers: transfer-timeout after supervisorJoinTimeoutMs, transfer_failed', async () => {
    const t = fakeTransport();
    t.leg.joined = new Promise(() => undefined);
    const side = supervisor(READY.stt, READY.llm);
    const { k, names } = caller(t.transport);
    await firstTurn(k);
    const result = k.session.warmTransfer({ target: 'sup', ...side.config, supervisorJoinTimeoutMs: 3000 }).catch((e: unknown) => e);
    await k.run(2500);
    expect(names()).not.toContain('transfer_failed');
    await k.run(1000);
    expect(await result).toMatchObject({ name: 'WarmTransferError', code: 'transfer-timeout' });
    expect(names().slice(-2)).toEqual(['supervisor_dialed', 'transfer_failed']);
    expect(t.calls).toEqual(['dial sup', 'leg.hangup']);
  });

  it('a second warmTransfer while one runs: transfer-busy; the first is not disturbed', async () => {
    const t = fakeTransport();
    const side = supervisor(READY.stt, READY.llm);
    const { k, phases, names } = caller(t.transport);
    await firstTurn(k);
    const first = k.session.warmTransfer({ target: 'sup', ...side.config });
    await expect(k.session.warmTransfer({ target: 'other', ...side.config })).rejects.toMatchObject({ name: 'WarmTransferError', code: 'transfer-busy' });
    await supervisorAnswers(k, side, phases);
    await k.until(() => names().includes('transfer_complete'), 30_000);
    await expect(first).resolves.toMatchObject({ status: 'transferred' });
    expect(names().filter((n) => n === 'started')).toHaveLength(1);
  });
});

describe('callTransfer and hangup', () => {
  it('without a callControl: callTransfer and warmTransfer reject with a ConfigError; hangup only closes', async () => {
    const k = kit();
    await k.session.start();
    await expect(k.session.callTransfer('+15550100')).rejects.toBeInstanceOf(ConfigError);
    await expect(k.session.warmTransfer({ target: 'x' } as WarmTransferConfig)).rejects.toBeInstanceOf(ConfigError);
    await k.session.hangup('done');
    expect(k.events.session_closed).toEqual([{ reason: 'done' }]);
  });

  it('callTransfer goes to the transport; its failure is a typed transfer-failed error and the session goes on', async () => {
    const t = fakeTransport();
    const { k } = caller(t.transport);
    await k.session.start();
    await k.session.callTransfer('sip:desk@example.com');
    expect(t.calls).toEqual(['transfer sip:desk@example.com']);
    t.transport.transfer = () => Promise.reject(new Error('REFER rejected'));
    await expect(k.session.callTransfer('x')).rejects.toMatchObject({ name: 'CallTransferError', code: 'transfer-failed', cause: { message: 'REFER rejected' } });
    // A transport that never answers: the same error after the control's timeoutMs.
    t.transport.transfer = () => new Promise(() => undefined);
    const late = k.session.callTransfer('y').catch((e: unknown) => e);
    await k.run(15_100);
    expect(await late).toMatchObject({ code: 'transfer-failed' });
    expect(k.events.session_closed).toBeUndefined();
  });

  it('hangup(reason) ends the call through the transport, then closes; a failing transport is reported and the session closes anyway', async () => {
    const order: string[] = [];
    const t = fakeTransport({ hangup: async (reason) => void order.push(`transport ${reason}`) });
    const { k } = caller(t.transport);
    k.session.on('session_closed', (e) => order.push(`closed ${e.reason}`));
    await k.session.start();
    await k.session.hangup('caller_done');
    expect(order).toEqual(['transport caller_done', 'closed caller_done']);

    const failing = fakeTransport({ hangup: () => Promise.reject(new Error('no such call')) });
    const second = caller(failing.transport);
    await second.k.session.start();
    await second.k.session.hangup();
    expect(second.k.events.error?.map((e) => e.error.code)).toEqual(['transfer-failed']);
    expect(second.k.events.session_closed).toEqual([{ reason: 'manual_hangup' }]);
  });

  it('a CallControl needs a transport; a warm transfer needs a started session', async () => {
    expect(() => new CallControl({} as never)).toThrow(/transport/);
    const t = fakeTransport();
    const { k } = caller(t.transport);
    await expect(k.session.warmTransfer({ target: 'x' } as WarmTransferConfig)).rejects.toMatchObject({ code: 'closed' });
  });
});
