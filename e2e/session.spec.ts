import { expect, test, type BrowserContext, type Page } from './support/test';
import { launchWarm, openHarness } from './support/browser';
import { control, events, startAgent, waitForEvents } from './support/agent-run';
import { SLOW_MS, startAssetServer } from './support/asset-server';

let browser: BrowserContext;
let page: Page;

test.afterEach(async () => {
  await page?.evaluate(() => (window as any).R?.session.close()).catch(() => undefined);
  await browser?.close();
});

async function open(wav: string, baseURL: string): Promise<void> {
  browser = await launchWarm({ wav });
  page = await openHarness(browser, baseURL);
}

test('a two-turn conversation with a tool call, from a fixture', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', {
    stt: [{ text: 'What time is it?' }, { text: 'Thank you, goodbye.' }],
    llm: [{ toolCalls: [{ name: 'get_time', arguments: {} }] }, { text: 'Ten thirty.' }, { text: 'Goodbye!' }],
  });
  await open('two-turns', baseURL!);
  await startAgent(page, { tools: 'get_time' });
  // The TTS audio worker is loaded at start (TTS.prepare), so the first answer does not wait for
  // it: it is there well before the first TTS request (the fixture's question is still going on).
  await expect.poll(() => page.workers().map((w) => w.url()).join(' '), { timeout: 1000 }).toContain('tts-pipe.worker');
  expect(((await control(baseURL!, 'log')).requests as any[]).filter((r) => r.route === '/v1/audio/speech')).toEqual([]);
  await waitForEvents(page, 'agent_transcript', 2, 25_000);
  const history = await page.evaluate(() => (window as any).R.session.getContextHistory({ includeFunctionCalls: true }));
  expect(history.map((i: any) => (i.type === 'message' ? `${i.role}: ${i.content}` : i.type === 'function_call' ? `call ${i.name}(${i.arguments})` : `output ${i.output}`))).toEqual([
    'user: What time is it?',
    'call get_time({})',
    'output {"time":"10:30"}',
    'assistant: Ten thirty.',
    'user: Thank you, goodbye.',
    'assistant: Goodbye!',
  ]);
  const ev = await events(page);
  const agentStates = ev.filter((e) => e.name === 'agent_state_changed').map((e) => e.state);
  expect(agentStates).toEqual(['starting', 'idle', 'listening', 'thinking', 'speaking', 'idle', 'listening', 'thinking', 'speaking', 'idle']);
  const order = ev.filter((e) => ['user_speech_started', 'user_speech_ended', 'user_transcript', 'tool_call_started', 'tool_call_finished', 'agent_transcript'].includes(e.name)).map((e) => e.name);
  expect(order).toEqual(['user_speech_started', 'user_speech_ended', 'user_transcript', 'tool_call_started', 'tool_call_finished', 'agent_transcript',
    'user_speech_started', 'user_speech_ended', 'user_transcript', 'agent_transcript']);
  // The agent's speech was really rendered: energy in the tapped output while it spoke, silence before.
  const energy = await page.evaluate(() => {
    const R = (window as any).R;
    const speaking = R.events.filter((e: any) => e.name === 'agent_state_changed' && e.state === 'speaking');
    const rms = (from: number, to: number) => {
      let s = 0, n = 0;
      for (const b of R.blocks) for (let i = 0; i < b.samples.length; i++) {
        const f = b.frame + i;
        if (f >= from && f < to) { s += b.samples[i] * b.samples[i]; n++; }
      }
      return n ? Math.sqrt(s / n) : -1;
    };
    const ctx = R.session.audio.context;
    const nowFrame = ctx.currentTime * ctx.sampleRate;
    const toFrame = (t: number) => nowFrame - ((performance.now() - t) / 1000) * ctx.sampleRate;
    const s0 = toFrame(speaking[0].t);
    return { before: rms(R.blocks[0].frame, s0 - ctx.sampleRate * 0.2), during: rms(s0, s0 + ctx.sampleRate * 0.5) };
  });
  expect(energy.during).toBeGreaterThan(0.01);
  expect(energy.before).toBeLessThan(0.001);
  const metrics = ev.filter((e) => e.name === 'metrics_collected');
  expect(metrics.length).toBe(2);
  for (const m of metrics) console.log('turn split (ms):', JSON.stringify(m.turn, (_, v) => (typeof v === 'number' ? Math.round(v) : v)));
  expect(metrics[0].turn.voiceToVoiceMs).toBeGreaterThan(metrics[0].turn.endpointMs);
});

test('start() does not wait for the VAD: a question asked while the model loads is heard at its audio time, and answered', async ({ baseURL }) => {
  const assets = await startAssetServer();
  try {
    await control(baseURL!, 'reset', {});
    await control(baseURL!, 'script', { stt: [{ text: 'What time is it?' }], llm: [{ text: 'Ten thirty.' }] });
    await open('two-turns', baseURL!); // the question: 1.0 s to ~2.2 s of the mic's audio
    // The model answers SLOW_MS late, so the VAD runs only after the question ended.
    const vadSource = `(E) => { const vad = new E.SileroVAD({ assetBaseUrl: '${assets.base('model', 'slow')}', cacheModel: false }); vad.on('vad_ready', () => (window.vadReadyAt = performance.now())); return { vad }; }`;
    await startAgent(page, { preload: false, pipelineSource: vadSource });
    // The answer's history entry comes once it has played (agent_transcript comes earlier).
    await page.waitForFunction(() => (window as any).R.session.getContextHistory().length >= 2, undefined, { timeout: 25_000 });
    const r = await page.evaluate(() => {
      const w = window as any;
      const heard = w.R.events.find((e: any) => e.name === 'user_speech_started');
      return { resolved: w.R.startResolvedAt - w.R.startedAt, vadReady: w.vadReadyAt - w.R.startedAt, heardAt: heard.t - w.R.startedAt, at: heard.at, history: w.R.session.getContextHistory().map((i: any) => `${i.role}: ${i.content}`) };
    });
    expect(r.resolved).toBeLessThan(r.vadReady); // listening before the model ran
    expect(r.vadReady).toBeGreaterThan(SLOW_MS); // so the question was asked before it could be heard live…
    expect(r.heardAt).toBeGreaterThan(r.vadReady);
    expect(r.at).toBeGreaterThan(0.85); // …and it was heard where it is in the audio, none of it lost
    expect(r.at).toBeLessThan(1.25);
    expect(r.history).toEqual(['user: What time is it?', 'assistant: Ten thirty.']);
  } finally {
    await assets.close();
  }
});

test('a handoff: a tool returns the billing agent, which answers with its own instructions and tools, the history carried over', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', { llm: [{ toolCalls: [{ name: 'transfer', arguments: {} }] }, { text: 'Billing here, which order?' }] });
  await open('click', baseURL!);
  const tools = (E: any) => {
    const refund = E.functionTool({ name: 'refund', description: 'Refunds an order', parameters: { type: 'object', properties: {} }, execute: () => 'refunded' });
    const billing = new E.Agent({ name: 'billing', instructions: 'You handle billing.', tools: [refund] });
    return [E.functionTool({ name: 'transfer', description: 'Transfers to billing', parameters: { type: 'object', properties: {} }, execute: () => billing })];
  };
  await startAgent(page, { toolsSource: tools.toString() });
  await page.evaluate(() => (window as any).R.session.sendText('I need a refund'));
  await waitForEvents(page, 'agent_transcript', 1, 20_000);
  const ev = await events(page);
  expect(ev.filter((e) => e.name === 'agent_changed').map((e) => [e.agent, e.context])).toEqual([['billing', 'full']]);
  expect(ev.find((e) => e.name === 'agent_transcript').text).toBe('Billing here, which order?');
  const state = await page.evaluate(() => ({
    agent: (window as any).R.session.agent.name,
    history: (window as any).R.session.getContextHistory({ includeFunctionCalls: true }).map((i: any) => (i.type === 'message' ? `${i.role}: ${i.content}` : i.type === 'function_call' ? `call ${i.name}` : `output ${i.output}`)),
  }));
  expect(state.agent).toBe('billing');
  expect(state.history).toEqual(['user: I need a refund', 'call transfer', 'output "Transferred to billing"', 'assistant: Billing here, which order?']);
  // On the wire: the second request is the billing agent's, with its prompt, its tool, and the whole history.
  const chats = ((await control(baseURL!, 'log')).requests as any[]).filter((r) => r.route === '/v1/chat/completions');
  expect(chats).toHaveLength(2);
  expect(chats[0].body.tools.map((t: any) => t.function.name)).toEqual(['transfer']);
  expect(chats[1].body.tools.map((t: any) => t.function.name)).toEqual(['refund']);
  expect(chats[1].body.messages[0]).toMatchObject({ role: 'system', content: 'You handle billing.' });
  expect(chats[1].body.messages.slice(1).map((m: any) => m.role)).toEqual(['user', 'assistant', 'tool']);
});
