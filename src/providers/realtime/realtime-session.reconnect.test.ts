// AgentSession on OpenAIRealtime against the local stand-in, in Node (the set-up is in
// realtime-session-test-kit.ts): a dropped socket, reconnects, a refused secret.
import { describe, expect, it } from 'vitest';
import { useRealtimeSessions } from './realtime-session-test-kit';

const { server, sockets, kit } = useRealtimeSessions();

describe('AgentSession on OpenAIRealtime (stand-in, Node)', { timeout: 20_000 }, () => {
  it('reconnect false: a socket dropped mid-answer is reported once, the voice stops, later say() calls end at once', async () => {
    const k = kit({ transcripts: ['Talk'], responses: [{ text: 'One two three four five six seven eight nine ten.' }], fault: { kind: 'close', afterChunks: 3 } }, {}, {}, { reconnect: false });
    await k.session.start();
    void k.vad.speak(0.6);
    await k.until(() => (k.events.error?.length ?? 0) > 0);
    expect(k.events.error!.map((e) => [e.source, e.error.code])).toEqual([['llm', 'provider-network']]);
    const later = k.session.say('Are you there?');
    await later;
    expect(later.done).toBe(true);
    await k.until(() => k.session.agentState === 'idle');
  });

  it('a socket dropped mid-answer reconnects: session.update, the history replayed as items, the mic audio of the gap sent; the user is answered and no error is reported', async () => {
    // Real-time chunks, so that about 0.8 s of the answer has played when the socket drops.
    const k = kit({ transcripts: ['What time is it?'], responses: [{ text: 'One two three four five six seven eight nine ten eleven twelve.' }], chunkDelayMs: 100, fault: { kind: 'close', afterChunks: 8 } });
    server.handler.script({ realtime: [{ transcripts: ['Are you there?'], responses: [{ text: 'Yes, I am here.' }] }], append: true });
    await k.session.start();
    void k.vad.speak(0.6);
    await k.until(() => (k.events.turn_interrupted?.length ?? 0) > 0);
    // The user speaks while the connection is down (the first reconnect waits 250 ms).
    expect(sockets()).toHaveLength(1);
    void k.vad.speak(0.6);
    await k.until(() => k.history().length === 4 && k.session.agentState === 'idle');
    expect(k.events.error ?? []).toEqual([]);
    const h = k.history();
    expect(h[0]).toBe('user: What time is it?');
    expect(h[1]).toMatch(/^assistant: One\b.* \[interrupted\]$/);
    expect(h.slice(2)).toEqual(['user: Are you there?', 'assistant: Yes, I am here.']);
    const second = sockets()[1]!.body;
    expect(second.received[0]).toMatchObject({ type: 'session.update', session: { instructions: 'Be brief.' } });
    const heard = h[1]!.replace(/^assistant: /, '').replace(/ \[interrupted\]$/, '');
    expect(second.received.slice(1, 3)).toEqual([
      { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What time is it?' }] } },
      { type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: heard }] } },
    ]);
    // All of the second utterance reached the new socket: 0.6 s of 24 kHz pcm16 at least.
    expect(second.audioBytes).toBeGreaterThan(0.6 * 48_000);
  });

  it('reconnects that keep failing end in one typed error (the last failure as its cause)', async () => {
    const k = kit({ transcripts: ['Talk'], responses: [{ text: 'One two three four five six seven eight nine ten.' }], fault: { kind: 'close', afterChunks: 2 } }, {}, {}, { reconnect: { attempts: 2 } });
    server.handler.script({ realtime: [{ fault: { kind: 'auth' } }], append: true });
    await k.session.start();
    void k.vad.speak(0.6);
    await k.until(() => (k.events.error?.length ?? 0) > 0);
    expect(k.events.error!.map((e) => [e.source, e.error.code])).toEqual([['llm', 'provider-auth']]);
    expect(k.events.error![0]!.error.message).toMatch(/reconnects failed/);
    expect(sockets()).toHaveLength(2); // an auth refusal is final: no second attempt
  });

  it('a refused secret fails start() with provider-auth, and nothing stays open', async () => {
    const k = kit({ fault: { kind: 'auth' } });
    const error = await k.session.start().then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'provider-auth', status: 401 });
    expect(k.session.agentState).toBe('idle');
    expect(k.audio.state).toBe('closed');
    expect(k.vad.closed).toBe(true);
  });
});
