import { expect, test } from './support/test';
import { control, events, sessionPages, startAgent, tappedOutput, waitForEvents } from './support/agent-run';
import { STORY_SENTENCES, endOfSound, firstSound, ttsSamples } from './support/tts-audio';

const STORY = STORY_SENTENCES;

const pages = sessionPages();

async function scriptStory(baseURL: string, extra: { llm?: object[]; stt?: object[] } = {}, story = STORY) {
  await control(baseURL, 'reset', {});
  // TTS at twice real time and the LLM at ~25 words/s: both are still streaming when the user cuts in.
  await control(baseURL, 'config', { ttsBytesPerSecond: 96000 });
  await control(baseURL, 'script', {
    stt: [{ text: 'Tell me a story.' }, ...(extra.stt ?? [])],
    llm: [{ text: story.join(' '), chunkDelayMs: 40 }, ...(extra.llm ?? [])],
  });
}

test('barge-in stops the agent; history keeps what was heard; LLM and TTS requests are aborted', async ({ baseURL }) => {
  await scriptStory(baseURL!, { stt: [{ text: 'Wait, stop. I have a question.' }], llm: [{ text: 'Sure, go ahead.' }] });
  const page = await pages.open('story-then-stop', baseURL!);
  await startAgent(page);
  await waitForEvents(page, 'turn_interrupted', 1, 20_000);
  await waitForEvents(page, 'agent_transcript', 2, 20_000);
  const ev = await events(page);
  expect(ev.find((e) => e.name === 'turn_interrupted').reason).toBe('barge_in');
  expect(ev.filter((e) => e.name === 'interruption_suspected').length).toBeGreaterThanOrEqual(1);

  const history = await page.evaluate(() => (window as any).R.session.getContextHistory());
  expect(history.map((i: any) => i.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  const cut = history[1];
  expect(cut.interrupted).toBe(true);
  expect(STORY.join(' ').startsWith(cut.content)).toBe(true);
  expect(history[2].content).toBe('Wait, stop. I have a question.');
  expect(history[3].content).toBe('Sure, go ahead.');

  // Independently of the SDK's own accounting: how long did the agent's voice last in the
  // rendered output, and which words does that much of the server's audio hold?
  const out = await tappedOutput(page);
  await control(baseURL!, 'config', { ttsBytesPerSecond: null }); // the truth below needs no pacing
  const pcm = await Promise.all(STORY.map((s) => ttsSamples(baseURL!, s)));
  const lead = firstSound(pcm[0]!) / 24000;
  const start = firstSound(out.samples) / out.sampleRate - lead;
  // The cut is the first stretch of > 150 ms of silence after the start (sentence gaps are shorter).
  let end = firstSound(out.samples);
  for (let i = end, quiet = 0; i < out.samples.length; i++) {
    if (Math.abs(out.samples[i]!) > 1e-3) { end = i + 1; quiet = 0; } else if (++quiet > out.sampleRate * 0.15) break;
  }
  let heardSec = end / out.sampleRate - start;
  // Whole sentences first; inside the cut sentence, a word counts as heard once what was
  // played passes its middle, as the SDK's rule says (cutAtWord): the word's audio is timed by
  // the sentence's prefixes up to it and up to the word before (the server's espeak-ng is
  // deterministic, so prefix audio times the words without any word timing API).
  let expectedWords = 0;
  for (let k = 0; k < STORY.length; k++) {
    const dur = pcm[k]!.length / 24000;
    const words = STORY[k]!.split(' ');
    if (heardSec >= dur) { expectedWords += words.length; heardSec -= dur; continue; }
    let before = firstSound(pcm[k]!) / 24000;
    for (let j = 1; j <= words.length; j++) {
      const end = endOfSound(await ttsSamples(baseURL!, words.slice(0, j).join(' '))) / 24000;
      if ((before + end) / 2 > heardSec) break;
      expectedWords++;
      before = end;
    }
    break;
  }
  const storedWords = cut.content.split(' ').length;
  console.log(`barge-in: heard ${storedWords} words stored, ${expectedWords} by the rendered audio`);
  expect(Math.abs(storedWords - expectedWords)).toBeLessThanOrEqual(1);

  // The server saw the story's LLM stream and at least one TTS stream cut by the client.
  const log = (await control(baseURL!, 'log')).requests as any[];
  const chats = log.filter((r) => r.route === '/v1/chat/completions');
  expect(chats[0].aborted).toBe(true);
  expect(log.filter((r) => r.route === '/v1/audio/speech').some((r) => r.aborted)).toBe(true);
});

const SHORT = STORY.slice(0, 3);

test('a 150 ms cough over the agent ducks it, then it carries on: no sample lost', async ({ baseURL }) => {
  await scriptStory(baseURL!, {}, SHORT);
  const page = await pages.open('story-then-cough', baseURL!);
  await startAgent(page);
  await waitForEvents(page, 'agent_transcript', 1, 30_000);
  const ev = await events(page);
  expect(ev.filter((e) => e.name === 'interruption_suspected').length).toBeGreaterThanOrEqual(1);
  expect(ev.filter((e) => e.name === 'interruption_cancelled').length).toBeGreaterThanOrEqual(1);
  expect(ev.filter((e) => e.name === 'turn_interrupted')).toEqual([]);
  expect(ev.find((e) => e.name === 'agent_transcript').interrupted).toBe(false);
  const history = await page.evaluate(() => (window as any).R.session.getContextHistory());
  expect(history.map((i: any) => i.content)).toEqual(['Tell me a story.', SHORT.join(' ')]);
  // Every sample of every sentence reached the output: voice from first to last sound
  // lasts as long as the server's audio for the whole story.
  const out = await tappedOutput(page);
  const pcm = await Promise.all(SHORT.map((s) => ttsSamples(baseURL!, s)));
  const totalSec = pcm.reduce((n, p) => n + p.length, 0) / 24000;
  const expectedSounding = totalSec - firstSound(pcm[0]!) / 24000 - (pcm.at(-1)!.length - endOfSound(pcm.at(-1)!)) / 24000;
  const sounding = (endOfSound(out.samples) - firstSound(out.samples)) / out.sampleRate;
  console.log(`cough: voice lasted ${sounding.toFixed(3)} s, the story's audio ${expectedSounding.toFixed(3)} s`);
  expect(Math.abs(sounding - expectedSounding)).toBeLessThan(0.03);
});

for (const gate of [true, false]) {
  test(`the agent's own voice fed back into the mic ${gate ? 'does not interrupt it (echo gate)' : 'does interrupt it without the echo gate (control)'}`, async ({ baseURL }) => {
    await scriptStory(baseURL!, { stt: [{ text: '(echo)' }], llm: [{ text: 'Hm?' }] }, SHORT);
    const page = await pages.open('story-then-silence', baseURL!);
    await startAgent(page, gate ? {} : { interrupt: { echoRatio: 0 } });
    // The echo path: output → 80 ms delay → −14 dB → the capture input, beside the mic.
    await page.evaluate(() => {
      const s = (window as any).R.session;
      const ctx = s.audio.context as AudioContext;
      const delay = new DelayNode(ctx, { delayTime: 0.08 });
      const gain = new GainNode(ctx, { gain: 10 ** (-14 / 20) });
      s.audio.mixer.node.connect(delay).connect(gain).connect(s.audio.inputNode);
    });
    if (gate) {
      await waitForEvents(page, 'agent_transcript', 1, 30_000);
      const ev = await events(page);
      expect(ev.filter((e) => e.name === 'turn_interrupted')).toEqual([]);
      expect(ev.find((e) => e.name === 'agent_transcript').interrupted).toBe(false);
      await page.waitForTimeout(1500); // the echo's tail must not become a user turn either
      const history = await page.evaluate(() => (window as any).R.session.getContextHistory());
      expect(history.map((i: any) => i.content)).toEqual(['Tell me a story.', SHORT.join(' ')]);
    } else {
      await waitForEvents(page, 'turn_interrupted', 1, 30_000);
    }
  });
}
