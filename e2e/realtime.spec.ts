// Speech to speech in Chromium: OpenAIRealtime against the local stand-in (mounted by Vite at
// /local-ai), its ek_ secret from the example token endpoint (/token). The fake mic's speech
// goes up through the capture graph and the VAD's tap; the stand-in's server VAD hears it, and
// the model's voice comes back through Earshot's mixer (checked in the tapped output).
import { expect, test, type Page } from './support/test';
import { control, events, sessionPages, startAgent, waitForEvents } from './support/agent-run';

const pages = sessionPages();

/**
 * `startAgent`'s pipeline with OpenAIRealtime (these options beside the stand-in's URL, its ek_
 * from /token and the voice) as the `llm` alone: a realtime model has no separate STT or TTS.
 */
const realtime = (options: Record<string, unknown> = {}) => `(E) => ({
  stt: undefined,
  tts: undefined,
  llm: new E.OpenAIRealtime({
    baseURL: location.origin + '/local-ai/v1',
    getClientSecret: async () => (await (await fetch('/token', { method: 'POST' })).json()).value,
    voice: 'marin',
    ...${JSON.stringify(options)},
  }),
})`;

/**
 * The scripted turn ("Hello there." → "Hi! How can I help?") was heard and answered: both in
 * the history, no error, the states of one turn, and the model's voice rendered by the mixer
 * (energy in the tapped output: the tap hears the mixer, not the socket or the track).
 */
async function expectTurn(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as any).R.events.some((e: any) => e.name === 'agent_transcript' && e.final), undefined, { timeout: 30_000 });
  await page.waitForFunction(() => (window as any).R.session.agentState === 'idle', undefined, { timeout: 10_000 });
  const history = await page.evaluate(() => (window as any).R.session.getContextHistory().map((i: any) => `${i.role}: ${i.content}`));
  expect(history).toEqual(['user: Hello there.', 'assistant: Hi! How can I help?']);
  const ev = await events(page);
  expect(ev.filter((e) => e.name === 'error')).toEqual([]);
  expect(ev.filter((e) => e.name === 'agent_state_changed').map((e) => e.state)).toEqual(['starting', 'idle', 'listening', 'thinking', 'speaking', 'idle']);
  const peak = await page.evaluate(() => Math.max(0, ...(window as any).R.blocks.map((b: any) => Math.max(...b.samples.map(Math.abs)))));
  expect(peak).toBeGreaterThan(0.05);
}

test('a realtime turn: the mic reaches the model, its answer plays through the mixer, the history has both sides', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', { realtime: [{ transcripts: ['Hello there.'], responses: [{ text: 'Hi! How can I help?' }] }] });
  const page = await pages.open('hello-then-silence', baseURL!);
  await startAgent(page, { pipelineSource: realtime() });
  await expectTurn(page);
  // The page never held a standard key: it connected with an ek_ secret.
  const log = (await control(baseURL!, 'log')).requests as any[];
  const socket = log.find((r) => r.route === '/v1/realtime');
  expect(socket.body.protocols[1]).toMatch(/^openai-insecure-api-key\.ek_/);
  expect(socket.body.audioBytes).toBeGreaterThan(48_000); // > 1 s of 24 kHz pcm16 from the mic
  await waitForEvents(page, 'user_transcript', 1);
});

test('over WebRTC: the mic track reaches the model, its voice track plays through the mixer, the history has both sides', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', { realtime: [{ transcripts: ['Hello there.'], responses: [{ text: 'Hi! How can I help?' }] }] });
  // late-hello: speech at 5 s, well after the call is up (what the mic says before it is not sent).
  const page = await pages.open('late-hello', baseURL!);
  await startAgent(page, { pipelineSource: realtime({ transport: 'webrtc' }) });
  await expectTurn(page);
  const log = (await control(baseURL!, 'log')).requests as any[];
  const call = log.find((r) => r.route === '/v1/realtime/calls');
  expect(call).toMatchObject({ method: 'POST', status: 201, authorization: expect.stringMatching(/^Bearer ek_/) });
  expect(call.body.rtpAudioBytes).toBeGreaterThan(48_000 * 2); // > 2 s of the mic (as 24 kHz pcm16 after PCMU)
  expect(log.some((r) => r.route === '/v1/realtime')).toBe(false); // no socket
  await page.evaluate(() => (window as any).R.session.close());
});

// Over the socket the model's audio goes from the TTS audio worker to the mixer: the stop is the
// mixer's, the worker drops the rest of the item, and the truncate names what the mixer played.
for (const transport of ['webrtc', 'websocket'] as const) test(`over ${transport === 'webrtc' ? 'WebRTC' : 'the socket'}: a barge-in stops the voice${transport === 'webrtc' ? ', clears the output buffer' : ''} and truncates at the ms the mixer played`, async ({ baseURL }) => {
  const long = 'Here is a long answer. It goes on about the weather, the sea, the hills and the town, and it keeps on going for many seconds more, so that you have plenty of time to cut in.';
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', { realtime: [{ transcripts: ['What time is it?', 'Thank you, goodbye.'], responses: [{ text: long }, { text: 'Bye.' }] }] });
  // two-turns: speech at 1.0–1.9 s, then 5.9–7.3 s (over the long answer).
  const page = await pages.open('two-turns', baseURL!);
  await startAgent(page, { pipelineSource: realtime({ transport }) });
  await waitForEvents(page, 'turn_interrupted', 1, 30_000);
  await page.waitForFunction(() => (window as any).R.session.getContextHistory().some((i: any) => i.role === 'assistant' && i.interrupted), undefined, { timeout: 10_000 });
  const ev = await events(page);
  expect(ev.find((e) => e.name === 'turn_interrupted').reason).toBe('barge_in');
  const log = (await control(baseURL!, 'log')).requests as any[];
  const received = log.find((r) => r.route === (transport === 'webrtc' ? '/v1/realtime/calls' : '/v1/realtime')).body.received as any[];
  const truncate = received.find((m) => m.type === 'conversation.item.truncate');
  if (transport === 'webrtc') expect(received.some((m) => m.type === 'output_audio_buffer.clear')).toBe(true);
  else {
    expect(page.workers().map((w) => w.url()).join(' ')).toContain('tts-pipe.worker'); // the socket's home
    expect(await page.evaluate(() => (window as any).R.session.audio.mixer.underruns)).toBe(0);
  }
  // The answer began about 3 s in, the user cut in at 5.9 s: about 3 s heard, far less than
  // the ≈ 11 s answer.
  expect(truncate.audio_end_ms).toBeGreaterThan(1000);
  expect(truncate.audio_end_ms).toBeLessThan(5000);
  const cut = await page.evaluate(() => (window as any).R.session.getContextHistory().find((i: any) => i.role === 'assistant'));
  expect(cut.interrupted).toBe(true);
  expect(cut.content.length).toBeLessThan(long.length);
  expect(cut.content).toBe(long.slice(0, cut.content.length)); // what was heard: the start of the answer
  await page.evaluate(() => (window as any).R.session.close());
});

test('over the socket (in the audio worker): a socket dropped mid-answer reconnects; what was heard is kept, the next turn is answered, no error', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  // Real-time chunks: about 0.8 s of the answer has played when the stand-in drops the socket.
  await control(baseURL!, 'script', { realtime: [{ transcripts: ['What time is it?'], responses: [{ text: 'One two three four five six seven eight nine ten eleven twelve.' }], chunkDelayMs: 100, fault: { kind: 'close', afterChunks: 8 } }] });
  await control(baseURL!, 'script', { realtime: [{ transcripts: ['Thank you, goodbye.'], responses: [{ text: 'Bye.' }] }], append: true });
  const page = await pages.open('two-turns', baseURL!); // speech at 1.0–1.9 s and 5.9–7.3 s
  await startAgent(page, { pipelineSource: realtime() });
  await page.waitForFunction(() => (window as any).R.session.getContextHistory().length === 4, undefined, { timeout: 30_000 });
  await page.waitForFunction(() => (window as any).R.session.agentState === 'idle', undefined, { timeout: 10_000 });
  expect(page.workers().map((w) => w.url()).join(' ')).toContain('tts-pipe.worker');
  const ev = await events(page);
  expect(ev.filter((e) => e.name === 'error')).toEqual([]);
  const history = await page.evaluate(() => (window as any).R.session.getContextHistory().map((i: any) => `${i.role}: ${i.content}${i.interrupted ? ' [interrupted]' : ''}`));
  expect(history[0]).toBe('user: What time is it?');
  expect(history[1]).toMatch(/^assistant: One\b.* \[interrupted\]$/);
  expect(history.slice(2)).toEqual(['user: Thank you, goodbye.', 'assistant: Bye.']);
  const sockets = ((await control(baseURL!, 'log')).requests as any[]).filter((r) => r.route === '/v1/realtime');
  expect(sockets).toHaveLength(2);
  expect(sockets[1].body.received[0]).toMatchObject({ type: 'session.update' });
  expect(sockets[1].body.received[1]).toEqual({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What time is it?' }] } });
});

test("turn detection 'local' with a tool: Earshot's VAD commits the turn, the tool's output goes back, the answer uses it", async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', { realtime: [{ transcripts: ['A table please.'], responses: [{ toolCalls: [{ name: 'book', arguments: { people: 2 } }] }, { text: 'Booked for two.' }] }] });
  const page = await pages.open('hello-then-silence', baseURL!);
  const tools = (E: any) => [
    E.functionTool({
      name: 'book',
      description: 'books a table',
      parameters: { type: 'object', properties: { people: { type: 'integer', minimum: 1 } }, required: ['people'] },
      execute: (args: unknown) => (((window as any).R.calls ??= []).push(args), 'booked'),
    }),
  ];
  await startAgent(page, { pipelineSource: realtime({ turnDetection: 'local' }), toolsSource: tools.toString() });
  await page.waitForFunction(() => (window as any).R.session.getContextHistory().some((i: any) => i.role === 'assistant' && i.content === 'Booked for two.'), undefined, { timeout: 30_000 });
  expect(await page.evaluate(() => (window as any).R.calls)).toEqual([{ people: 2 }]);
  const ev = await events(page);
  expect(ev.filter((e) => e.name === 'error')).toEqual([]);
  // The model's own VAD was off; the client committed the buffer when Earshot's VAD ended the turn.
  const received = ((await control(baseURL!, 'log')).requests as any[]).find((r) => r.route === '/v1/realtime').body.received as any[];
  expect(received.find((m) => m.type === 'session.update').session.audio.input.turn_detection).toBeNull();
  const types = received.map((m) => m.type).filter((t) => t !== 'input_audio_buffer.append' && t !== 'session.update');
  expect(types.slice(0, 2)).toEqual(['input_audio_buffer.commit', 'response.create']);
  expect(received.find((m) => m.type === 'conversation.item.create' && m.item.type === 'function_call_output').item.output).toBe('"booked"');
  expect(ev.filter((e) => e.name === 'user_speech_ended').length).toBeGreaterThanOrEqual(1);
});
