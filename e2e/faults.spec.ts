// Faults and misuse (issue 7): each test drives a real session in Chromium against the local
// provider server (local-ai/), causes one fault, asserts its typed error or defined outcome,
// and then shows the session still works. Time bounds here only guard against hanging:
// they are an order of magnitude above the expected value.
import { expect, test, type BrowserContext, type Page } from './support/test';
import { launchWarm } from './support/browser';
import { control, events, logFailure, startAgent, waitForEvents, type StartAgentOptions } from './support/agent-run';

// Generous: a loaded 2-core machine takes tens of seconds to start a session (VAD wasm);
// each test's own waits guard against hangs.
test.describe.configure({ timeout: 240_000 });

let browser: BrowserContext;
let page: Page;
test.afterEach(async ({ baseURL }, info) => {
  if (info.status !== info.expectedStatus && page) await logFailure(page, baseURL!);
  await page?.evaluate(() => (window as any).R?.session.close()).catch(() => undefined);
  await browser?.close();
});

async function openPage(baseURL: string, wav: string): Promise<void> {
  browser = await launchWarm({ wav });
  page = await browser.newPage();
  page.on('pageerror', (err) => console.error('[pageerror]', err));
  await page.routeWebSocket(() => true, () => undefined); // no HMR reload under a test
  await page.goto(new URL('/e2e/pages/harness.html', baseURL).href);
  await page.waitForFunction(() => (window as any).E !== undefined);
}

async function open(baseURL: string, wav: string, script: object, o: StartAgentOptions & { ttsBytesPerSecond?: number } = {}) {
  await control(baseURL, 'reset', {});
  if (o.ttsBytesPerSecond) await control(baseURL, 'config', { ttsBytesPerSecond: o.ttsBytesPerSecond });
  await control(baseURL, 'script', script);
  await openPage(baseURL, wav);
  await startAgent(page, { ...o, toolsSource: pageTools.toString() });
}

/** Tools that misbehave; they record on `R.log` (this function runs in the page). */
function pageTools(E: any) {
  const note = (entry: string) => ((window as any).R.log ??= []).push(entry);
  const noArgs = { type: 'object', properties: {} };
  return [
    E.functionTool({
      name: 'never_returns', description: 'Hangs', parameters: noArgs,
      execute: (_: unknown, ctx: any) => {
        ctx.signal.addEventListener('abort', () => note('never_returns aborted'));
        return new Promise(() => undefined);
      },
    }),
  ];
}

async function run(name: string, expr: string): Promise<void> {
  await page.evaluate(({ name, expr }) => {
    const R = (window as any).R;
    R[name] = new Function('s', 'R', `return (${expr});`)(R.session, R);
  }, { name, expr });
}

/** Awaits `R.<name>` (a handle or promise): 'done', 'rejected <code>', or 'timeout' (a hang). */
async function settle(name: string, ms = 15_000): Promise<string> {
  return page.evaluate(async ({ name, ms }) => {
    const p = Promise.resolve((window as any).R[name]).then(() => 'done', (e: any) => `rejected ${e?.code ?? e?.name}`);
    return Promise.race([p, new Promise<string>((r) => setTimeout(() => r('timeout'), ms))]);
  }, { name, ms });
}

const named = (ev: any[], name: string) => ev.filter((e) => e.name === name);
const agentStates = async () => named(await events(page), 'agent_state_changed').map((e) => e.state);
const history = async (o: object = {}) =>
  ((await page.evaluate((o) => (window as any).R.session.getContextHistory(o), o)) as any[]).map((i) => (i.type === 'message' ? `${i.role}: ${i.content}${i.interrupted ? ' [interrupted]' : ''}` : i.type === 'function_call' ? `call ${i.name}` : `output ${i.name} ${i.output}`));
const requests = async (baseURL: string, route: string) => ((await control(baseURL, 'log')).requests as any[]).filter((r) => r.route === route);
const idle = () => page.waitForFunction(() => (window as any).R.session.agentState === 'idle' && (window as any).R.session.currentUtterance === null, null, { timeout: 20_000 });

const STORY = [
  'Once upon a time there was a small robot who lived in a lighthouse.',
  'Every night it polished the great lamp until it shone like the sun.',
  'Ships far away saw the light and found their way home safely.',
].join(' ');

test('a hung STT ends the turn with provider-timeout: no endless thinking, no speaking state; the next turn works', async ({ baseURL }) => {
  await open(baseURL!, 'hello-then-silence', { stt: [{ fault: { kind: 'hang' } }], llm: [{ text: 'Still here.' }] }, { pipeline: { timeouts: { sttMs: 1500 } } });
  await waitForEvents(page, 'error', 1);
  expect(named(await events(page), 'error')[0]).toMatchObject({ source: 'stt', code: 'provider-timeout' });
  await idle();
  expect(await agentStates()).toEqual(['starting', 'idle', 'listening', 'thinking', 'idle']);
  const stt = await requests(baseURL!, '/v1/audio/transcriptions');
  expect(stt).toHaveLength(1);
  expect(stt[0].aborted).toBe(true); // the hung request was dropped, not left open
  await run('h', `s.reply('Say you are here.')`);
  expect(await settle('h')).toBe('done');
  expect(await history()).toEqual(['assistant: Still here.']);
});

test('an LLM that never answers, or stalls mid-stream: provider-timeout, the stalled text kept marked interrupted', async ({ baseURL }) => {
  await open(baseURL!, 'click', {
    llm: [{ fault: { kind: 'hang' } }, { text: 'The quick brown fox jumps over the lazy dog.', fault: { kind: 'stall', afterChars: 20 } }, { text: 'Fine again.' }],
  }, { pipeline: { timeouts: { llmFirstTokenMs: 1500, llmStallMs: 1500 } } });
  await run('a', `s.reply('One.')`);
  expect(await settle('a')).toBe('done');
  await run('b', `s.reply('Two.')`);
  expect(await settle('b')).toBe('done');
  const errors = named(await events(page), 'error');
  expect(errors.map((e) => `${e.source} ${e.code}`)).toEqual(['llm provider-timeout', 'llm provider-timeout']);
  expect(errors[0].message).toMatch(/no first token/);
  expect(errors[1].message).toMatch(/stalled/);
  await run('c', `s.reply('Three.')`);
  expect(await settle('c')).toBe('done');
  expect(await history()).toEqual(['assistant: The quick brown fox [interrupted]', 'assistant: Fine again.']);
});

test('a tool that never resolves times out: its signal aborts, the LLM gets an error output and answers', async ({ baseURL }) => {
  await open(baseURL!, 'click', { llm: [{ toolCalls: [{ name: 'never_returns', arguments: {} }] }, { text: 'That did not work.' }] }, { pipeline: { timeouts: { toolMs: 1000 } } });
  await run('h', `s.reply('Do it.')`);
  expect(await settle('h')).toBe('done');
  expect(await page.evaluate(() => (window as any).R.log)).toEqual(['never_returns aborted']);
  expect(await history({ includeFunctionCalls: true })).toEqual(['call never_returns', 'output never_returns {"error":"Tool never_returns timed out after 1000 ms"}', 'assistant: That did not work.']);
  expect(named(await events(page), 'error').map((e) => `${e.source} ${e.code}`)).toEqual(['tool tool-timeout']);
});

test('close() during a hung tool: bounded, the tool is aborted, the call gets an output, everything is released', async ({ baseURL }) => {
  await open(baseURL!, 'click', { llm: [{ toolCalls: [{ name: 'never_returns', arguments: {} }] }, { text: 'Never asked for.' }] }, { pipeline: { timeouts: { toolMs: 0 } } });
  await run('h', `s.reply('Do it.')`);
  await waitForEvents(page, 'tool_call_started', 1);
  const r = await page.evaluate(async () => {
    const R = (window as any).R;
    const s = R.session;
    const track = s.audio.microphone.track;
    const context = s.audio.context;
    const t0 = performance.now();
    const closed = await Promise.race([s.close().then(() => 'resolved', () => 'rejected'), new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
    return { closed, ms, track: track.readyState, context: context.state, handle: [R.h.done, R.h.interrupted], log: R.log };
  });
  console.log(`close() with a hung tool took ${r.ms.toFixed(0)} ms`);
  expect(r).toMatchObject({ closed: 'resolved', track: 'ended', context: 'closed', handle: [true, true], log: ['never_returns aborted'] });
  expect(r.ms).toBeLessThan(10_000);
  expect(await history({ includeFunctionCalls: true })).toEqual(['call never_returns', 'output never_returns {"error":"interrupted"}']);
  expect(await requests(baseURL!, '/v1/chat/completions')).toHaveLength(1);
});

test('close() during a long reply stops it (no wait for the end); onExit still speaks within its bound', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'config', { ttsBytesPerSecond: 48000 });
  await control(baseURL!, 'script', { llm: [{ text: STORY }] });
  await openPage(baseURL!, 'click');
  await startAgent(page, { session: { exitTimeoutMs: 8000 } });
  await page.evaluate(() => {
    // onExit says goodbye; it is recorded when the goodbye has played.
    const R = (window as any).R;
    R.session.agent.onExit = async () => { await R.session.say('Goodbye.'); (R.log ??= []).push('goodbye played'); };
  });
  await run('h', `s.reply('Tell a story.')`);
  await page.waitForFunction(() => (window as any).R.session.agentState === 'speaking', null, { timeout: 20_000 });
  await page.waitForTimeout(1000);
  const r = await page.evaluate(async () => {
    const R = (window as any).R;
    const t0 = performance.now();
    await R.session.close();
    return { ms: performance.now() - t0, handle: [R.h.done, R.h.interrupted], log: R.log };
  });
  console.log(`close() during a reply, with a spoken goodbye: ${r.ms.toFixed(0)} ms`);
  expect(r.handle).toEqual([true, true]);
  expect(r.log).toEqual(['goodbye played']);
  expect(r.ms).toBeLessThan(8000); // the story alone is ~10 s
  const ev = await events(page);
  expect(named(ev, 'turn_interrupted')[0].reason).toBe('close');
  const lines = await history();
  expect(lines.at(-1)).toBe('assistant: Goodbye.');
  const cut = lines[0]!.replace('assistant: ', '').replace(' [interrupted]', '');
  expect(STORY.startsWith(cut) && cut.length < STORY.length).toBe(true);
});

test('lifecycle: say() before start() is queued; say() then start() in one tick; start() after close() rejects closed', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  await openPage(baseURL!, 'click');
  await startAgent(page, { start: false });
  const r = await page.evaluate(async () => {
    const R = (window as any).R;
    const s = R.session;
    const unhandled: string[] = [];
    window.addEventListener('unhandledrejection', (e) => unhandled.push(String(e.reason)));
    const early = s.say('First, said before start.');
    const sameTick = s.say('Second, in the same tick.');
    await s.start();
    await Promise.race([Promise.all([early, sameTick]), new Promise((r) => setTimeout(r, 20_000))]);
    const said = [early.done, early.interrupted, sameTick.done, sameTick.interrupted];
    await s.close();
    const again = await s.start().then(() => 'resolved', (e: any) => `rejected ${e.code}`);
    const late = s.say('After close.');
    return { said, again, lateDone: late.done, unhandled, history: s.getContextHistory().map((i: any) => i.content) };
  });
  expect(r).toEqual({ said: [true, false, true, false], again: 'rejected closed', lateDone: true, unhandled: [], history: ['First, said before start.', 'Second, in the same tick.'] });
  const speech = (await requests(baseURL!, '/v1/audio/speech')).map((q) => q.body.input);
  expect(speech).toEqual(['First, said before start.', 'Second, in the same tick.']);
});

test('lifecycle: close() during start() rejects start with closed and releases the mic; a start that failed can be retried', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  await openPage(baseURL!, 'click');
  await startAgent(page, { start: false });
  const r = await page.evaluate(async () => {
    const R = (window as any).R;
    const E = (window as any).E;
    const md = navigator.mediaDevices;
    const real = md.getUserMedia.bind(md);
    const tracks: MediaStreamTrack[] = [];
    let calls = 0;
    // The first request is refused (a user who clicks "Block"); later ones go through.
    md.getUserMedia = async (c) => {
      if (++calls === 1) throw new DOMException('Permission denied', 'NotAllowedError');
      const stream = await real(c);
      tracks.push(...stream.getTracks());
      return stream;
    };
    const s = R.session;
    const first = await s.start().then(() => 'resolved', (e: any) => `rejected ${e.code}`);
    const stateAfterFailure = s.agentState;
    const second = await s.start().then(() => 'resolved', (e: any) => `rejected ${e.code}`);
    const stateAfterRetry = s.agentState;
    await s.close();
    // A second session, closed while it opens the mic.
    const other = new E.AgentSession(new E.Agent({ instructions: 'x' }), new E.Pipeline({ stt: s.pipeline.stt, llm: s.pipeline.llm, tts: s.pipeline.tts }));
    const starting = other.start().then(() => 'resolved', (e: any) => `rejected ${e.name} ${e.code}`);
    await new Promise((r) => setTimeout(r, 30));
    const closing = other.close();
    const startOutcome = await Promise.race([starting, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
    await closing;
    await new Promise((r) => setTimeout(r, 500));
    return { first, stateAfterFailure, second, stateAfterRetry, calls, startOutcome, live: tracks.filter((t) => t.readyState === 'live').length };
  });
  expect(r).toEqual({ first: 'rejected mic-permission-denied', stateAfterFailure: 'idle', second: 'resolved', stateAfterRetry: 'idle', calls: r.calls, startOutcome: 'rejected EarshotError closed', live: 0 });
  expect(r.calls).toBeGreaterThanOrEqual(2);
});

test('a TTS that sends MP3 (or noise) instead of PCM: provider-bad-audio, nothing loud is played; the next say plays', async ({ baseURL }) => {
  await open(baseURL!, 'click', { tts: [{ fault: { kind: 'mp3' } }, { fault: { kind: 'noise' } }] });
  for (const name of ['a', 'b']) {
    await run(name, `s.say('This must not be noise.')`);
    expect(await settle(name)).toBe('done');
  }
  const errors = named(await events(page), 'error');
  expect(errors.map((e) => `${e.source} ${e.code}`)).toEqual(['tts provider-bad-audio', 'tts provider-bad-audio']);
  expect(errors[0].message).toMatch(/audio\/mpeg/);
  expect(errors[1].message).toMatch(/noise/);
  const peak = await page.evaluate(() => Math.max(0, ...(window as any).R.blocks.map((b: any) => Math.max(...Array.from(b.samples as Float32Array, Math.abs)))));
  expect(peak).toBeLessThan(0.01);
  expect(await agentStates()).not.toContain('speaking');
  await run('c', `s.say('Now a real voice.')`);
  expect(await settle('c')).toBe('done');
  expect(await agentStates()).toContain('speaking');
  expect(await history()).toEqual(['assistant: Now a real voice.']);
});

test('a TTS stream cut mid-sentence keeps the audio received, requests the next sentences, and marks the reply interrupted', async ({ baseURL }) => {
  // The first sentence's audio is cut after 1.25 s (60 000 bytes of 24 kHz s16), sent at twice
  // real time so it reaches the page before the cut (Chromium drops body bytes not yet read
  // when the connection breaks).
  await open(baseURL!, 'click', { llm: [{ text: STORY }], tts: [{ bytesPerSecond: 96000, fault: { kind: 'cut', afterBytes: 60000 } }] });
  await run('h', `s.reply('Tell a story.')`);
  expect(await settle('h', 40_000)).toBe('done');
  const ev = await events(page);
  expect(named(ev, 'error').map((e) => `${e.source} ${e.code}`)).toEqual(['tts provider-protocol']);
  expect((await requests(baseURL!, '/v1/audio/speech')).length).toBe(3);
  const transcript = named(ev, 'agent_transcript').at(-1);
  expect(transcript.interrupted).toBe(true);
  const [line] = await history();
  expect(line).toMatch(/ \[interrupted\]$/);
  const text = line!.replace('assistant: ', '').replace(' [interrupted]', '');
  // Some words of the first sentence, then the two others whole.
  expect(text).toMatch(/^Once upon a time\b/);
  expect(text).not.toContain('lighthouse');
  expect(text).toContain('Every night it polished the great lamp until it shone like the sun. Ships far away saw the light and found their way home safely.');
});

test('TTS runs at most ttsLeadSec ahead of playback', async ({ baseURL }) => {
  const sentences = Array.from({ length: 20 }, (_, i) => `This is sentence number ${i + 1} of a very long answer that goes on.`);
  await open(baseURL!, 'click', { llm: [{ text: sentences.join(' ') }] }, { pipeline: { ttsLeadSec: 3 } });
  await run('h', `s.reply('Talk a lot.')`);
  await page.waitForFunction(() => (window as any).R.session.agentState === 'speaking', null, { timeout: 20_000 });
  await page.waitForTimeout(3000);
  const speech = await requests(baseURL!, '/v1/audio/speech');
  // Each sentence is ~3.5 s of audio: 3 s played + 3 s of lead need 2–3 sentences, one more in flight.
  console.log(`after 3 s of playback: ${speech.length} of 20 sentences requested`);
  expect(speech.length).toBeGreaterThanOrEqual(2);
  expect(speech.length).toBeLessThanOrEqual(4);
  await page.evaluate(() => (window as any).R.session.interrupt());
  expect(await settle('h')).toBe('done');
});

test('the mic unplugged mid-session: microphone_ended, the default device reopens, and the user is heard again', async ({ baseURL }) => {
  await open(baseURL!, 'hello-then-silence', { stt: [{ text: 'Hello there.' }, { text: 'Hello again.' }], llm: [{ text: 'Hi.' }, { text: 'Hi again.' }] });
  await waitForEvents(page, 'agent_transcript', 1, 30_000);
  await idle();
  await page.evaluate(() => {
    const track: MediaStreamTrack = (window as any).R.session.audio.microphone.track;
    track.stop(); // the device is gone: its track is dead and ends
    track.dispatchEvent(new Event('ended'));
  });
  await waitForEvents(page, 'microphone_recovered', 1);
  // The reopened fake device plays its file from the start: the user speaks again and is answered.
  await waitForEvents(page, 'agent_transcript', 2, 30_000);
  expect(await history()).toEqual(['user: Hello there.', 'assistant: Hi.', 'user: Hello again.', 'assistant: Hi again.']);
  expect(named(await events(page), 'microphone_ended')).toHaveLength(1);
  expect(named(await events(page), 'error')).toEqual([]);
});

test('the mic unplugged and no other device: a typed error, and the session still speaks and answers text', async ({ baseURL }) => {
  await open(baseURL!, 'click', { llm: [{ text: 'Typed answer.' }] });
  await page.evaluate(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));
    const track: MediaStreamTrack = (window as any).R.session.audio.microphone.track;
    track.stop();
    track.dispatchEvent(new Event('ended'));
  });
  await waitForEvents(page, 'error', 1);
  expect(named(await events(page), 'error')[0]).toMatchObject({ source: 'audio', code: 'mic-not-found' });
  expect(named(await events(page), 'microphone_ended')).toHaveLength(1);
  await run('h', `s.sendText('Are you there?')`);
  expect(await settle('h')).toBe('done');
  expect(await history()).toEqual(['user: Are you there?', 'assistant: Typed answer.']);
});
