import { expect, test } from './support/test';
import type { Page } from './support/test';
import { control, events, sessionPages, startAgent, waitForEvents } from './support/agent-run';

// The session with a streaming STT (DeepgramSTT against the local server's `/v1/listen`):
// the mic's frames go up while the user speaks, the transcript comes back as they speak,
// and no batch transcription request is made. The local "recognizer" reveals the scripted
// words one per `wordMs` of voiced audio it receives, so a transcript needs the audio.
const pages = sessionPages();

const requests = async (baseURL: string) => (await control(baseURL, 'log')).requests as any[];
const history = (page: Page) => page.evaluate(() => (window as any).R.session.getContextHistory().map((i: any) => `${i.role}: ${i.content}`));

for (const endpointing of ['vad', 'stt'] as const) {
  test(`a turn heard through a streaming STT, endpointing '${endpointing}': interim then final transcripts, no batch request`, async ({ baseURL }) => {
    await control(baseURL!, 'reset', {});
    await control(baseURL!, 'script', { listen: [{ text: 'Hello there.', wordMs: 100 }], llm: [{ text: 'Hi! How can I help?' }] });
    const page = await pages.open('hello-then-silence', baseURL!);
    // 'vad' with Deepgram's endpointing off: only the session's Finalize can end the turn.
    await startAgent(page, { deepgram: { endpointingMs: endpointing === 'vad' ? false : 300 }, pipeline: { eou: { endpointing } } });
    await waitForEvents(page, 'agent_transcript', 1, 30_000);
    expect(await history(page)).toEqual(['user: Hello there.', 'assistant: Hi! How can I help?']);
    const ev = await events(page);
    const transcripts = ev.filter((e) => e.name === 'user_transcript');
    expect(transcripts.filter((e) => !e.final).length).toBeGreaterThan(0);
    expect(transcripts.filter((e) => e.final).map((e) => e.text)).toEqual(['Hello there.']);
    expect(ev.filter((e) => e.name === 'error')).toEqual([]);
    const log = await requests(baseURL!);
    expect(log.filter((r) => r.route.includes('transcriptions'))).toEqual([]);
    const listens = log.filter((r) => r.route.endsWith('/listen'));
    expect(listens).toHaveLength(1);
    // 'vad': the VAD's end of speech asks Deepgram to settle (Finalize); 'stt': Deepgram's
    // own endpointing (300 ms) ends the turn, before the VAD's 560 ms of silence has passed.
    const finalize = listens[0].body.received.Finalize ?? 0;
    if (endpointing === 'vad') expect(finalize).toBe(1);
    else {
      expect(finalize).toBe(0);
      const order = ev.filter((e) => e.name === 'user_speech_ended' || (e.name === 'user_transcript' && e.final)).map((e) => e.name);
      expect(order).toEqual(['user_transcript', 'user_speech_ended']);
    }
  });
}

for (const mode of ['HYBRID', 'VAD_ONLY'] as const) {
  test(`"Okay." over the agent's story ${mode === 'HYBRID' ? 'is a backchannel: the agent carries on, and it is not a turn' : 'interrupts it with VAD_ONLY (control)'}`, async ({ baseURL }) => {
    await control(baseURL!, 'reset', {});
    const story = Array.from({ length: 6 }, (_, i) => `This is sentence number ${i + 1} of a long story.`).join(' ');
    await control(baseURL!, 'script', { listen: [{ text: 'Tell me a story.', wordMs: 100 }, { text: 'Okay.', wordMs: 100 }], llm: [{ text: story }, { text: 'Sure.' }] });
    const page = await pages.open('story-then-okay', baseURL!);
    await startAgent(page, { deepgram: {}, interrupt: { mode } });
    if (mode === 'VAD_ONLY') {
      await waitForEvents(page, 'turn_interrupted', 1, 30_000);
      return;
    }
    // The VAD heard enough speech to interrupt (suspected), the words were a backchannel.
    await waitForEvents(page, 'interruption_cancelled', 1, 30_000);
    await waitForEvents(page, 'agent_transcript', 1, 60_000);
    const ev = await events(page);
    expect(ev.filter((e) => e.name === 'turn_interrupted')).toEqual([]);
    expect(ev.filter((e) => e.name === 'interruption_suspected').length).toBeGreaterThan(0);
    expect(await history(page)).toEqual(['user: Tell me a story.', `assistant: ${story}`]);
    // The backchannel was transcribed, but never answered.
    expect(ev.filter((e) => e.name === 'user_transcript' && !e.final).map((e) => e.text)).toContain('Okay.');
    expect((await requests(baseURL!)).filter((r) => r.route.includes('chat'))).toHaveLength(1);
  });
}

// Preemptive generation: after ~130 ms of the user's silence the answer to the transcript
// so far is requested (LLM, then the first sentence's TTS) and held. The local recognizer
// reveals a word per `wordMs` of voiced audio: at 100 ms both words of "Hello there." are
// in before the silence (the held answer fits: a hit); at 500 ms the second word comes only
// with the Finalize at the end of the turn (the held answer is for "Hello": a miss).
for (const [wordMs, hit] of [[100, true], [500, false]] as const) {
  test(`preemptive generation: ${hit ? 'a hit plays the held answer, with no second request' : 'a miss drops the held answer without a trace and asks again'}`, async ({ baseURL }) => {
    await control(baseURL!, 'reset', {});
    await control(baseURL!, 'script', {
      listen: [{ text: 'Hello there.', wordMs }],
      // A miss's held request is slow, so it is still running when it is dropped.
      llm: [{ text: 'Hi! How can I help?', delayMs: hit ? 300 : 2000 }, { text: 'Hi! How can I help?', delayMs: 300 }],
    });
    const page = await pages.open('hello-then-silence', baseURL!);
    await startAgent(page, { deepgram: { endpointingMs: false } });
    await page.waitForFunction(() => (window as any).R.events.some((e: any) => e.name === 'agent_transcript' && e.text), undefined, { timeout: 30_000 });
    expect(await history(page)).toEqual(['user: Hello there.', 'assistant: Hi! How can I help?']);
    const ev = await events(page);
    expect(ev.filter((e) => e.name === 'metrics_collected').map((e) => e.turn.preemptive)).toEqual([hit]);
    expect(ev.filter((e) => e.name === 'error')).toEqual([]);
    const chats = (await requests(baseURL!)).filter((r) => r.route.includes('chat'));
    const asked = chats.map((r) => r.body.messages.at(-1).content);
    if (hit) expect(asked).toEqual(['Hello there.']);
    else {
      expect(asked).toEqual(['Hello', 'Hello there.']);
      expect(chats[0].aborted).toBe(true);
    }
  });
}

// Deepgram Flux decides turns itself (the local /v2/listen: end-of-turn confidence = the
// silence since the last voiced audio, 1 s = 1.0): EagerEndOfTurn at 0.3, EndOfTurn at 0.7.
// With endpointing 'stt' the session answers at Flux's EndOfTurn, with the answer prepared
// since the silence began (kept, not restarted, when Flux's eager end of turn comes).
test("Deepgram Flux in a session: its EndOfTurn ends the turn, and the answer prepared ahead is used", async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', { listen: [{ text: 'Hello there.', wordMs: 100 }], llm: [{ text: 'Hi! How can I help?', delayMs: 300 }, { text: 'Hi again.' }] });
  const page = await pages.open('hello-then-silence', baseURL!);
  await startAgent(page, { flux: { eagerEotThreshold: 0.3, eotThreshold: 0.7 }, pipeline: { eou: { endpointing: 'stt' } } });
  await page.waitForFunction(() => (window as any).R.events.some((e: any) => e.name === 'agent_transcript' && e.text), undefined, { timeout: 30_000 });
  expect(await history(page)).toEqual(['user: Hello there.', 'assistant: Hi! How can I help?']);
  const ev = await events(page);
  expect(ev.filter((e) => e.name === 'metrics_collected').map((e) => e.turn.preemptive)).toEqual([true]);
  expect(ev.filter((e) => e.name === 'error')).toEqual([]);
  const log = await requests(baseURL!);
  expect(log.filter((r) => r.route.endsWith('/listen')).map((r) => r.route)).toEqual(['/v2/listen']);
  expect(log.filter((r) => r.route.includes('chat'))).toHaveLength(1);
});
