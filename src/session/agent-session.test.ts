// The whole session in Node: VirtualAudio renders the real mixer on fake timers, ScriptedVAD
// hears what the test says the user says, and scripted providers answer. No browser.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { functionTool } from '../tools/function-tool';
import { kit } from './session-test-kit';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const noArgs = { type: 'object', properties: {} } as const;

/** Fraction of 20 ms blocks of `samples` (48 kHz) above −40 dBFS. */
function audible(samples: Float32Array): number {
  let loud = 0;
  const n = Math.floor(samples.length / 960);
  for (let b = 0; b < n; b++) {
    let sum = 0;
    for (let i = b * 960; i < (b + 1) * 960; i++) sum += samples[i]! ** 2;
    if (Math.sqrt(sum / 960) > 0.01) loud++;
  }
  return loud;
}

describe('AgentSession in Node: a turn', () => {
  it('hears the user, thinks, speaks the answer, and goes idle; the states move in order', async () => {
    const k = kit({ stt: [{ text: 'What time is it?' }], llm: [{ text: 'It is noon.' }] });
    await k.session.start();
    void k.vad.speak(1);
    await k.until(() => k.history().length === 2 && k.session.agentState === 'idle');
    expect(k.history()).toEqual(['user: What time is it?', 'assistant: It is noon.']);
    const states = k.log.filter((l) => l.startsWith('agent:') || l.startsWith('user:'));
    expect(states).toEqual(['agent:starting', 'agent:idle', 'agent:listening', 'user:speaking', 'user:idle', 'agent:thinking', 'agent:speaking', 'user:listening', 'agent:idle', 'user:idle']);
    // The answer was played: about 60 ms per character of tone.
    expect(audible(k.audio.played()) * 20).toBeGreaterThan('It is noon.'.length * 60 * 0.8);
    expect(k.events.metrics_collected).toHaveLength(1);
    await k.session.close();
  });

  it('a fragment ended by a pause joins what follows, even when the user resumes while it is being transcribed', async () => {
    // A recognizer: the words of the audio it is sent (the first fragment alone is ~1.1 s with its pre-roll).
    const k = kit({ stt: (req) => (req.audio.length / req.sampleRate > 1.8 ? { text: 'I would like a table for two', delayMs: 100 } : { text: 'I would like', delayMs: 1500 }), llm: [{ text: 'Done.' }] });
    await k.session.start();
    void k.vad.speak(0.8);
    k.vad.pause(0.7); // past the VAD's 560 ms redemption: the fragment ends
    void k.vad.speak(0.8);
    await k.until(() => k.history().length === 2 && k.session.agentState === 'idle');
    expect(k.history()).toEqual(['user: I would like a table for two', 'assistant: Done.']);
    expect(k.llm.requests).toHaveLength(1);
    // The cut transcription's audio led the next request.
    expect(k.stt.requests.map((r) => Math.round(r.audioSec * 10) / 10)).toEqual([1.1, 2.2]);
  });
});

describe('AgentSession in Node: start', () => {
  it('a tool with a JSON Schema the validator cannot use fails start() with a ConfigError, and nothing stays open', async () => {
    const bad = functionTool({ name: 'bad', description: '', parameters: { type: 'object', properties: { a: { type: 'strin' } } }, execute: () => 1 });
    const k = kit({ agent: { tools: [bad] } });
    const error = await k.session.start().then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'config-invalid', message: expect.stringContaining('Tool bad: unsupported JSON Schema') });
    expect(k.session.agentState).toBe('idle');
    expect(k.audio.state).toBe('closed');
    expect(k.vad.closed).toBe(true);
  });

  it('a JSON Schema tool validates the LLM\'s arguments: a bad call gets an error output, a good one runs', async () => {
    const calls: unknown[] = [];
    const book = functionTool({
      name: 'book',
      description: '',
      parameters: { type: 'object', properties: { people: { type: 'integer', minimum: 1 } }, required: ['people'] },
      execute: (args) => void calls.push(args),
    });
    const k = kit({ agent: { tools: [book] }, llm: [{ toolCalls: [{ name: 'book', arguments: { people: 0 } }] }, { toolCalls: [{ name: 'book', arguments: { people: 2 } }] }, { text: 'Booked.' }] });
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => k.history().includes('assistant: Booked.'));
    expect(calls).toEqual([{ people: 2 }]);
    expect(k.history()[2]).toMatch(/^output book: .*people: must be >= 1/);
  });
});

describe('AgentSession in Node: start while the VAD loads', () => {
  it('start() does not wait for the model: the greeting plays at once, and speech during the load is answered once it runs', async () => {
    const k = kit({ stt: [{ text: 'Hello there' }], llm: [{ text: 'Hi.' }] });
    k.vad.loadMs = 1500;
    k.agent.onEnter = async () => void k.session.say('Welcome.');
    let started = false;
    void k.session.start().then(() => (started = true));
    await k.until(() => started, 1000, 'start before the VAD loaded');
    void k.vad.speak(0.8); // while the model still loads
    await k.until(() => k.history().includes('assistant: Hi.') && k.session.agentState === 'idle', 8000);
    expect(k.history()).toEqual(['assistant: Welcome.', 'user: Hello there', 'assistant: Hi.']);
    await k.session.close();
  });

  it('a VAD that fails after start() is an error (source vad); typed text is still answered and close() releases all', async () => {
    const k = kit({ stt: [], llm: [{ text: 'Typed, answered.' }] });
    k.vad.loadMs = 1000;
    k.vad.loadError = new Error('model failed');
    await k.session.start();
    await k.run(1200);
    expect(k.events.error?.map((e) => [e.source, e.error.message])).toEqual([['vad', 'model failed']]);
    k.session.sendText('are you there?');
    await k.until(() => k.history().includes('assistant: Typed, answered.') && k.session.agentState === 'idle');
    await k.session.close();
    expect(k.audio.state).toBe('closed');
    expect(k.vad.closed).toBe(true);
  });

  it('a VAD that fails at once: start() still resolves, and the failure is an error (source vad)', async () => {
    const k = kit();
    k.vad.loadError = new Error('model failed');
    await k.session.start();
    await k.run(100);
    expect(k.events.error?.map((e) => [e.source, e.error.message])).toEqual([['vad', 'model failed']]);
    expect(k.session.agentState).toBe('idle');
    await k.session.close();
    expect(k.audio.state).toBe('closed');
  });
});

describe('AgentSession in Node: barge-in', () => {
  it('while thinking: the LLM call is aborted, nothing of it reaches the history, and the new words are answered', async () => {
    const k = kit({ stt: [{ text: 'Tell me a story' }, { text: 'no wait, the weather' }], llm: [{ text: 'Once upon a time.', delayMs: 5000 }, { text: 'Sunny.' }] });
    await k.session.start();
    void k.vad.speak(1);
    await k.until(() => k.session.agentState === 'thinking');
    await k.run(300);
    void k.vad.speak(1);
    await k.until(() => k.history().includes('assistant: Sunny.') && k.session.agentState === 'idle');
    expect(k.events.turn_interrupted?.map((e) => e.reason)).toEqual(['barge_in']);
    // The first words were never answered: they lead the next ones, as one user message.
    expect(k.history()).toEqual(['user: Tell me a story no wait, the weather', 'assistant: Sunny.']);
    expect(k.llm.requests.at(-1)?.items.at(-1)).toMatchObject({ role: 'user', content: 'Tell me a story no wait, the weather' });
    expect(k.tts.requests).toEqual(['Sunny.']);
  });

  it('while speaking: audio stops, the history keeps only what was heard, and the user is answered', async () => {
    const story = 'One. Two. Three. Four. Five. Six. Seven. Eight. Nine. Ten.';
    const k = kit({ stt: [{ text: 'Count' }, { text: 'stop' }], llm: [{ text: story }, { text: 'Okay.' }] });
    await k.session.start();
    void k.vad.speak(0.6);
    await k.until(() => k.session.agentState === 'speaking');
    await k.run(1200);
    void k.vad.speak(0.8);
    await k.until(() => k.history().includes('assistant: Okay.') && k.session.agentState === 'idle');
    const cut = k.history()[1]!;
    expect(cut).toMatch(/^assistant: One\..*\[interrupted\]$/);
    expect(cut.length).toBeLessThan(`assistant: ${story}`.length);
    expect(k.events.interruption_suspected?.length).toBeGreaterThan(0);
    expect(k.history().slice(2)).toEqual(['user: stop', 'assistant: Okay.']);
  });

  it('during a tool: the tool sees its signal abort, the call still gets an output, and the user is answered', async () => {
    let aborted = false;
    const slow = functionTool({
      name: 'lookup',
      description: 'slow',
      parameters: noArgs,
      execute: (_args, ctx) =>
        new Promise((resolve) => {
          const t = setTimeout(() => resolve('found'), 10_000);
          ctx.signal.addEventListener('abort', () => ((aborted = true), clearTimeout(t), resolve('gone')));
        }),
    });
    const k = kit({ agent: { tools: [slow] }, stt: [{ text: 'look it up' }, { text: 'never mind' }], llm: [{ toolCalls: [{ name: 'lookup' }] }, { text: 'Fine.' }] });
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => (k.events.tool_call_started?.length ?? 0) > 0);
    void k.vad.speak(0.8);
    await k.until(() => k.history().includes('assistant: Fine.') && k.session.agentState === 'idle');
    expect(aborted).toBe(true);
    expect(k.events.turn_interrupted?.map((e) => e.reason)).toEqual(['barge_in']);
    const h = k.history();
    expect(h.slice(0, 3)).toEqual(['user: look it up', 'call lookup', expect.stringMatching(/^output lookup: /)]);
    expect(h.slice(3)).toEqual(['user: never mind', 'assistant: Fine.']);
  });

  it('during say() from a tool: the spoken part stops with the turn, and the tool is aborted', async () => {
    let toolAborted = false;
    const announce = functionTool({
      name: 'book',
      description: 'books',
      parameters: noArgs,
      execute: async (_args, ctx) => {
        ctx.signal.addEventListener('abort', () => (toolAborted = true));
        await ctx.session.say('One moment while I book that for you, it can take a little while.');
        return 'booked';
      },
    });
    const k = kit({ agent: { tools: [announce] }, stt: [{ text: 'book it' }, { text: 'cancel' }], llm: [{ toolCalls: [{ name: 'book' }] }, { text: 'Cancelled.' }] });
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => k.session.agentState === 'speaking');
    await k.run(800);
    void k.vad.speak(0.8);
    await k.until(() => k.history().includes('assistant: Cancelled.') && k.session.agentState === 'idle');
    expect(toolAborted).toBe(true);
    const h = k.history();
    expect(h).toContain('user: cancel');
    const said = h.find((l) => l.startsWith('assistant: One moment'));
    expect(said).toMatch(/\[interrupted\]$/);
    expect(k.tts.requests.at(-1)).toBe('Cancelled.');
  });

  it('during a waitForPlayback reply: the reply plays to the end, and the held words are answered after it', async () => {
    const k = kit({ stt: [{ text: 'hello?' }], llm: [{ text: 'Welcome to the shop, we have many things today.' }, { text: 'Yes, hello.' }] });
    await k.session.start();
    const reply = k.session.reply('Greet the user.');
    await k.until(() => k.session.agentState === 'speaking');
    await k.run(300);
    void k.vad.speak(0.8);
    await k.until(() => reply.done);
    expect(reply.interrupted).toBe(false);
    expect(k.events.turn_interrupted).toBeUndefined();
    await k.until(() => k.history().includes('assistant: Yes, hello.') && k.session.agentState === 'idle');
    expect(k.history()).toEqual(['assistant: Welcome to the shop, we have many things today.', 'user: hello?', 'assistant: Yes, hello.']);
  });

  it('a cough over the agent ducks it, then it carries on: nothing interrupted, nothing answered', async () => {
    const k = kit({ llm: [{ text: 'This is a long enough sentence to cough over.' }], stt: [{ text: 'hi' }] });
    await k.session.start();
    const said = k.session.say('This is a long enough sentence to cough over.');
    await k.until(() => k.session.agentState === 'speaking');
    await k.run(500);
    void k.vad.speak(0.15, { rms: 0.2 });
    await k.until(() => said.done);
    expect(said.interrupted).toBe(false);
    expect(k.log).toContain('interruption_suspected');
    expect(k.log).toContain('interruption_cancelled');
    expect(k.history()).toEqual(['assistant: This is a long enough sentence to cough over.']);
  });
});
