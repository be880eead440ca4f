// Recording a whole session in Node: VirtualAudio renders the real mixer and plays test audio
// into the mic; the recording is checked sample for sample against both.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeWav } from '../audio/dsp/wav';
import { ConfigError } from '../errors';
import { kit, voicedSec } from '../session/session-test-kit';
import { SessionRecorder } from './recorder';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** 0.5 s of a deterministic noise-like signal at 48 kHz (no two neighbours alike). */
function micSignal(): Float32Array {
  const out = new Float32Array(24_000);
  let x = 12345;
  for (let i = 0; i < out.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = ((x / 0x7fffffff) * 2 - 1) * 0.4;
  }
  return out;
}

async function recordTurn(options: ConstructorParameters<typeof SessionRecorder>[1] = {}) {
  const k = kit({ stt: [{ text: 'Hello there' }], llm: [{ text: 'Hi, how can I help?' }] });
  await k.session.start();
  const recorder = new SessionRecorder(k.session, options);
  // The taps start with the next rendered quantum, as the mic audio below.
  const startFrame = Math.round(k.audio.context.currentTime * 48_000);
  await recorder.start();
  await k.run(100);
  const sig = micSignal();
  // The mic audio starts with the next rendered quantum: the virtual clock's current frame.
  const micFrame = Math.round(k.audio.context.currentTime * 48_000);
  k.audio.playIntoMicrophone(sig);
  void k.vad.speak(1);
  await k.until(() => k.history().length === 2 && k.session.agentState === 'idle');
  await k.run(200);
  const rec = await recorder.stop();
  return { k, rec, sig, micFrame, startFrame, recorder };
}

// A session turn in fake time costs ~1–2 s of CPU; on the shared 2-core machine give it room.
describe('SessionRecorder (WAV)', { timeout: 20_000 }, () => {
  it('the right channel is the rendered output sample for sample; the left is the mic input, aligned', async () => {
    const { k, rec, sig, micFrame, startFrame: origin } = await recordTurn({ wavFormat: 'float32' });
    const [left, right] = rec.channels!;
    expect(rec.mimeType).toBe('audio/wav');
    expect(rec.sampleRate).toBe(48_000);
    expect(left.length).toBe(right.length);
    expect(rec.durationSec).toBeCloseTo(left.length / 48_000, 6);
    expect(rec.startFrame).toBe(origin);
    const played = k.audio.played();
    expect(mismatch(right, played.subarray(origin, origin + right.length))).toBe(-1);
    expect(voicedSec(right)).toBeGreaterThan(0.5); // the answer is in it
    const at = micFrame - origin;
    expect(at).toBeGreaterThan(0);
    expect(mismatch(left.subarray(at, at + sig.length), sig)).toBe(-1);
    expect(left.subarray(0, at).every((v) => v === 0)).toBe(true);
    expect(left.subarray(at + sig.length).every((v) => v === 0)).toBe(true);
    await k.session.close();
  });

  it('writes a stereo 16-bit WAV, and the transcript with timings that match the audio', async () => {
    const { k, rec } = await recordTurn();
    const wav = decodeWav(new Uint8Array(await rec.audio.arrayBuffer()));
    expect(wav.sampleRate).toBe(48_000);
    expect(wav.channels).toHaveLength(2);
    const [left, right] = rec.channels!;
    for (const [decoded, kept] of [[wav.channels[0]!, left], [wav.channels[1]!, right]] as const) {
      expect(decoded.length).toBe(kept.length);
      let worst = 0;
      for (let i = 0; i < kept.length; i++) worst = Math.max(worst, Math.abs(decoded[i]! - kept[i]!));
      expect(worst).toBeLessThanOrEqual(1 / 32_767);
    }
    expect(rec.transcript.map((e) => [e.role, e.text])).toEqual([['user', 'Hello there'], ['assistant', 'Hi, how can I help?']]);
    const [user, agent] = rec.transcript;
    expect(user!.end).toBeGreaterThan(user!.start);
    expect(agent!.start).toBeGreaterThanOrEqual(user!.end);
    expect(agent!.end).toBeGreaterThan(agent!.start);
    // The agent's entry is where its voice is: silent before its start, sounding after.
    const s = Math.round(agent!.start * 48_000);
    expect(voicedSec(right.subarray(0, s - 128))).toBe(0);
    expect(voicedSec(right.subarray(s, s + 9600))).toBeGreaterThan(0.15);
    expect(JSON.parse(JSON.stringify(rec.transcript))).toEqual(rec.transcript);
    await k.session.close();
  });

  it('maxSeconds bounds what is kept and says so', async () => {
    const { k, rec } = await recordTurn({ maxSeconds: 0.5 });
    expect(rec.truncated).toBe(true);
    expect(rec.durationSec).toBeLessThanOrEqual(0.5);
    expect(rec.durationSec).toBeGreaterThan(0.4);
    await k.session.close();
  });

  it('the session closing while recording: stop() still returns what was taped until then', async () => {
    const k = kit({ llm: [{ text: 'Hello there, nice to meet you.' }] });
    await k.session.start();
    const recorder = new SessionRecorder(k.session);
    await recorder.start();
    void k.vad.speak(1);
    await k.until(() => k.session.agentState === 'speaking');
    await k.run(300);
    const closing = k.session.close();
    await k.until(() => k.audio.state === 'closed', 10_000, 'the close');
    await closing;
    const rec = await recorder.stop();
    expect(rec.durationSec).toBeGreaterThan(1);
    expect(voicedSec(rec.channels![1])).toBeGreaterThan(0.1);
    expect(rec.transcript.map((e) => e.role)).toEqual(['user', 'assistant']);
  });

  it('bad use gets typed errors: before start, twice, stop without start, bad options', async () => {
    const k = kit();
    const r = new SessionRecorder(k.session);
    await expect(r.start()).rejects.toMatchObject({ code: 'closed' });
    await k.session.start();
    await r.start();
    await expect(r.start()).rejects.toBeInstanceOf(ConfigError);
    expect(r.recording).toBe(true);
    await r.stop();
    await expect(r.stop()).rejects.toMatchObject({ code: 'closed' });
    expect(() => new SessionRecorder(k.session, { format: 'mp3' as 'wav' })).toThrow(ConfigError);
    expect(() => new SessionRecorder(k.session, { maxSeconds: 0 })).toThrow(ConfigError);
    // webm needs MediaRecorder and a Web Audio graph: not in Node.
    await expect(new SessionRecorder(k.session, { format: 'webm' }).start()).rejects.toMatchObject({ code: 'audio-unsupported' });
    await k.session.close();
  });
});

describe('session.startRecording() / stopRecording()', { timeout: 20_000 }, () => {
  it('records through the lazily loaded module: the channels as the taps, the transcript with timings, also as JSON', async () => {
    const k = kit({ stt: [{ text: 'Hello there' }], llm: [{ text: 'Hi, how can I help?' }] });
    await expect(k.session.startRecording()).rejects.toMatchObject({ code: 'closed' });
    await expect(k.session.stopRecording()).rejects.toMatchObject({ code: 'closed' });
    await k.session.start();
    await expect(k.session.startRecording({ maxSeconds: 0 })).rejects.toBeInstanceOf(ConfigError);
    const starting = k.session.startRecording({ wavFormat: 'float32' });
    // A second start while the first one loads.
    await expect(k.session.startRecording()).rejects.toBeInstanceOf(ConfigError);
    await starting;
    await k.run(100);
    const sig = micSignal();
    const micFrame = Math.round(k.audio.context.currentTime * 48_000);
    k.audio.playIntoMicrophone(sig);
    void k.vad.speak(1);
    await k.until(() => k.history().length === 2 && k.session.agentState === 'idle');
    await k.run(200);
    const rec = await k.session.stopRecording();
    const [left, right] = rec.channels!;
    const origin = rec.startFrame;
    expect(mismatch(right, k.audio.played().subarray(origin, origin + right.length))).toBe(-1);
    expect(voicedSec(right)).toBeGreaterThan(0.5);
    expect(mismatch(left.subarray(micFrame - origin, micFrame - origin + sig.length), sig)).toBe(-1);
    expect(rec.transcript.map((e) => [e.role, e.text])).toEqual([['user', 'Hello there'], ['assistant', 'Hi, how can I help?']]);
    const [user, agent] = rec.transcript;
    expect(user!.start).toBeGreaterThan(0);
    expect(user!.end).toBeGreaterThan(user!.start);
    expect(agent!.start).toBeGreaterThanOrEqual(user!.end);
    expect(agent!.end).toBeGreaterThan(agent!.start);
    expect(agent!.end).toBeLessThanOrEqual(rec.durationSec);
    expect(JSON.parse(rec.transcriptJson)).toEqual({ durationSec: rec.durationSec, sampleRate: 48_000, startFrame: origin, transcript: rec.transcript });
    // Stopped: a new recording may start.
    await k.session.startRecording();
    expect((await k.session.stopRecording()).mimeType).toBe('audio/wav');
    await k.session.close();
  });
});

/** The first index where `a` and `b` differ (or -1); a length difference counts. Fast, unlike a deep equal of big arrays. */
function mismatch(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
