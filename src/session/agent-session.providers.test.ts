// The session with real socket and fallback providers, in Node: a socket TTS takes each LLM
// round as one streamed context (against the local ElevenLabs stand-in), a barge-in cancels
// that context, and the metrics name the member of a fallback chain that served.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FallbackLLM, FallbackTTS } from '../fallback';
import { useProviderServer } from '../providers/test-server';
import { ElevenLabsTTS } from '../providers/tts/elevenlabs';
import { NodeWebSocket, sockets } from '../providers/tts/socket-test-kit';
import { ScriptedLLM, ScriptedTTS } from '../testing/providers';
import { cutAtWord } from '../turn/speech-output';
import { kit, voicedSec } from './session-test-kit';

const hasEspeak = spawnSync('espeak-ng', ['--version']).status === 0;
const server = useProviderServer();
afterEach(() => vi.useRealTimers());

const STORY = 'The ship left the harbour at dawn. The sea was calm and grey. By noon the island was in sight. The crew cheered.';

describe.skipIf(!hasEspeak)('a socket TTS in the session (ElevenLabs stand-in)', () => {
  it('speaks an LLM round as one streamed context, and a barge-in closes that context', async () => {
    const tts = new ElevenLabsTTS({ voiceId: 'v1', baseURL: server.url, apiKey: 'xi-key-0123456789', WebSocket: NodeWebSocket });
    const k = kit({ realTime: true, tts, stt: [{ text: 'Tell me a story' }, { text: 'stop' }], llm: [{ text: STORY, chunkDelayMs: 5 }, { text: 'Okay.' }] });
    try {
      await k.session.start();
      void k.vad.speak(0.6);
      await k.until(() => k.session.agentState === 'speaking', 10_000);
      // 1.5 s of the voice played, counted in rendered audio (quanta with sound), not in wall
      // time: on a loaded machine the socket and the virtual audio clock both lag the wall clock.
      const from = k.audio.played().length;
      await k.until(() => voicedSec(k.audio.played().subarray(from)) >= 1.5, 20_000, '1.5 s of the voice');
      // espeak-ng's voice from the stand-in is loud (peaks near full scale): the user is louder still.
      void k.vad.speak(0.8, { rms: 0.4 });
      await k.until(() => k.history().includes('assistant: Okay.') && k.session.agentState === 'idle', 20_000);
      const contexts = sockets(() => server.handler.log(), '/v1/text-to-speech/multi-stream-input').flatMap((s) => Object.values(s.body.contexts));
      // The story: one context with all four sentences streamed in, stopped by the barge-in.
      expect(contexts[0]!.text.replace(/\s+/g, ' ').trim()).toBe(STORY);
      expect(contexts[0]!.closed).toBe(true);
      // The answer after it: its own context, flushed and spoken.
      expect(contexts[1]!.text.trim()).toBe('Okay.');
      expect(k.history()[1]).toMatch(/^assistant: The ship left the harbour.*\[interrupted\]$/);
      // What was heard: about 2 s of the story (1.5 s, then the barge-in's reaction), i.e. some
      // 6 words at a speaking rate, not the text the socket had been sent ahead of the voice (19–22 words).
      expect(k.history()[1]!.replace(/^assistant: | \[interrupted\]$/g, '').split(/\s+/).length).toBeLessThanOrEqual(10);
      expect(k.events.metrics_collected?.[0]?.turn.tts).toBe(tts.label);
    } finally {
      await k.session.close();
      tts.close();
    }
  }, 40_000);
});

describe('a streamed TTS whose text runs ahead of its voice', () => {
  it('an interruption keeps the words heard at a speaking rate, not the share of the text sent', async () => {
    vi.useFakeTimers();
    // Takes the whole LLM round at once (as a socket TTS is sent text before it voices it) and
    // voices it in real time: 100 ms of tone every 100 ms.
    const tts = {
      label: 'text-ahead',
      sampleRate: 24000,
      async *synthesize() {},
      async *stream({ text, signal }: { text: AsyncIterable<string>; signal: AbortSignal }) {
        void (async () => {
          for await (const _ of text);
        })();
        for (let i = 0; i < 100 && !signal.aborted; i++) {
          await new Promise((r) => setTimeout(r, 100));
          yield Float32Array.from({ length: 2400 }, (_, n) => 0.3 * Math.sin((2 * Math.PI * 220 * n) / 24000));
        }
      },
    };
    const k = kit({ tts, stt: [{ text: 'Tell me a story' }, { text: 'stop' }], llm: [{ text: STORY }, { text: 'Okay.' }] });
    await k.session.start();
    void k.vad.speak(0.6);
    await k.until(() => k.session.agentState === 'speaking');
    const from = k.audio.played().length;
    await k.until(() => voicedSec(k.audio.played().subarray(from)) >= 1.5, 20_000, '1.5 s of the voice');
    void k.vad.speak(0.8, { rms: 0.4 });
    await k.until(() => k.history().includes('assistant: Okay.') && k.session.agentState === 'idle', 20_000);
    const story = k.history()[1]!;
    expect(story).toMatch(/^assistant: The ship .*\[interrupted\]$/);
    const heard = story.replace(/^assistant: | \[interrupted\]$/g, '');
    // About 1.5–2 s heard: some 4–8 words at 15 characters a second. The share of the text sent
    // (all of it) that the played share of the received audio covers would be most of the story.
    expect(STORY.startsWith(heard)).toBe(true);
    expect(heard.split(/\s+/).length).toBeLessThanOrEqual(10);
    await k.session.close();
  });
});

describe('a sentence cut while it was synthesized', () => {
  it("is placed in its text at the voice's own speaking rate, measured on the sentences before it", async () => {
    vi.useFakeTimers();
    // A slow voice (200 ms a character: 5 characters a second, a third of the default guess of
    // 15) synthesized in real time: the second sentence is still coming when the user cuts in.
    const MS_PER_CHAR = 200;
    const tts = new ScriptedTTS({ msPerChar: MS_PER_CHAR, chunkMs: 100, chunkDelayMs: 100, amplitude: 0.1 });
    const k = kit({ tts, stt: [{ text: 'Tell me a story' }, { text: 'stop' }], llm: [{ text: STORY }, { text: 'Okay.' }] });
    await k.session.start();
    void k.vad.speak(0.6);
    await k.until(() => k.session.agentState === 'speaking');
    const from = k.audio.played().length;
    const [first, second] = STORY.split(/(?<=\.) /) as [string, string];
    const firstSec = (first.length * MS_PER_CHAR) / 1000;
    await k.until(() => voicedSec(k.audio.played().subarray(from)) >= firstSec + 1.2, 30_000, 'the second sentence under way');
    void k.vad.speak(0.8, { rms: 0.4 });
    await k.until(() => k.history().includes('assistant: Okay.') && k.session.agentState === 'idle', 20_000);
    const heard = k.history()[1]!.replace(/^assistant: | \[interrupted\]$/g, '');
    expect(heard.startsWith(`${first} `)).toBe(true);
    // The truth, from the rendered output: how much of the second sentence's audio played
    // (the voice after the first sentence, less the answer's "Okay.").
    const playedSec = voicedSec(k.audio.played().subarray(from)) - firstSec - ('Okay.'.length * MS_PER_CHAR) / 1000;
    const truth = cutAtWord(second, playedSec / ((second.length * MS_PER_CHAR) / 1000));
    const words = (s: string) => (s ? s.split(/\s+/).length : 0);
    const heardSecond = heard.slice(first.length + 1);
    expect(second.startsWith(heardSecond)).toBe(true);
    // ±1 word, as cutAtWord promises; at 15 characters a second it would claim about three times the words.
    expect(Math.abs(words(heardSecond) - words(truth))).toBeLessThanOrEqual(1);
    await k.session.close();
  });
});

describe('the serving provider in the metrics', () => {
  it('names the fallback member that answered', async () => {
    vi.useFakeTimers();
    const llm = new FallbackLLM([new ScriptedLLM([{ error: { code: 'provider-server', status: 503 } }], { label: 'llm-a' }), new ScriptedLLM([{ text: 'From b.' }], { label: 'llm-b' })]);
    const tts = new FallbackTTS([new ScriptedTTS({ label: 'tts-a', script: [{ error: { code: 'provider-rate-limited', status: 429 } }] }), new ScriptedTTS({ label: 'tts-b' })]);
    const k = kit({ llm, tts });
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => (k.events.metrics_collected?.length ?? 0) > 0);
    expect(k.events.metrics_collected![0]!.turn).toMatchObject({ llm: 'llm-b', tts: 'tts-b' });
    await k.until(() => k.session.agentState === 'idle');
    expect(k.history()).toEqual(['user: hi', 'assistant: From b.']);
    await k.session.close();
  });

  it('names the provider itself when it is not a chain', async () => {
    vi.useFakeTimers();
    const k = kit();
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => (k.events.metrics_collected?.length ?? 0) > 0);
    expect(k.events.metrics_collected![0]!.turn).toMatchObject({ llm: 'scripted:llm', tts: 'scripted:tts' });
    await k.until(() => k.session.agentState === 'idle');
    await k.session.close();
  });
});
