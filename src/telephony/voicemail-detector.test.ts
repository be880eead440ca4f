// VoiceMailDetector in a whole session in Node: the first `duration` seconds of transcript go
// to a scripted classifier once; a voicemail stops the agent and runs the callback; a beep in
// the mic after the greeting reaches onBeep.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { concat, hasSpeechTools, noise, prng, silence, sine, speak, telephonyFixture } from '../audio/dsp/signals-test-kit';
import { ScriptedLLM } from '../testing/providers';
import { kit } from '../session/session-test-kit';
import { VoiceMailDetector, type VoicemailBeep } from './voicemail-detector';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const RATE = 48000;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('VoiceMailDetector: classification', () => {
  it('a greeting: classified once from the first 2 s of transcript; the agent stops, the callback runs once, isVoicemailDetected', async () => {
    const classifier = new ScriptedLLM([{ text: 'Yes.', delayMs: 100 }]);
    let calls = 0;
    const vm = new VoiceMailDetector({ llm: classifier, callback: () => void calls++ });
    const k = kit({
      session: { voiceMailDetector: vm },
      stt: [{ text: 'Hi, you have reached Sam.' }, { text: 'Please leave a message after the tone.' }, { text: 'Thanks!' }],
      llm: [{ text: 'Hello Sam, this is your dentist calling about tomorrow.' }, { text: 'Sure.' }, { text: 'Ok.' }],
      tts: { msPerChar: 60 },
    });
    await k.session.start();
    void k.vad.speak(1);
    k.vad.pause(0.7);
    void k.vad.speak(1.2);
    await k.until(() => k.events.voicemail_classified !== undefined, 10_000);
    expect(k.session.isVoicemailDetected).toBe(true);
    expect(k.events.voicemail_classified).toEqual([{ isVoicemail: true, text: 'Hi, you have reached Sam. Please leave a message after the tone.' }]);
    const request = classifier.requests[0]!.items;
    expect(request.map((i) => (i.type === 'message' ? i.role : i.type))).toEqual(['system', 'user']);
    expect(request[1]).toMatchObject({ content: 'Text to classify: Hi, you have reached Sam. Please leave a message after the tone.' });
    await k.run(100);
    expect(calls).toBe(1);
    // The agent was answering the greeting: it stopped.
    const after = k.log.slice(k.log.indexOf('voicemail_classified'));
    expect(k.log.slice(0, k.log.indexOf('voicemail_classified')).filter((l) => l.startsWith('agent:')).at(-1)).toBe('agent:speaking');
    expect(after).toContain('turn_interrupted');
    expect(k.session.agentState).toBe('idle');
    // Once per session: later speech is not classified again, nor answered (the machine's
    // greeting is not a conversation); the app's own say() still speaks.
    const spoke = () => k.log.filter((l) => l === 'agent:speaking').length;
    const before = spoke();
    void k.vad.speak(1);
    await k.run(5000);
    expect(classifier.requests).toHaveLength(1);
    expect(calls).toBe(1);
    expect(spoke()).toBe(before);
    expect(k.history().some((l) => l.includes('Thanks!'))).toBe(false);
    void k.session.say('Hi Sam, this is your dentist.');
    await k.until(() => spoke() === before + 1, 5000, 'the app\'s say()');
  });

  it('an answer waiting behind the one playing is dropped too: the agent goes quiet', async () => {
    // The greeting's two sentences are two turns: the second is heard while the agent answers
    // the first (over the agent, too short to interrupt it) and waits behind it.
    const classifier = new ScriptedLLM([{ text: 'Yes.', delayMs: 50 }]);
    const vm = new VoiceMailDetector({ llm: classifier, callback: () => undefined, duration: 1.5 });
    const k = kit({
      session: { voiceMailDetector: vm },
      stt: [{ text: 'Hi, you have reached Sam.' }, { text: 'Please leave a message after the tone.' }],
      llm: [{ text: 'Hello Sam, this is your dentist calling about tomorrow, and about the bill.' }, { text: 'Sure, I will leave a message.' }],
      tts: { msPerChar: 60 },
      interrupt: { minInterruptionMs: 3000 },
    });
    await k.session.start();
    void k.vad.speak(1);
    await k.until(() => k.session.agentState === 'speaking', 10_000);
    void k.vad.speak(0.8, { rms: 0.4 });
    await k.until(() => k.events.voicemail_classified !== undefined, 10_000);
    await k.run(6000);
    const after = k.log.slice(k.log.indexOf('voicemail_classified'));
    expect(after).not.toContain('agent:speaking');
    expect(k.history().some((l) => l.includes('Sure, I will leave a message.'))).toBe(false);
    expect(k.session.agentState).toBe('idle');
  });

  it('a human "hello?": not a voicemail, no callback; the conversation goes on', async () => {
    const classifier = new ScriptedLLM([{ text: 'No' }]);
    let calls = 0;
    const k = kit({ session: { voiceMailDetector: new VoiceMailDetector({ llm: classifier, callback: () => void calls++, duration: 1 }) }, stt: [{ text: 'Hello?' }], llm: [{ text: 'Hi! This is Ana from the clinic.' }] });
    await k.session.start();
    void k.vad.speak(0.6);
    await k.until(() => k.events.voicemail_classified !== undefined && k.session.agentState === 'idle', 20_000);
    expect(k.events.voicemail_classified).toEqual([{ isVoicemail: false, text: 'Hello?' }]);
    expect(k.session.isVoicemailDetected).toBe(false);
    expect(calls).toBe(0);
    expect(k.history()).toEqual(['user: Hello?', 'assistant: Hi! This is Ana from the clinic.']);
  });

  it('a failed classification is not a voicemail; customPrompt replaces the system prompt', async () => {
    const classifier = new ScriptedLLM([{ error: { code: 'provider-server' } }]);
    const k = kit({ session: { voiceMailDetector: new VoiceMailDetector({ llm: classifier, callback: () => undefined, customPrompt: 'Machine? yes/no' }) }, stt: [{ text: 'Hello' }] });
    await k.session.start();
    void k.vad.speak(0.6);
    await k.until(() => k.events.voicemail_classified !== undefined, 10_000);
    expect(k.events.voicemail_classified?.[0]?.isVoicemail).toBe(false);
    expect(classifier.requests[0]!.items[0]).toMatchObject({ role: 'system', content: 'Machine? yes/no' });
  });

  it('closing the session before the window ends cancels the classification', async () => {
    const classifier = new ScriptedLLM([{ text: 'yes' }]);
    let calls = 0;
    const k = kit({ session: { voiceMailDetector: new VoiceMailDetector({ llm: classifier, callback: () => void calls++ }) }, stt: [{ text: 'Hi, leave a message' }] });
    await k.session.start();
    void k.vad.speak(0.6);
    await k.until(() => (k.events.user_transcript ?? []).some((e) => e.final), 10_000);
    const closing = k.session.close();
    await k.run(5000);
    await closing;
    expect(classifier.requests).toHaveLength(0);
    expect(calls).toBe(0);
  });
});

describe('VoiceMailDetector: beep', () => {
  /** A voice-like stand-in for the greeting's audio: a harmonic tone whose pitch moves. */
  function voiceLike(seconds: number): Float32Array {
    const out = new Float32Array(Math.round(seconds * RATE));
    let phase = 0;
    for (let i = 0; i < out.length; i++) {
      const t = i / RATE;
      phase += (2 * Math.PI * (140 + 40 * Math.sin(2 * Math.PI * 3 * t))) / RATE;
      for (let h = 1; h <= 8; h++) out[i]! += (0.05 / h) * Math.sin(h * phase);
    }
    return out;
  }

  async function run(mic: Float32Array, speakFirst: boolean) {
    const beeps: VoicemailBeep[] = [];
    const k = kit({
      session: { voiceMailDetector: new VoiceMailDetector({ llm: new ScriptedLLM([{ text: 'yes' }]), callback: () => undefined, onBeep: (b) => void beeps.push(b) }) },
      stt: [{ text: 'You have reached Sam, please leave a message.' }],
      llm: [{ text: 'Hello.' }],
    });
    await k.session.start();
    if (speakFirst) void k.vad.speak(1.5);
    k.audio.playIntoMicrophone(mic);
    await k.run((mic.length / RATE) * 1000 + 500);
    return { k, beeps };
  }

  it('a beep after the greeting reaches onBeep and voicemail_beep_detected once, when it ends', async () => {
    const mic = concat(voiceLike(1.5), silence(0.3, RATE), sine(0.5, 1000, 0.3, RATE), silence(0.5, RATE));
    const { k, beeps } = await run(mic, true);
    expect(beeps).toHaveLength(1);
    expect(beeps[0]!.hz).toBeCloseTo(1000, -1);
    expect(beeps[0]!.at).toBeCloseTo(2.3, 1);
    expect(k.events.voicemail_beep_detected).toEqual(beeps);
  });

  it('a tone before anyone spoke is not the greeting\'s beep', async () => {
    const { beeps } = await run(concat(silence(0.3, RATE), sine(0.5, 1000, 0.3, RATE), silence(0.5, RATE)), false);
    expect(beeps).toEqual([]);
  });

  const greeting = telephonyFixture(ROOT, 'voicemail-greeting-beep', RATE);
  const hello = telephonyFixture(ROOT, 'human-hello', RATE);
  it.skipIf(!greeting || !hello)('voicemail-greeting-beep.wav (npm run fixtures): one beep, where it ends; human-hello.wav: none', async () => {
    const vm = await run(greeting!.samples, true);
    expect(vm.beeps).toHaveLength(1);
    expect(Math.abs(vm.beeps[0]!.at - greeting!.beeps[0]!.endSec)).toBeLessThan(0.03);
    expect((await run(hello!.samples, true)).beeps).toEqual([]);
  });

  it.skipIf(!hasSpeechTools)('espeak-ng greeting + beep: one beep; a human "hello?" in noise: none', async () => {
    const greeting = speak('Hi, you have reached the office of Doctor Smith. Please leave a message after the tone.', 'en-us+f3', RATE);
    const withBeep = await run(concat(greeting, silence(0.4, RATE), sine(0.8, 850, 0.25, RATE), silence(0.5, RATE)), true);
    expect(withBeep.beeps).toHaveLength(1);
    const hello = speak('Hello? Hello?', 'en-gb', RATE);
    const human = await run(concat(hello, noise(RATE, 0.003, prng(1))), true);
    expect(human.beeps).toEqual([]);
  });
});
