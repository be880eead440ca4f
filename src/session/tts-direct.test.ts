// Issue 9 in Node: a TTS that delivers its audio to the mixer itself (`synthesizeTo`, as the
// worker path does) is played once and accounted for; the last sentence goes to the TTS at
// the LLM's `finish`, not at the end of its stream.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MixerStream } from '../audio/mixer';
import type { LLM, LLMChunk, LLMRequest, TTSRequest, TTSStreamRequest } from '../providers/types';
import { ScriptedTTS } from '../testing/providers';
import { kit, voicedSec } from './session-test-kit';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A ScriptedTTS whose `synthesizeTo` pushes to the stream itself, like the worker pipe. */
class DeliveringTTS extends ScriptedTTS {
  direct = 0;
  ends = 0;
  synthesizeTo(request: TTSRequest, stream: MixerStream) {
    this.direct++;
    return deliver(this.synthesize(request), stream, () => this.ends++);
  }
}

/** Pushes `it`'s samples to `stream` as the worker pipe does, yielding them for accounting. */
function deliver(it: AsyncIterable<Float32Array>, stream: MixerStream, onEnd: () => void) {
  // As the interface asks: after end(), the stream ends once this request's audio is delivered.
  let delivered!: () => void;
  const done = new Promise<void>((r) => (delivered = r));
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const s of it) {
          stream.push(s);
          yield s;
        }
      } finally {
        delivered();
      }
    },
    end: () => {
      onEnd();
      void done.then(() => stream.end());
    },
  };
}

/** Pushed samples per stream id, counted at the mixer's port. */
function countPushes(k: ReturnType<typeof kit>): Map<number, number> {
  const counts = new Map<number, number>();
  const mixer = k.audio.mixer;
  const post = mixer.post.bind(mixer);
  mixer.post = (cmd, transfer) => {
    if (cmd.type === 'push') counts.set(cmd.id, (counts.get(cmd.id) ?? 0) + cmd.samples.length);
    post(cmd, transfer);
  };
  return counts;
}

describe('TTS.synthesizeTo: audio the provider delivers itself', () => {
  it('is played once, counted for the history, and the last request is told to end the stream', async () => {
    const tts = new DeliveringTTS({ msPerChar: 40 });
    const k = kit({ tts, llm: [{ text: 'First sentence here. And the second one.' }] });
    await k.session.start();
    const pushes = countPushes(k);
    void k.session.sendText('go');
    await k.until(() => k.session.agentState === 'idle' && k.history().length === 2);
    expect(tts.direct).toBe(2);
    expect(tts.requests).toEqual(['First sentence here.', 'And the second one.']);
    // Pushed once, not twice: the speech did not send the chunks it was given for accounting.
    const expected = tts.voiceFor('First sentence here.').length + tts.voiceFor('And the second one.').length;
    expect([...pushes.values()].reduce((a, b) => a + b, 0)).toBe(expected);
    expect(tts.ends).toBeGreaterThanOrEqual(1); // the last request knew it was the last
    expect(k.history()).toEqual(['user: go', 'assistant: First sentence here. And the second one.']);
    await k.session.close();
  });

  it("audio that reaches the mixer late (the worker's own port) is not cut off by the end of the stream", async () => {
    // The worker's port and the main thread's are not ordered with each other: model the
    // worker's pushes arriving 80 ms late. The end must follow them, not overtake them.
    class LateTTS extends DeliveringTTS {
      override synthesizeTo(request: TTSRequest, stream: MixerStream) {
        const late = { push: (s: Float32Array) => void setTimeout(() => stream.push(s), 80), end: () => void setTimeout(() => stream.end(), 80) } as MixerStream;
        return super.synthesizeTo(request, late);
      }
    }
    const tts = new LateTTS({ msPerChar: 40 });
    const k = kit({ tts, llm: [{ text: 'Okay.' }] });
    await k.session.start();
    void k.session.sendText('go');
    await k.until(() => k.session.agentState === 'idle' && k.history().length === 2);
    await k.run(300);
    const voice = tts.voiceFor('Okay.').length / tts.sampleRate;
    expect(voicedSec(k.audio.played())).toBeGreaterThan(voice * 0.9);
    await k.session.close();
  });

  it('audio heard before its copy for accounting arrives still gets metrics naming the TTS that served it', async () => {
    // The worker delivers to the mixer at once; its copies reach the main thread 200 ms later,
    // after the first sample was heard. The metrics wait for both.
    class LateCopiesTTS extends DeliveringTTS {
      override synthesizeTo(request: TTSRequest, stream: MixerStream) {
        const audio = this.voiceFor(request.text);
        stream.push(audio);
        const copies = (async function* () {
          await new Promise((r) => setTimeout(r, 200));
          yield audio;
        })();
        return Object.assign(copies, { end: () => stream.end() });
      }
    }
    const tts = new LateCopiesTTS({ label: 'late-copies', msPerChar: 40 });
    const k = kit({ tts, llm: [{ text: 'Okay.' }] });
    await k.session.start();
    void k.vad.speak(0.8); // a spoken turn: typed text has no voice-to-voice metrics
    await k.until(() => (k.events.metrics_collected?.length ?? 0) > 0 && k.session.agentState === 'idle');
    expect(k.events.metrics_collected).toHaveLength(1);
    expect(k.events.metrics_collected![0]!.turn.tts).toBe('late-copies');
    expect(Number.isFinite(k.events.metrics_collected![0]!.turn.ttsTtfbMs)).toBe(true);
    await k.session.close();
  });

  it('an interruption mid-answer still stops it, and the history keeps only what was heard', async () => {
    const tts = new DeliveringTTS({ msPerChar: 60, chunkMs: 40 });
    const k = kit({ tts, llm: [{ text: 'This answer is long enough to be cut off in the middle of it.' }] });
    await k.session.start();
    void k.session.sendText('go');
    await k.until(() => k.session.agentState === 'speaking');
    await k.run(1000);
    k.session.interrupt();
    await k.until(() => k.session.agentState !== 'speaking');
    await k.run(200);
    const said = k.history().at(-1)!;
    expect(said.startsWith('assistant: This answer')).toBe(true);
    expect(said.length).toBeLessThan('assistant: This answer is long enough to be cut off in the middle of it.'.length);
    await k.session.close();
  });
});

/** A socket-like TTS: text streams in (`stream`), and `streamTo` delivers to the stream itself, like the worker pipe. */
class StreamingDeliveringTTS extends DeliveringTTS {
  streamed = 0;
  texts: string[] = [];
  async *stream(request: TTSStreamRequest): AsyncGenerator<Float32Array> {
    this.streamed++;
    let text = '';
    for await (const piece of request.text) text += piece;
    this.texts.push(text.trim());
    yield* this.synthesize({ text: text.trim(), signal: request.signal });
  }
  streamTo(request: TTSStreamRequest, stream: MixerStream) {
    return deliver(this.stream(request), stream, () => this.ends++);
  }
}

describe('TTS.streamTo: streamed text whose audio the provider delivers itself (a socket TTS from its worker)', () => {
  it('the answer goes as one streamed request to streamTo, is pushed once, heard whole, and told to end the stream', async () => {
    const tts = new StreamingDeliveringTTS({ msPerChar: 40 });
    const k = kit({ tts, llm: [{ text: 'First sentence here. And the second one.' }] });
    await k.session.start();
    const pushes = countPushes(k);
    void k.session.sendText('go');
    await k.until(() => k.session.agentState === 'idle' && k.history().length === 2);
    expect(tts.streamed).toBe(1);
    expect(tts.direct).toBe(0); // no per-sentence synthesizeTo
    expect(tts.texts).toEqual(['First sentence here. And the second one.']);
    const expected = tts.voiceFor('First sentence here. And the second one.').length;
    expect([...pushes.values()].reduce((a, b) => a + b, 0)).toBe(expected);
    expect(tts.ends).toBeGreaterThanOrEqual(1);
    expect(k.history()).toEqual(['user: go', 'assistant: First sentence here. And the second one.']);
    await k.session.close();
  });
});

describe('the last sentence at the LLM finish', () => {
  it('reaches the TTS while the LLM stream is still open (usage and [DONE] late)', async () => {
    let streamEnded = false;
    const llm: LLM = {
      label: 'slow-tail',
      async *chat(request: LLMRequest): AsyncIterable<LLMChunk> {
        yield { type: 'text', delta: 'Ten ' };
        yield { type: 'text', delta: 'thirty.' };
        yield { type: 'finish' };
        // The usage chunk and the end of the stream come 2 s later.
        await new Promise((r) => setTimeout(r, 2000));
        streamEnded = true;
        if (!request.signal.aborted) yield { type: 'usage', promptTokens: 1, completionTokens: 2 };
      },
    };
    const k = kit({ llm });
    await k.session.start();
    void k.session.sendText('What time is it?');
    await k.run(500);
    expect(streamEnded).toBe(false);
    expect(k.tts.requests).toEqual(['Ten thirty.']);
    await k.until(() => k.session.agentState === 'idle' && k.history().length === 2, 10_000);
    expect(k.tts.requests).toEqual(['Ten thirty.']); // spoken once, not again at the stream's end
    await k.session.close();
  });
});
