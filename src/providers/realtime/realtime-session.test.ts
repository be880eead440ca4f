// AgentSession on OpenAIRealtime against the local stand-in, in Node (the set-up is in
// realtime-session-test-kit.ts): turns, listen(false), tools, barge-in.
import { describe, expect, it } from 'vitest';
import type { AgentSession } from '../../session/agent-session';
import { Pipeline } from '../../session/pipeline';
import { voicedSec } from '../../session/session-test-kit';
import { functionTool } from '../../tools/function-tool';
import { OpenAIRealtime } from './openai-realtime';
import { CallControl } from '../../telephony/call-control';
import type { SessionAudio } from '../../session/session-audio';
import { useRealtimeSessions, lastSound } from './realtime-session-test-kit';

const { sockets, received, kit } = useRealtimeSessions();

describe('Pipeline with a realtime model', () => {
  it('takes the model alone; its stt and tts are stand-ins that refuse to work', async () => {
    const llm = new OpenAIRealtime({ apiKey: 'sk-x' });
    const p = new Pipeline({ llm });
    expect(p.llm).toBe(llm);
    expect(() => p.batchStt!.transcribe({ audio: new Float32Array(1), sampleRate: 16000, signal: new AbortController().signal })).toThrow(/a realtime model has no separate stt/);
    expect(() => p.tts.synthesize({ text: 'x', signal: new AbortController().signal })).toThrow(/no separate tts/);
    // @ts-expect-error a chat model still needs stt and tts
    expect(() => new Pipeline({ llm: { label: 'chat', chat: llm.chat } })).toThrow(/missing: stt, tts/);
    expect(() => new OpenAIRealtime({})).toThrow(/getClientSecret/);
  });
});

describe('AgentSession on OpenAIRealtime (stand-in, Node)', { timeout: 20_000 }, () => {
  it('a turn: the model hears the tapped mic, answers in its voice through the mixer, states move through the table, history has both sides', async () => {
    const k = kit({ transcripts: ['What time is it?'], responses: [{ text: 'It is noon.' }] });
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => k.history().length === 2 && k.session.agentState === 'idle');
    expect(k.history()).toEqual(['user: What time is it?', 'assistant: It is noon.']);
    expect(k.log).toEqual(['agent:starting', 'agent:idle', 'agent:listening', 'user:speaking', 'user:idle', 'agent:thinking', 'agent:speaking', 'user:listening', 'agent:idle', 'user:idle']);
    // The whole answer was rendered by the mixer.
    const end = await k.streams[0]!.ended;
    expect(end.reason).toBe('done');
    expect(end.renderedSeconds).toBeGreaterThan(0.6);
    expect(lastSound(k.audio.played(), 0, Infinity)).toBeGreaterThan(0);
    expect(k.events.metrics_collected).toHaveLength(1);
    expect(k.events.metrics_collected![0]!.turn.voiceToVoiceMs).toBeGreaterThan(0);
    expect(received()[0]).toMatchObject({ type: 'session.update', session: { instructions: 'Be brief.' } });
    expect(sockets()[0]!.body.audioBytes).toBeGreaterThan(0.8 * 48000);
  });

  it('listen(false) from an extension (a caller on hold during a warm transfer): the mic is not sent to the model until listen(true)', async () => {
    let listen: ((on: boolean) => void) | null = null;
    class Probe extends CallControl {
      override attach(session: AgentSession<SessionAudio>, on: (on: boolean) => void): () => void {
        listen = on;
        return super.attach(session, on);
      }
    }
    const k = kit({ transcripts: ['Hello again.'], responses: [{ text: 'Hi.' }] }, {}, { callControl: new Probe({ transport: { transfer() {}, dial: () => Promise.reject(new Error('no')), bridge() {}, hangup() {} } }) });
    await k.session.start();
    listen!(false);
    const before = sockets()[0]!.body.audioBytes;
    await k.vad.speak(0.8);
    await new Promise((r) => setTimeout(r, 300));
    expect(sockets()[0]!.body.audioBytes).toBe(before);
    expect(k.history()).toEqual([]);
    listen!(true);
    void k.vad.speak(0.8);
    await k.until(() => k.history().length === 2 && k.session.agentState === 'idle');
    expect(k.history()).toEqual(['user: Hello again.', 'assistant: Hi.']);
    expect(sockets()[0]!.body.audioBytes).toBeGreaterThan(0.8 * 48000);
  });

  it('without input transcription the history has only the answers (no empty user messages)', async () => {
    const k = kit({ responses: [{ text: 'Noted.' }] }, {}, {}, { transcription: null });
    await k.session.start();
    void k.vad.speak(0.6);
    await k.until(() => k.history().length === 1 && k.session.agentState === 'idle');
    expect(k.history()).toEqual(['assistant: Noted.']);
    expect(received()[0]).toMatchObject({ session: { audio: { input: { transcription: null } } } });
  });

  it('a tool call: arguments validated (a bad call gets an error output), outputs sent back, the response continued', async () => {
    const calls: unknown[] = [];
    const book = functionTool({
      name: 'book',
      description: 'books a table',
      parameters: { type: 'object', properties: { people: { type: 'integer', minimum: 1 } }, required: ['people'] },
      execute: (args) => (calls.push(args), 'booked'),
    });
    const k = kit({ transcripts: ['A table please'], responses: [{ toolCalls: [{ name: 'book', arguments: { people: 0 } }] }, { toolCalls: [{ name: 'book', arguments: { people: 2 } }] }, { text: 'Booked for two.' }] }, { tools: [book] });
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => k.history().includes('assistant: Booked for two.') && k.session.agentState === 'idle');
    expect(calls).toEqual([{ people: 2 }]);
    const h = k.history();
    expect(h[0]).toBe('user: A table please');
    expect(h[1]).toBe('call book {"people":0}');
    expect(h[2]).toMatch(/^output book: .*people: must be >= 1/);
    expect(h.slice(3)).toEqual(['call book {"people":2}', 'output book: "booked"', 'assistant: Booked for two.']);
    const sent = received().filter((m) => m.type !== 'session.update');
    expect(sent.map((m) => m.type)).toEqual(['conversation.item.create', 'response.create', 'conversation.item.create', 'response.create']);
    expect(sent[2]).toMatchObject({ item: { type: 'function_call_output', output: '"booked"' } });
    expect(received()[0]!.session.tools).toEqual([{ type: 'function', name: 'book', description: 'books a table', parameters: book.spec.parameters }]);
    expect(k.events.tool_call_finished).toHaveLength(2);
  });

  it('barge-in: the voice stops at once, the item is truncated at what the mixer played, the history keeps what was heard, the user is answered', async () => {
    const story = 'One, two, three, four, five, six, seven, eight, nine, ten, eleven, twelve.';
    const k = kit({ transcripts: ['Count', 'stop'], responses: [{ text: story }, { text: 'Okay.' }] });
    await k.session.start();
    void k.vad.speak(0.6);
    await k.until(() => k.session.agentState === 'speaking');
    await k.until(() => voicedSec(k.audio.played()) >= 1.2);
    void k.vad.speak(0.8);
    await k.until(() => k.history().includes('assistant: Okay.') && k.session.agentState === 'idle');
    expect(k.events.turn_interrupted?.map((e) => e.reason)).toEqual(['barge_in']);
    const truncate = received().find((m) => m.type === 'conversation.item.truncate');
    const first = k.streams[0]!;
    const end = await first.ended;
    expect(end.reason).toBe('stopped');
    // audio_end_ms is what the mixer rendered of the item…
    expect(truncate!.audio_end_ms).toBe(Math.floor(end.renderedSeconds * 1000));
    // …which is what reached the output: nothing of that stream sounds past it (+1 frame of 20 ms)
    // before the answer's, and it was sounding shortly before (the cut may fall in a pause between words).
    const startFrame = await first.started;
    const nextStart = await k.streams[1]!.started;
    const heardMs = ((lastSound(k.audio.played(), startFrame, nextStart) - startFrame) / 48000) * 1000;
    expect(heardMs).toBeLessThanOrEqual(truncate!.audio_end_ms + 20);
    expect(heardMs).toBeGreaterThan(truncate!.audio_end_ms - 300);
    expect(truncate!.audio_end_ms).toBeGreaterThan(500);
    expect(truncate!.audio_end_ms).toBeLessThan(4000);
    // The server's VAD cancelled its own response (interrupt_response): no response.cancel from us.
    expect(received().some((m) => m.type === 'response.cancel')).toBe(false);
    const h = k.history();
    expect(h[0]).toBe('user: Count');
    expect(h[1]).toMatch(/^assistant: One,.*\[interrupted\]$/);
    expect(h[1]!.length).toBeLessThan(`assistant: ${story} [interrupted]`.length);
    expect(h.slice(2)).toEqual(['user: stop', 'assistant: Okay.']);
  });
});
