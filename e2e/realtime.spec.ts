// Speech to speech in Chromium: OpenAIRealtime against the local stand-in (mounted by Vite at
// /local-ai), its ek_ secret from the example token endpoint (/token). The fake mic's speech
// goes up through the capture graph and the VAD's tap; the stand-in's server VAD hears it, and
// the model's voice comes back through Earshot's mixer (checked in the tapped output).
import { expect, test } from './support/test';
import { control, events, sessionPages, waitForEvents } from './support/agent-run';

const pages = sessionPages();

test('a realtime turn: the mic reaches the model, its answer plays through the mixer, the history has both sides', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', { realtime: [{ transcripts: ['Hello there.'], responses: [{ text: 'Hi! How can I help?' }] }] });
  const page = await pages.open('hello-then-silence', baseURL!);
  await page.evaluate(async () => {
    const E = (window as any).E;
    const getClientSecret = async () => (await (await fetch('/token', { method: 'POST' })).json()).value;
    const llm = new E.OpenAIRealtime({ baseURL: `${location.origin}/local-ai/v1`, getClientSecret, voice: 'marin' });
    const session = new E.AgentSession(new E.Agent({ instructions: 'You are a terse voice assistant.' }), new E.Pipeline({ llm }));
    const R: any = { session, events: [], blocks: [] };
    (window as any).R = R;
    for (const n of ['agent_state_changed', 'user_speech_started', 'user_speech_ended', 'user_transcript', 'agent_transcript', 'error']) {
      session.on(n, (p: any) => R.events.push({ ...(n === 'error' ? { code: p.error.code, message: p.error.message } : p), name: n, t: performance.now() }));
    }
    await session.start();
    R.stopTap = await session.audio.tapOutput((b: any) => R.blocks.push(b));
  });
  await page.waitForFunction(() => (window as any).R.events.some((e: any) => e.name === 'agent_transcript' && e.final), undefined, { timeout: 30_000 });
  await page.waitForFunction(() => (window as any).R.session.agentState === 'idle', undefined, { timeout: 10_000 });
  const history = await page.evaluate(() => (window as any).R.session.getContextHistory().map((i: any) => `${i.role}: ${i.content}`));
  expect(history).toEqual(['user: Hello there.', 'assistant: Hi! How can I help?']);
  const ev = await events(page);
  expect(ev.filter((e) => e.name === 'error')).toEqual([]);
  expect(ev.filter((e) => e.name === 'agent_state_changed').map((e) => e.state)).toEqual(['starting', 'idle', 'listening', 'thinking', 'speaking', 'idle']);
  // The model's voice was rendered by the mixer: energy in the tapped output.
  const peak = await page.evaluate(() => Math.max(0, ...(window as any).R.blocks.map((b: any) => Math.max(...b.samples.map(Math.abs)))));
  expect(peak).toBeGreaterThan(0.05);
  // The page never held a standard key: it connected with an ek_ secret.
  const log = (await control(baseURL!, 'log')).requests as any[];
  const socket = log.find((r) => r.route === '/v1/realtime');
  expect(socket.body.protocols[1]).toMatch(/^openai-insecure-api-key\.ek_/);
  expect(socket.body.audioBytes).toBeGreaterThan(48_000); // > 1 s of 24 kHz pcm16 from the mic
  await waitForEvents(page, 'user_transcript', 1);
});
