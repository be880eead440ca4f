// Calls in the page (issue 12), in Chromium with the fake mic: DTMF keys over a talker, heard
// by the capture worklet's detector, and keys sent back as tones through the mixer; a
// voicemail greeting classified from its transcript, and the beep after it reported once.
// The detectors' accuracy over levels, noise and music is in the unit tests (dtmf.test.ts,
// beep.test.ts); here the path through a real browser's capture (its audio processing off,
// since Chrome's noise suppression fades steady tones) and the session's events.
import { expect, test, type BrowserContext, type Page } from './support/test';
import { FIXTURES, launchWarm, openHarness } from './support/browser';
import { control, events, logFailure, startAgent, waitForEvents } from './support/agent-run';
import { installPhoneLines, type PhoneKit } from './support/phone-line';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

let browser: BrowserContext;
let page: Page;

test.afterEach(async ({ baseURL }, info) => {
  if (info.status !== info.expectedStatus && page) await logFailure(page, baseURL!);
  await page?.evaluate(() => (window as any).R?.session.close()).catch(() => undefined);
  await browser?.close();
});

const fixtureJson = (name: string) => JSON.parse(readFileSync(resolve(FIXTURES, `${name}.json`), 'utf8'));

test('DTMF: the 16 keys pressed over speech arrive once each, in order; keys sent play as tones a detector reads back', async ({ baseURL }) => {
  const info = fixtureJson('dtmf-over-speech');
  expect(info.keys).toHaveLength(16);
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', { stt: [{ text: 'The quick brown fox.' }], llm: [{ text: 'Okay.' }] });
  browser = await launchWarm({ wav: 'dtmf-over-speech' });
  page = await openHarness(browser, baseURL!);
  const source = (E: any) => {
    const R = (window as any).R;
    R.digits = [];
    return { dtmfHandler: new E.DTMFHandler((digit: string) => R.digits.push(digit)) };
  };
  await startAgent(page, { sessionSource: source.toString() });
  await waitForEvents(page, 'dtmf_received', 16, 30_000);
  // The talker's turn is answered as usual meanwhile; wait for it, so the tones sent below are alone on the output.
  await waitForEvents(page, 'agent_transcript', 1, 20_000);
  await page.waitForFunction(() => (window as any).R.session.agentState === 'idle', null, { timeout: 10_000 });
  const ev = await events(page);
  const received = ev.filter((e) => e.name === 'dtmf_received');
  expect(received.map((e) => e.digit).join('')).toBe(info.keys.map((k: { digit: string }) => k.digit).join(''));
  expect(received.every((e) => e.source === 'in_band' && typeof e.at === 'number')).toBe(true);
  // In audio time, one press every 0.6 s as in the file (the file's place on the clock is unknown: compare gaps).
  const gaps = received.slice(1).map((e, i) => e.at - received[i]!.at);
  const fileGaps = info.keys.slice(1).map((k: { startSec: number }, i: number) => k.startSec - info.keys[i].startSec);
  gaps.forEach((g, i) => expect(Math.abs(g - fileGaps[i])).toBeLessThan(0.05));
  // Sending: tones on the voice bus, read back from the tapped output by the same detector, offline.
  const heard = await page.evaluate(async () => {
    const R = (window as any).R;
    const E = (window as any).E;
    const from = R.blocks.length;
    await R.session.sendDtmf('159#');
    const rate = R.session.audio.context.sampleRate;
    const detector = new E.DTMFDetector(rate);
    const keys: string[] = [];
    for (const b of R.blocks.slice(from)) detector.push(b.samples, (digit: string) => keys.push(digit));
    return { keys: keys.join(''), callback: R.digits.join('') };
  });
  expect(heard.keys).toBe('159#');
  // The callback got exactly the pressed keys (its own tones are not heard back: no echo here, and its echo tail is ignored).
  expect(heard.callback).toBe(info.keys.map((k: { digit: string }) => k.digit).join(''));
});

test('voicemail: the greeting is classified once, the agent goes quiet, and the beep after it is reported once, at its end', async ({ baseURL }) => {
  const info = fixtureJson('voicemail-greeting-beep');
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', {
    stt: [{ text: 'Hi, you have reached the office of Doctor Smith. Please leave a message after the tone.' }],
    llm: [{ text: 'Hello, this is the clinic calling about your appointment tomorrow.' }],
  });
  browser = await launchWarm({ wav: 'voicemail-greeting-beep' });
  page = await openHarness(browser, baseURL!);
  const source = (E: any) => {
    const R = (window as any).R;
    R.beeps = [];
    R.callbacks = 0;
    // The classifier: a one-word LLM in the page (the local server's script is the agent's).
    const classifier = { label: 'classifier', async *chat() { yield { type: 'text', delta: 'yes' }; } };
    return { voiceMailDetector: new E.VoiceMailDetector({ llm: classifier, duration: 1, callback: () => void R.callbacks++, onBeep: (b: unknown) => R.beeps.push(b) }) };
  };
  await startAgent(page, { sessionSource: source.toString() });
  await waitForEvents(page, 'voicemail_beep_detected', 1, 30_000);
  // The rest of the file (2 s of silence) plays out: still one beep.
  await page.waitForTimeout(2500);
  const ev = await events(page);
  const classified = ev.filter((e) => e.name === 'voicemail_classified');
  expect(classified).toMatchObject([{ isVoicemail: true, text: expect.stringContaining('leave a message') }]);
  // Once it is a voicemail the agent does not speak (its reply to the greeting is cut or never starts).
  const speakingAfter = ev.filter((e) => e.name === 'agent_state_changed' && e.state === 'speaking' && e.t > classified[0].t);
  expect(speakingAfter).toEqual([]);
  const beeps = ev.filter((e) => e.name === 'voicemail_beep_detected');
  expect(beeps).toHaveLength(1);
  const beep = info.beeps[0];
  expect(Math.abs(beeps[0].hz - beep.hz)).toBeLessThan(30);
  expect(Math.abs(beeps[0].durationSec - 0.6)).toBeLessThan(0.1);
  // In audio time, the beep ended as long after the greeting's onset as in the file (±0.2 s:
  // the VAD's onset and the detector's end are each within about a frame).
  const onset = ev.find((e) => e.name === 'user_speech_started');
  expect(Math.abs(beeps[0].at - onset.at - (beep.endSec - info.speech[0].startSec))).toBeLessThan(0.2);
  const state = await page.evaluate(() => ({ detected: (window as any).R.session.isVoicemailDetected, callbacks: (window as any).R.callbacks, onBeep: (window as any).R.beeps.length }));
  expect(state).toEqual({ detected: true, callbacks: 1, onBeep: 1 });
});

/**
 * Sets up a call in the page: a caller line (support/phone-line.ts) that will play a fixture as
 * a phone line delivers it and records what it receives, and the agent's end of it, whose remote
 * track and sender are in `window.CALL`.
 */
async function setUpCall(page: Page, wav: string): Promise<void> {
  await installPhoneLines(page);
  await page.evaluate(async (wav) => {
    const PHONE = (window as any).PHONE as PhoneKit;
    const callerCtx = new AudioContext();
    const caller = await PHONE.line(callerCtx, await PHONE.narrowband(callerCtx, wav));
    (window as any).CALL = {
      input: caller.input,
      sender: caller.sender,
      heard: caller.heard,
      play: caller.say,
      close: () => (caller.close(), callerCtx.close()),
    };
  }, wav);
}

test('a WebRTC call, narrowband: the caller\'s line is the input, the agent answers both turns on the call, and the caller hears it', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', {
    stt: [{ text: 'What time is it?' }, { text: 'Thank you, goodbye.' }],
    llm: [{ toolCalls: [{ name: 'get_time', arguments: {} }] }, { text: 'Ten thirty.' }, { text: 'Goodbye!' }],
  });
  // The fake mic is given nothing: the session must not listen to it.
  browser = await launchWarm({ wav: 'click' });
  page = await openHarness(browser, baseURL!);
  await setUpCall(page, 'two-turns');
  const pipeline = (E: any) => {
    const call = (window as any).CALL;
    return { audio: E.callAudio({ input: call.input, output: (track: MediaStreamTrack) => call.sender.replaceTrack(track) }) };
  };
  await startAgent(page, { tools: 'get_time', pipelineSource: pipeline.toString() });
  await page.evaluate(() => (window as any).CALL.play());
  await waitForEvents(page, 'agent_transcript', 2, 30_000);
  const history = await page.evaluate(() => (window as any).R.session.getContextHistory().map((i: any) => `${i.role}: ${i.content}`));
  expect(history).toEqual(['user: What time is it?', 'assistant: Ten thirty.', 'user: Thank you, goodbye.', 'assistant: Goodbye!']);
  // The STT got the caller's audio (two utterances of speech, not the fake mic's click).
  const transcriptions = ((await control(baseURL!, 'log')).requests as any[]).filter((r) => r.route === '/v1/audio/transcriptions');
  expect(transcriptions).toHaveLength(2);
  for (const t of transcriptions) expect(t.body.durationSec).toBeGreaterThan(0.8);
  // The caller heard the agent: sound on the line while it spoke, silence before its first word.
  await page.waitForTimeout(500);
  const ev = await events(page);
  const line = await page.evaluate(() => (window as any).CALL.heard as { t: number; rms: number }[]);
  const speaking = ev.filter((e) => e.name === 'agent_state_changed' && e.state === 'speaking').map((e) => e.t);
  const idle = ev.filter((e) => e.name === 'agent_state_changed' && e.state === 'idle' && e.t > speaking[0]).map((e) => e.t);
  const peak = (from: number, to: number) => Math.max(0, ...line.filter((b) => b.t >= from && b.t <= to).map((b) => b.rms));
  expect(speaking).toHaveLength(2);
  expect(peak(speaking[0], idle[0] + 300)).toBeGreaterThan(0.02);
  expect(peak(speaking[1], idle.at(-1)! + 300)).toBeGreaterThan(0.02);
  expect(peak(0, speaking[0] - 100)).toBeLessThan(0.001);
  await page.evaluate(() => (window as any).CALL.close());
});
