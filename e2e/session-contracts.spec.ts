// The AgentSession contracts where the seed misbehaved (spec/agent-session.md §2.4–2.6,
// §2.11, §2.14, §9): each test drives a real session in Chromium against the local
// provider server and asserts the history, handle flags, events and server log.
// Most need no user speech: the mic plays `click` (silence, one click the VAD ignores) and
// the agent is driven with `reply()` / `say()`; user speech, when needed, comes from a
// fixture or is played into the mic path at a chosen moment (`speakIntoMic`).
import { expect, test, type BrowserContext, type Page } from './support/test';
import { launchWarm } from './support/browser';
import { control, events, logFailure, startAgent, waitForEvents, type StartAgentOptions } from './support/agent-run';

let browser: BrowserContext;
let page: Page;
test.afterEach(async ({ baseURL }, info) => {
  if (info.status !== info.expectedStatus && page) await logFailure(page, baseURL!);
  await page?.evaluate(() => (window as any).R?.session.close()).catch(() => undefined);
  await browser?.close();
});

/**
 * The tools the agent has in every test (this function runs in the page). Each records
 * what it did on `R.log`; the LLM script decides which ones are called.
 */
function pageTools(E: any) {
  const R = () => (window as any).R;
  const note = (entry: string) => (R().log ??= []).push(entry);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const noArgs = { type: 'object', properties: {} };
  return [
    E.functionTool({
      name: 'announce', description: 'Tells the user to wait, then works', parameters: noArgs,
      execute: async (_: unknown, ctx: any) => {
        await ctx.session.say('One moment.');
        note('announce returned');
        return { announced: true };
      },
    }),
    E.functionTool({
      name: 'schedule_followup', description: 'Schedules a follow-up reply', parameters: noArgs,
      execute: (_: unknown, ctx: any) => {
        const handle = ctx.session.reply('FOLLOW-UP INSTRUCTIONS: mention the follow-up.');
        R().followup = handle;
        note(`followup done at return: ${handle.done}`);
        return 'scheduled';
      },
    }),
    E.functionTool({
      name: 'stop_now', description: 'Interrupts the session, then keeps working', parameters: noArgs,
      execute: async (_: unknown, ctx: any) => {
        ctx.session.interrupt();
        await sleep(300);
        note(`stop_now aborted: ${ctx.signal.aborted}`);
        return 'finished anyway';
      },
    }),
    E.functionTool({
      name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      execute: async ({ city }: { city: string }) => {
        note(`start ${city}`);
        await sleep(200);
        note(`end ${city}`);
        return { city, sky: city === 'Paris' ? 'sunny' : 'cloudy' };
      },
    }),
  ];
}

/**
 * `openHarness`, with Vite's HMR socket mocked: an edit under src/ while a test runs (the
 * dev server watches the tree) must not reload the page under the test.
 */
async function openHarness(b: BrowserContext, baseURL: string): Promise<Page> {
  const p = await b.newPage();
  p.on('pageerror', (err) => console.error('[pageerror]', err));
  await p.routeWebSocket(() => true, () => undefined);
  await p.goto(new URL('/e2e/pages/harness.html', baseURL).href);
  await p.waitForFunction(() => (window as any).E !== undefined);
  return p;
}

/** Resets the provider server, scripts it, launches Chromium with `wav` as the mic and starts the agent. */
async function open(baseURL: string, wav: string, script: object, o: StartAgentOptions & { ttsBytesPerSecond?: number } = {}) {
  await control(baseURL, 'reset', {});
  if (o.ttsBytesPerSecond) await control(baseURL, 'config', { ttsBytesPerSecond: o.ttsBytesPerSecond });
  await control(baseURL, 'script', script);
  browser = await launchWarm({ wav });
  page = await openHarness(browser, baseURL);
  await startAgent(page, { ...o, toolsSource: pageTools.toString() });
}

/** History as readable lines: `user: …`, `call name(args)`, `output name {…}`. */
async function history(opts: { includeFunctionCalls?: boolean; includeSystemMessages?: boolean } = {}): Promise<string[]> {
  const items = await page.evaluate((o) => (window as any).R.session.getContextHistory(o), opts);
  return items.map((i: any) => (i.type === 'message' ? `${i.role}: ${i.content}` : i.type === 'function_call' ? `call ${i.name}(${i.arguments})` : `output ${i.name} ${i.output}`));
}

/** Each group of calls (one LLM response) is directly followed by their outputs, same ids in the same order: nothing orphaned, no message between. */
async function expectCallsAnswered() {
  const items: any[] = await page.evaluate(() => (window as any).R.session.getContextHistory({ includeFunctionCalls: true }));
  for (let k = 0; k < items.length;) {
    const calls: string[] = [];
    while (items[k]?.type === 'function_call') calls.push(items[k++].callId);
    const next = items.slice(k, k + calls.length).map((i) => (i.type === 'function_call_output' ? i.callId : `(${i.type})`));
    expect(next, 'the outputs right after the calls').toEqual(calls);
    k += Math.max(1, calls.length);
  }
}

/** Awaits `R.<name>` (an UtteranceHandle) in the page; 'timeout' after `ms` (a deadlock, not slowness). */
async function settle(name: string, ms = 10_000): Promise<{ outcome: 'done' | 'timeout'; done: boolean; interrupted: boolean }> {
  return page.evaluate(async ({ name, ms }) => {
    const h = (window as any).R[name];
    const outcome = await Promise.race([Promise.resolve(h).then(() => 'done' as const), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);
    return { outcome, done: h.done, interrupted: h.interrupted };
  }, { name, ms });
}

/** Runs `expr` (JS using `s` = the session) in the page and stores its result as `R.<name>`. */
async function run(name: string, expr: string): Promise<void> {
  await page.evaluate(({ name, expr }) => {
    const R = (window as any).R;
    R[name] = new Function('s', 'R', `return (${expr});`)(R.session, R);
  }, { name, expr });
}

const named = (ev: any[], name: string) => ev.filter((e) => e.name === name);
const pageLog = () => page.evaluate(() => ((window as any).R.log ?? []) as string[]);
const chatRequests = async (baseURL: string) => ((await control(baseURL, 'log')).requests as any[]).filter((r) => r.route === '/v1/chat/completions');
const speechInputs = async (baseURL: string) => ((await control(baseURL, 'log')).requests as any[]).filter((r) => r.route === '/v1/audio/speech').map((r) => r.body.input);

/** Waits until the agent state has been `state` `count` times. */
async function waitForState(state: string, count = 1, timeout = 20_000) {
  await page.waitForFunction(({ state, count }) => (window as any).R.events.filter((e: any) => e.name === 'agent_state_changed' && e.state === state).length >= count, { state, count }, { timeout });
}

/**
 * Plays a fixture (its speech, from 0.8 s in) into the mic path, mixed with the fake mic
 * before capture: the VAD hears it as the user speaking now.
 */
async function speakIntoMic(wav = 'utt-en-us') {
  await page.evaluate(async (wav) => {
    const s = (window as any).R.session;
    const ctx: AudioContext = s.audio.context;
    const buffer = await ctx.decodeAudioData(await (await fetch(`/e2e/fixtures/generated/${wav}.wav`)).arrayBuffer());
    const source = new AudioBufferSourceNode(ctx, { buffer });
    source.connect(s.audio.inputNode);
    source.start(0, 0.8);
  }, wav);
}

// Plain sentences, each one TTS segment: about 10 s of speech.
const STORY = [
  'Once upon a time there was a small robot who lived in a lighthouse.',
  'Every night it polished the great lamp until it shone like the sun.',
  'Ships far away saw the light and found their way home safely.',
].join(' ');

test('1. an awaited say() inside a tool resolves; its text lands after the tool output', async ({ baseURL }) => {
  await open(baseURL!, 'click', { llm: [{ toolCalls: [{ name: 'announce', arguments: {} }] }, { text: 'The answer is 42.' }] });
  await run('h', `s.reply('Answer the question.')`);
  expect(await settle('h')).toEqual({ outcome: 'done', done: true, interrupted: false });
  expect(await pageLog()).toEqual(['announce returned']);
  const lines = await history({ includeFunctionCalls: true });
  expect(lines).toEqual(['call announce({})', 'output announce {"announced":true}', 'assistant: One moment.', 'assistant: The answer is 42.']);
  await expectCallsAnswered();
  expect(await speechInputs(baseURL!)).toEqual(['One moment.', 'The answer is 42.']);
});

for (const waitForPlayback of [true, false]) {
  test(`2. user speech during reply({ waitForPlayback: ${waitForPlayback} }) ${waitForPlayback ? 'is held until it has played' : 'interrupts it (control)'}`, async ({ baseURL }) => {
    await open(baseURL!, 'click', { llm: [{ text: STORY }, { text: 'Sure, ask away.' }], stt: [{ text: 'Can I ask something?' }] }, { ttsBytesPerSecond: 96000 });
    await run('h', `s.reply('Tell a story.', { waitForPlayback: ${waitForPlayback} })`);
    await waitForState('speaking');
    await speakIntoMic();
    await waitForEvents(page, 'user_speech_ended', 1);
    if (waitForPlayback) {
      expect(await settle('h', 30_000)).toEqual({ outcome: 'done', done: true, interrupted: false });
      await waitForEvents(page, 'agent_transcript', 2);
      const ev = await events(page);
      expect(named(ev, 'turn_interrupted')).toEqual([]);
      // The user spoke during the reply, and was transcribed and answered after it.
      const [reply, answer] = named(ev, 'agent_transcript');
      expect(named(ev, 'user_speech_ended')[0].t).toBeLessThan(reply.t);
      expect(reply).toMatchObject({ text: STORY, interrupted: false });
      expect(named(ev, 'user_transcript').find((e) => e.final).t).toBeGreaterThan(reply.t);
      expect(answer).toMatchObject({ text: 'Sure, ask away.', interrupted: false });
      expect(await history()).toEqual([`assistant: ${STORY}`, 'user: Can I ask something?', 'assistant: Sure, ask away.']);
    } else {
      await waitForEvents(page, 'turn_interrupted', 1);
      expect(await settle('h')).toEqual({ outcome: 'done', done: true, interrupted: true });
      expect(named(await events(page), 'turn_interrupted')[0].reason).toBe('barge_in');
      await waitForEvents(page, 'agent_transcript', 2);
      const lines = await history();
      expect(lines.slice(1)).toEqual(['user: Can I ask something?', 'assistant: Sure, ask away.']);
      const cut = lines[0]!.replace('assistant: ', '');
      expect(cut.length).toBeLessThan(STORY.length);
      expect(STORY.startsWith(cut)).toBe(true);
    }
  });
}

test('3. reply() from a tool is scheduled after the turn; the outer answer stays; instructions are never stored', async ({ baseURL }) => {
  await open(baseURL!, 'hello-then-silence', {
    stt: [{ text: 'Hello there.' }],
    llm: [{ toolCalls: [{ name: 'schedule_followup', arguments: {} }] }, { text: 'Outer answer.' }, { text: 'Follow-up answer.' }],
  });
  await waitForEvents(page, 'tool_call_finished', 1);
  expect(await settle('followup')).toEqual({ outcome: 'done', done: true, interrupted: false });
  expect(await pageLog()).toEqual(['followup done at return: false']);
  const lines = await history({ includeFunctionCalls: true, includeSystemMessages: true });
  expect(lines).toEqual([
    'system: You are a terse voice assistant.',
    'user: Hello there.',
    'call schedule_followup({})',
    'output schedule_followup "scheduled"',
    'assistant: Outer answer.',
    'assistant: Follow-up answer.',
  ]);
  expect(lines.some((l) => l.includes('FOLLOW-UP INSTRUCTIONS'))).toBe(false);
  await expectCallsAnswered();
  // The instructions went to the LLM in the reply's request only, after the outer answer.
  const chats = await chatRequests(baseURL!);
  expect(chats).toHaveLength(3);
  const sent = chats.map((c) => c.body.messages.map((m: any) => m.content ?? ''));
  expect(sent.slice(0, 2).flat().some((t: string) => t.includes('FOLLOW-UP INSTRUCTIONS'))).toBe(false);
  expect(sent[2]).toContain('Outer answer.');
  expect(sent[2].at(-1)).toContain('FOLLOW-UP INSTRUCTIONS');
});

test('4. session.interrupt() inside a running tool stops the turn; the call gets an "interrupted" output', async ({ baseURL }) => {
  await open(baseURL!, 'click', { llm: [{ toolCalls: [{ name: 'stop_now', arguments: {} }] }, { text: 'This must never be asked for.' }] });
  await run('h', `s.reply('Do the thing.')`);
  expect(await settle('h')).toEqual({ outcome: 'done', done: true, interrupted: true });
  await waitForEvents(page, 'turn_interrupted', 1);
  await page.waitForFunction(() => ((window as any).R.log ?? []).length > 0);
  expect(await pageLog()).toEqual(['stop_now aborted: true']); // the tool saw its signal abort
  const lines = await history({ includeFunctionCalls: true });
  expect(lines).toEqual(['call stop_now({})', 'output stop_now {"error":"interrupted"}']);
  await expectCallsAnswered();
  const ev = await events(page);
  expect(named(ev, 'turn_interrupted')[0].reason).toBe('interrupt');
  expect(await chatRequests(baseURL!)).toHaveLength(1); // no follow-up round
  await page.waitForFunction(() => (window as any).R.session.agentState === 'idle'); // not stuck in 'listening'
});

test('5. every tool call of the first LLM response runs, in parallel', async ({ baseURL }) => {
  await open(baseURL!, 'click', {
    llm: [{ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }, { name: 'get_weather', arguments: { city: 'Rome' } }] }, { text: 'Sunny in Paris, cloudy in Rome.' }],
  });
  await run('h', `s.reply('Weather in Paris and Rome?')`);
  expect(await settle('h')).toEqual({ outcome: 'done', done: true, interrupted: false });
  const log = await pageLog();
  expect(log.slice(0, 2).sort()).toEqual(['start Paris', 'start Rome']); // both started before either ended
  expect(log.slice(2).sort()).toEqual(['end Paris', 'end Rome']);
  const lines = await history({ includeFunctionCalls: true });
  expect(lines).toEqual([
    'call get_weather({"city":"Paris"})',
    'call get_weather({"city":"Rome"})',
    'output get_weather {"city":"Paris","sky":"sunny"}',
    'output get_weather {"city":"Rome","sky":"cloudy"}',
    'assistant: Sunny in Paris, cloudy in Rome.',
  ]);
  await expectCallsAnswered();
});

test('6. interrupting a finished utterance is a no-op; a non-interruptible one needs force', async ({ baseURL }) => {
  await open(baseURL!, 'click', {}, { ttsBytesPerSecond: 96000 });
  const r = await page.evaluate(async () => {
    const R = (window as any).R;
    const s = R.session;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const idle = async () => { while (s.agentState !== 'idle') await sleep(10); }; // the session settles just after the handle
    const h = s.say('Hi.');
    await h;
    await idle();
    const fixed = s.say('Okay.', { interruptible: false });
    await fixed;
    await idle();
    const before = { agent: s.agentState, user: s.userState, events: R.events.length };
    h.interrupt();
    let threw = false;
    try { fixed.interrupt(); } catch { threw = true; }
    s.interrupt();
    await sleep(300);
    const after = { agent: s.agentState, user: s.userState, events: R.events.length };
    return { before, after, flags: [h.interrupted, fixed.interrupted, threw], newEvents: R.events.slice(before.events).map((e: any) => e.name) };
  });
  expect(r.flags).toEqual([false, false, false]); // [h.interrupted, fixed.interrupted, fixed.interrupt() threw]
  expect(r.newEvents).toEqual([]); // no turn_interrupted, no state change
  expect(r.after).toEqual(r.before);

  // A running non-interruptible say: interrupt() leaves it alone, force stops it.
  const states = (await events(page)).filter((e) => e.name === 'agent_state_changed' && e.state === 'speaking').length;
  await run('long', `s.say(${JSON.stringify(STORY)}, { interruptible: false })`);
  await waitForState('speaking', states + 1);
  const unforced = await page.evaluate(async () => {
    const R = (window as any).R;
    let threw = false;
    try { R.long.interrupt(); } catch { threw = true; }
    R.session.interrupt();
    await new Promise((r) => setTimeout(r, 500));
    return { threw, done: R.long.done, interrupted: R.long.interrupted, agent: R.session.agentState };
  });
  expect(unforced).toEqual({ threw: true, done: false, interrupted: false, agent: 'speaking' });
  expect(named(await events(page), 'turn_interrupted')).toEqual([]);
  await page.evaluate(() => (window as any).R.session.interrupt({ force: true }));
  expect(await settle('long', 5000)).toEqual({ outcome: 'done', done: true, interrupted: true });
  await waitForEvents(page, 'turn_interrupted', 1);
  expect(named(await events(page), 'turn_interrupted')[0].reason).toBe('interrupt');
  const last = (await history()).at(-1)!.replace('assistant: ', '');
  expect(STORY.startsWith(last) && last.length < STORY.length).toBe(true);
});

/** Power of frequency `f` in `x` (Goertzel), normalised: a sine of amplitude A gives A²/4. */
function tonePower(x: Float32Array, f: number, sampleRate: number): number {
  const c = 2 * Math.cos((2 * Math.PI * f) / sampleRate);
  let s1 = 0, s2 = 0;
  for (const v of x) [s1, s2] = [v + c * s1 - s2, s1];
  return (s1 * s1 + s2 * s2 - c * s1 * s2) / (x.length * x.length);
}

test('7. starting background audio twice replaces the first player; stopping leaves silence', async ({ baseURL }) => {
  await open(baseURL!, 'click', {});
  const A = 440, B = 1000;
  const play = (hz: number) => page.evaluate(async (hz) => {
    const s = (window as any).R.session;
    const sampleRate = s.audio.context.sampleRate;
    const samples = new Float32Array(sampleRate); // 1 s, a whole number of cycles: loops seamlessly
    for (let i = 0; i < samples.length; i++) samples[i] = 0.2 * Math.sin((2 * Math.PI * hz * i) / sampleRate);
    await s.playBackgroundAudio({ source: { samples, sampleRate }, loop: true });
  }, hz);
  /** The output rendered during the next `ms` (after `settleMs` for fades). */
  const listen = async (ms: number, settleMs = 300) => {
    await page.waitForTimeout(settleMs);
    const from = await page.evaluate(() => (window as any).R.blocks.length);
    await page.waitForTimeout(ms);
    const r = await page.evaluate((from) => {
      const R = (window as any).R;
      return { samples: R.blocks.slice(from).flatMap((b: any) => Array.from(b.samples as Float32Array)), sampleRate: R.sampleRate };
    }, from);
    return { x: Float32Array.from(r.samples), sampleRate: r.sampleRate as number };
  };
  await play(A);
  const a = await listen(500);
  expect(tonePower(a.x, A, a.sampleRate)).toBeGreaterThan(0.005); // the tap hears the background
  await play(B);
  const b = await listen(500);
  const pA = tonePower(b.x, A, b.sampleRate), pB = tonePower(b.x, B, b.sampleRate);
  console.log(`background: while B plays, power at A ${pA.toExponential(2)}, at B ${pB.toExponential(2)}`);
  expect(pB).toBeGreaterThan(0.005);
  expect(pA).toBeLessThan(pB / 1000);
  await page.evaluate(() => (window as any).R.session.stopBackgroundAudio());
  const after = await listen(500);
  const rms = Math.sqrt(after.x.reduce((s, v) => s + v * v, 0) / after.x.length);
  expect(after.x.length).toBeGreaterThan(after.sampleRate * 0.3);
  expect(rms).toBeLessThan(1e-4);
});

test('8. the wake-up timer fires once per silence, not again after its own prompt; user speech re-arms it', async ({ baseURL }) => {
  await open(baseURL!, 'hello-then-silence', {
    stt: [{ text: 'Hello there.' }, { text: 'Sorry, I was away.' }],
    llm: [{ text: 'Hi! How can I help?' }, { text: 'Welcome back.' }],
  }, { wakeUp: 1.5, wakeUpSay: 'Are you still there?' });
  await waitForEvents(page, 'wake_up_fired', 1);
  // The prompt plays; then more than twice the timeout of silence must pass without a second firing.
  await page.waitForFunction(() => (window as any).R.session.agentState === 'idle' && (window as any).R.session.currentUtterance === null);
  await page.waitForTimeout(2 * 1500 + 500);
  let ev = await events(page);
  expect(named(ev, 'wake_up_fired')).toHaveLength(1);
  expect(named(ev, 'agent_transcript').map((e) => e.text)).toEqual(['Hi! How can I help?', 'Are you still there?']);
  // The user speaks again: after the answer and 1.5 s of silence, it fires a second time.
  await speakIntoMic();
  await waitForEvents(page, 'wake_up_fired', 2, 20_000);
  ev = await events(page);
  const fired = named(ev, 'wake_up_fired');
  const secondSpeech = named(ev, 'user_speech_started')[1];
  const welcome = named(ev, 'agent_transcript').find((e) => e.text === 'Welcome back.');
  expect(secondSpeech.t).toBeGreaterThan(fired[0].t);
  expect(welcome.t).toBeLessThan(fired[1].t);
  await waitForEvents(page, 'agent_transcript', 4);
  expect(await history()).toEqual(['user: Hello there.', 'assistant: Hi! How can I help?', 'assistant: Are you still there?', 'user: Sorry, I was away.', 'assistant: Welcome back.', 'assistant: Are you still there?']);
});

test('9. close() twice is safe and releases the mic, the AudioContext and the VAD worker', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  browser = await launchWarm({ wav: 'click' });
  page = await openHarness(browser, baseURL!);
  const vadWorker = page.waitForEvent('worker', { predicate: (w) => /vad/i.test(w.url()), timeout: 20_000 });
  await startAgent(page);
  const worker = await vadWorker;
  const workerClosed = new Promise<void>((resolve) => worker.on('close', () => resolve()));
  const r = await page.evaluate(async () => {
    const R = (window as any).R;
    const s = R.session;
    R.track = s.audio.microphone.track;
    R.context = s.audio.context;
    const live = R.track.readyState;
    const first = await Promise.race([Promise.all([s.close(), s.close()]).then(() => 'resolved'), new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
    const again = await Promise.race([s.close().then(() => 'resolved'), new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
    return { live, first, again };
  });
  expect(r).toEqual({ live: 'live', first: 'resolved', again: 'resolved' });
  await page.waitForFunction(() => (window as any).R.track.readyState === 'ended' && (window as any).R.context.state === 'closed', null, { timeout: 5000 });
  // The page's VAD worker outlives its last user by SileroVAD.keepWarmMs (5 s from the VAD's
  // close, inside session.close()): 5 s from here left only the engine's close as margin, and a
  // busy machine's worker 'close' notice came later once (npm test, 2026-12-04).
  await Promise.race([workerClosed, new Promise((_, reject) => setTimeout(() => reject(new Error('the VAD worker is still running')), 5000 + 3000))]);
  expect(page.workers().filter((w) => /vad/i.test(w.url()))).toEqual([]);
  const ev = await events(page);
  expect(named(ev, 'session_closed')).toHaveLength(1);
  expect(named(ev, 'agent_state_changed').at(-1).state).toBe('closing');
});

test('10. provider faults surface as typed errors and the session carries on', async ({ baseURL }) => {
  const status500 = { fault: { kind: 'status', status: 500 } };
  const fox = 'The quick brown fox jumps over the lazy dog. It was not amused.';
  await open(baseURL!, 'hello-then-silence', {
    stt: [{ text: 'Hello there.' }],
    llm: [status500, status500, status500, { text: 'Back again.' }, { text: fox, fault: { kind: 'cut', afterChars: 20 } }],
  });
  // LLM 500 on the first try and both retries, during a user turn.
  await waitForEvents(page, 'error', 1);
  let errors = named(await events(page), 'error');
  expect(errors[0]).toMatchObject({ source: 'llm', code: 'provider-server' });
  expect((await chatRequests(baseURL!)).map((c) => c.status)).toEqual([500, 500, 500]);
  await page.waitForFunction(() => (window as any).R.session.currentUtterance === null);
  expect(await history()).toEqual(['user: Hello there.']);
  // The session still answers.
  await run('back', `s.reply('Say you are back.')`);
  expect(await settle('back')).toEqual({ outcome: 'done', done: true, interrupted: false });
  expect(await history()).toEqual(['user: Hello there.', 'assistant: Back again.']);

  // TTS 401: an auth error from the TTS; the say still ends.
  await control(baseURL!, 'script', { tts: [{ fault: { kind: 'status', status: 401 } }], append: true });
  await run('said', `s.say('Testing the voice.')`);
  expect((await settle('said')).outcome).toBe('done');
  errors = named(await events(page), 'error');
  expect(errors.slice(1)).toEqual([expect.objectContaining({ source: 'tts', code: 'provider-auth' })]);

  // The LLM stream is cut mid-sentence (after "fox "): a protocol error; what arrived is
  // spoken and kept, marked interrupted.
  await run('cut', `s.reply('Tell me about the fox.')`);
  expect(await settle('cut')).toEqual({ outcome: 'done', done: true, interrupted: false });
  errors = named(await events(page), 'error');
  expect(errors.slice(2)).toEqual([expect.objectContaining({ source: 'llm', code: 'provider-protocol' })]);
  expect((await history()).at(-1)).toBe('assistant: The quick brown fox');
  expect((await speechInputs(baseURL!)).at(-1)).toBe('The quick brown fox');
  expect(named(await events(page), 'agent_transcript').at(-1)).toMatchObject({ text: 'The quick brown fox', interrupted: true });
  const items = await page.evaluate(() => (window as any).R.session.getContextHistory());
  expect(items.at(-1)).toMatchObject({ content: 'The quick brown fox', interrupted: true });

  // Cut inside a word ("The quick brown f"): the half word is never spoken nor kept.
  await control(baseURL!, 'script', { llm: [{ text: fox, fault: { kind: 'cut', afterChars: 17 } }], append: true });
  await run('mid', `s.reply('Again.')`);
  expect((await settle('mid')).outcome).toBe('done');
  expect((await speechInputs(baseURL!)).at(-1)).toBe('The quick brown');
  expect((await history()).at(-1)).toBe('assistant: The quick brown');
  // Turns that produced no audio (the LLM 500s, the TTS 401) never showed a `speaking` state.
  expect(named(await events(page), 'agent_state_changed').filter((e) => e.state === 'speaking')).toHaveLength(3);
});
