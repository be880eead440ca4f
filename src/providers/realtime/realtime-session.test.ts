// A whole AgentSession on OpenAIRealtime against the local stand-in, in Node: VirtualAudio
// renders the real mixer, ScriptedVAD taps "the mic" (a tone the stand-in's server VAD hears),
// and the model's espeak voice plays through Earshot's mixer. Real timers: the socket is real.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RealtimeEntry, RealtimeLogBody, LogEntry } from '../../../local-ai/server.mjs';
import { Agent, type AgentOptions } from '../../agent/agent';
import type { MixerStream } from '../../audio/mixer';
import { AgentSession, type AgentSessionOptions } from '../../session/agent-session';
import { Pipeline } from '../../session/pipeline';
import type { AgentSessionEvents } from '../../session/session-events';
import { ScriptedVAD } from '../../testing/scripted-vad';
import { VirtualAudio } from '../../testing/virtual-audio';
import { voicedSec } from '../../session/session-test-kit';
import { functionTool } from '../../tools/function-tool';
import { NodeWebSocket } from '../stt/deepgram-test-kit';
import { useProviderServer } from '../test-server';
import { OpenAIRealtime, type OpenAIRealtimeOptions } from './openai-realtime';
import { CallControl } from '../../telephony/call-control';
import type { SessionAudio } from '../../session/session-audio';

const server = useProviderServer();
const sockets = () => server.handler.log().requests.filter((r) => r.route === '/v1/realtime') as (LogEntry & { body: RealtimeLogBody })[];
const received = () => sockets()[0]?.body.received ?? [];
let open: AgentSession<VirtualAudio>[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => s.leave()));
  open = [];
});

function kit(entry: RealtimeEntry, agent: Partial<AgentOptions> = {}, options: AgentSessionOptions<VirtualAudio> = {}, model: Partial<OpenAIRealtimeOptions> = {}) {
  server.handler.script({ realtime: [entry] });
  const vad = new ScriptedVAD();
  const audio = new VirtualAudio();
  const mint = () => fetch(`${server.url}/token`, { method: 'POST' }).then((r) => r.json() as Promise<{ value: string }>).then((j) => j.value);
  const llm = new OpenAIRealtime({ baseURL: `${server.url}/v1`, getClientSecret: mint, WebSocket: NodeWebSocket, ...model });
  const session = new AgentSession(new Agent({ instructions: 'Be brief.', ...agent }), new Pipeline({ llm, vad }), { ...options, audioEngine: () => audio });
  open.push(session);
  const log: string[] = [];
  const events: { [K in keyof AgentSessionEvents]?: AgentSessionEvents[K][] } = {};
  session.on('agent_state_changed', (e) => log.push(`agent:${e.state}`));
  session.on('user_state_changed', (e) => log.push(`user:${e.state}`));
  for (const name of ['wake_up_fired', 'turn_interrupted', 'tool_call_started', 'tool_call_finished', 'metrics_collected', 'user_transcript', 'error', 'session_closed'] as const) {
    session.on(name, (e: unknown) => ((events[name] ??= []) as unknown[]).push(e));
  }
  // The voice streams the conductor opens, to read what the mixer rendered of each.
  const streams: MixerStream[] = [];
  const create = audio.mixer.createStream.bind(audio.mixer);
  audio.mixer.createStream = (rate, bus) => {
    const s = create(rate, bus);
    streams.push(s);
    return s;
  };
  const until = (done: () => boolean, timeout = 15_000) => vi.waitFor(() => expect(done(), log.join(' ')).toBe(true), { timeout, interval: 20 });
  const history = () =>
    session.getContextHistory({ includeFunctionCalls: true }).map((i) => {
      if (i.type === 'message') return `${i.role}: ${i.content}${i.interrupted ? ' [interrupted]' : ''}`;
      if (i.type === 'function_call') return `call ${i.name} ${i.arguments}`;
      return `output ${i.name}: ${i.output}`;
    });
  return { session, vad, audio, log, events, streams, until, history };
}

/** Index after the last sample above `floor` in `x[from, to)`, or `from`. */
function lastSound(x: Float32Array, from: number, to: number, floor = 1e-4): number {
  for (let i = Math.min(to, x.length) - 1; i >= from; i--) if (Math.abs(x[i]!) > floor) return i + 1;
  return from;
}

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

  it('a refused secret fails start() with provider-auth, and nothing stays open', async () => {
    const k = kit({ fault: { kind: 'auth' } });
    const error = await k.session.start().then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'provider-auth', status: 401 });
    expect(k.session.agentState).toBe('idle');
    expect(k.audio.state).toBe('closed');
    expect(k.vad.closed).toBe(true);
  });
});
