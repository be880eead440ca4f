// AgentSession on OpenAIRealtime against the local stand-in, in Node (the set-up is in
// realtime-session-test-kit.ts): say(), close(), sendText(), a failed response, local turn
// detection, frames.
import { describe, expect, it } from 'vitest';
import { voicedSec } from '../../session/session-test-kit';
import { useRealtimeSessions } from './realtime-session-test-kit';

const { sockets, received, kit } = useRealtimeSessions();

describe('AgentSession on OpenAIRealtime (stand-in, Node)', { timeout: 20_000 }, () => {
  it('say() is spoken through a response with verbatim instructions; interrupt() stops it, cancels and truncates', async () => {
    const k = kit({ responses: [{ text: 'Welcome to the shop.' }, { text: 'We have apples, pears, plums, cherries, grapes and melons today.' }] });
    await k.session.start();
    await k.session.say('Welcome to the shop.');
    expect(received().find((m) => m.type === 'response.create')).toMatchObject({ response: { instructions: expect.stringContaining('word for word'), tool_choice: 'none' } });
    expect((received().find((m) => m.type === 'response.create')!.response as { instructions: string }).instructions).toContain('Welcome to the shop.');
    const reply = k.session.reply('List the fruit.');
    await k.until(() => k.session.agentState === 'speaking');
    const from = k.audio.played().length;
    await k.until(() => voicedSec(k.audio.played().subarray(from)) >= 0.5);
    k.session.interrupt();
    await reply;
    expect(reply.interrupted).toBe(true);
    await k.until(() => (k.events.turn_interrupted?.length ?? 0) === 1);
    expect(k.events.turn_interrupted![0]!.reason).toBe('interrupt');
    expect(received().filter((m) => m.type === 'response.create')[1]).toMatchObject({ response: { instructions: 'Be brief.\n\nList the fruit.' } });
    // The truncate crosses the socket after the local events: wait for the server to log it.
    await k.until(() => received().some((m) => m.type === 'conversation.item.truncate'));
    await k.until(() => k.session.agentState === 'idle');
    expect(k.history()[0]).toBe('assistant: Welcome to the shop.');
  });

  it('say() over a say() whose response is not created yet: the first is cancelled by id once created, the second waits for the server to be free', async () => {
    const k = kit({ responses: [{ text: 'First thing.' }, { text: 'Second thing.' }] });
    await k.session.start();
    const first = k.session.say('First thing.');
    const second = k.session.say('Second thing.');
    await second;
    expect(first.interrupted).toBe(true);
    expect(second.interrupted).toBe(false);
    expect(k.history()).toEqual(['assistant: Second thing.']);
    const sent = received().filter((m) => m.type !== 'session.update');
    expect(sent.map((m) => m.type)).toEqual(['response.create', 'response.cancel', 'response.create']);
    expect(sent[1]!.response_id).toMatch(/^resp_/);
    expect(k.events.error).toBeUndefined();
  });

  it('close() while speaking stops the voice, releases the socket and the mic tap, and ends in closing', async () => {
    const k = kit({ transcripts: ['Tell me'], responses: [{ text: 'A long answer that goes on and on for quite a while.' }] });
    await k.session.start();
    void k.vad.speak(0.6);
    await k.until(() => k.session.agentState === 'speaking');
    await k.session.close();
    expect(k.session.agentState).toBe('closing');
    expect(k.events.session_closed).toEqual([{ reason: 'closed' }]);
    await k.until(() => sockets()[0]!.body.closeCode !== null);
    expect(sockets()[0]!.body).toMatchObject({ closeCode: 1000, closedBy: 'client' });
    expect((await k.streams[0]!.ended).reason).toBe('stopped');
    expect(k.audio.state).toBe('closed');
    expect(k.events.error).toBeUndefined();
  });

  it('sendText() is a user message item plus a response; the wake-up timer fires after the silence that follows, and its say() is spoken', async () => {
    const k = kit({ responses: [{ text: 'Sure.' }, { text: 'Are you still there?' }] }, {}, { wakeUp: 1, onWakeUp: (s) => s.say('Are you still there?') });
    await k.session.start();
    await k.session.sendText('Hello there');
    expect(received().filter((m) => m.type !== 'session.update').slice(0, 2)).toEqual([
      { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello there' }] } },
      { type: 'response.create', event_id: expect.any(String), response: {} },
    ]);
    await k.until(() => k.history().length === 3 && k.session.agentState === 'idle');
    expect(k.events.wake_up_fired).toHaveLength(1);
    expect(k.history()).toEqual(['user: Hello there', 'assistant: Sure.', 'assistant: Are you still there?']);
  });

  it('a rate-limited response is reported (source llm) and its say() ends; the next one is spoken', async () => {
    const k = kit({ responses: [{ text: 'Hello there.' }], fault: { kind: 'rate-limit' } });
    await k.session.start();
    const first = k.session.say('Hello there.');
    await first;
    expect(k.events.error?.map((e) => [e.source, e.error.code])).toEqual([['llm', 'provider-rate-limited']]);
    expect(k.session.agentState).toBe('idle');
    await k.session.say('Hello there.');
    expect(k.history()).toEqual(['assistant: Hello there.']);
  });

  it("turnDetection 'local': the model's VAD is off, Earshot's VAD commits each turn; a blip over the voice ducks and releases it, speech over it interrupts (cancel + truncate)", async () => {
    const long = 'One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen.';
    const k = kit({ transcripts: ['Talk', 'Stop please'], responses: [{ text: long }, { text: 'Sure.' }], chunkDelayMs: 100 }, {}, {}, { turnDetection: 'local' });
    const more: string[] = [];
    k.session.on('interruption_suspected', () => more.push('suspected'));
    k.session.on('interruption_cancelled', () => more.push('cancelled'));
    await k.session.start();
    await k.vad.speak(0.6);
    await k.until(() => k.session.agentState === 'speaking');
    await new Promise((r) => setTimeout(r, 400));
    await k.vad.speak(0.064); // two frames: a blip
    await new Promise((r) => setTimeout(r, 300));
    expect(more).toEqual(['suspected', 'cancelled']);
    expect(k.events.turn_interrupted ?? []).toEqual([]);
    await k.vad.speak(0.8);
    await k.until(() => k.history().length === 4 && k.session.agentState === 'idle');
    expect(k.events.error ?? []).toEqual([]);
    expect(k.events.turn_interrupted!.map((e) => e.reason)).toEqual(['barge_in']);
    const h = k.history();
    expect(h[0]).toBe('user: Talk');
    expect(h[1]).toMatch(/^assistant: One\b.* \[interrupted\]$/);
    expect(h.slice(2)).toEqual(['user: Stop please', 'assistant: Sure.']);
    const r = received();
    expect(r[0]).toMatchObject({ type: 'session.update', session: { audio: { input: { turn_detection: null } } } });
    const types = r.map((m) => m.type);
    expect(types.filter((t) => t === 'input_audio_buffer.commit')).toHaveLength(2);
    expect(types.filter((t) => t === 'response.create')).toHaveLength(2);
    // Not the server's VAD: the client cancels what it interrupted, then truncates at what played.
    expect(types.indexOf('response.cancel')).toBeGreaterThan(types.indexOf('response.create'));
    const truncate = r.find((m) => m.type === 'conversation.item.truncate')!;
    expect(truncate.audio_end_ms).toBeGreaterThan(500);
  });

  it('reply() with frames: the pictures go first as a user item of input_image parts, then the response; a frame that is no picture is reported and the reply ends', async () => {
    const k = kit({ responses: [{ text: 'A red square.' }] });
    await k.session.start();
    const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const bad = k.session.reply('Say what you see.', { frames: ['not a picture'] });
    await bad;
    expect(k.events.error!.map((e) => [e.source, e.error.code])).toEqual([['llm', 'config-invalid']]);
    await k.session.reply('Say what you see.', { frames: [png] });
    await k.until(() => k.session.agentState === 'idle' && k.history().length === 1);
    expect(k.history()).toEqual(['assistant: A red square.']); // the picture is not in Earshot's history
    const r = received().filter((m) => m.type !== 'session.update');
    expect(r[0]).toEqual({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_image', image_url: png }] } });
    expect(r[1]).toMatchObject({ type: 'response.create', response: { instructions: 'Be brief.\n\nSay what you see.' } });
    expect(r).toHaveLength(2); // the bad reply sent nothing
  });
});
