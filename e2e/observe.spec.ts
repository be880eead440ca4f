// earshot/observe in Chromium against the local servers: a real turn's spans arrive at the
// OTLP receiver (mounted by the dev server at /local-ai/v1/traces) with the right tree, and a
// recording's channels match independent taps of the rendered output and of the mic sample
// for sample (the left one also follows the fake mic's file).
import { resolve } from 'node:path';
import { readWavMono } from '../scripts/wav.mjs';
import { expect, test } from './support/test';
import { control, sessionPages, startAgent, waitForEvents } from './support/agent-run';
import { FIXTURES } from './support/browser';

const pages = sessionPages();

/** 20 ms RMS envelope. */
function envelope(samples: ArrayLike<number>, rate: number): number[] {
  const step = Math.round(rate * 0.02);
  const out: number[] = [];
  for (let at = 0; at + step <= samples.length; at += step) {
    let e = 0;
    for (let i = at; i < at + step; i++) e += samples[i]! ** 2;
    out.push(Math.sqrt(e / step));
  }
  return out;
}

/** The best Pearson correlation of `a` against `b` shifted by 0…maxLag blocks, and that lag. */
function bestLag(a: number[], b: number[], maxLag: number): { r: number; lag: number } {
  let best = { r: -1, lag: 0 };
  for (let lag = 0; lag <= maxLag; lag++) {
    const n = Math.min(a.length - lag, b.length);
    if (n < 20) break;
    let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (let i = 0; i < n; i++) {
      const x = a[i + lag]!, y = b[i]!;
      sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y;
    }
    const r = (n * sab - sa * sb) / Math.sqrt((n * saa - sa * sa) * (n * sbb - sb * sb) || 1);
    if (r > best.r) best = { r, lag };
  }
  return best;
}

test('spans of a real turn arrive with the right tree; the WAV recording matches output and mic sample for sample', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', { stt: [{ text: 'Hello there.' }], llm: [{ text: 'Hi! How can I help you today?' }] });
  const page = await pages.open('hello-then-silence', baseURL!);
  await startAgent(page, { start: false });
  await page.evaluate(async () => {
    const E = (window as any).E;
    const R = (window as any).R;
    R.tracer = new E.SessionTracer(R.session, { url: `${location.origin}/local-ai/v1/traces`, includeText: true });
    await R.session.start();
    R.inB = [];
    R.outB = [];
    R.stopIn = await R.session.audio.tapInput((b: any) => R.inB.push(b));
    R.stopOut = await R.session.audio.tapOutput((b: any) => R.outB.push(b));
    R.recorder = new E.SessionRecorder(R.session, { wavFormat: 'float32' });
    await R.recorder.start();
  });
  await page.waitForFunction(() => (window as any).R.events.some((e: any) => e.name === 'agent_transcript' && e.final), undefined, { timeout: 30_000 });
  await page.waitForTimeout(300);
  const r = await page.evaluate(async () => {
    const R = (window as any).R;
    const rec = await R.recorder.stop();
    await new Promise((res) => setTimeout(res, 200)); // the independent taps' blocks past the recording's end
    R.stopIn();
    R.stopOut();
    const [left, right] = rec.channels;
    // The first index where the recorded channel differs from the tap at the same context frames.
    const compare = (ch: Float32Array, blocks: { frame: number; samples: Float32Array }[]) => {
      if (!blocks.length) return { error: "no blocks" };
      const first = blocks[0]!.frame;
      const flat = new Float32Array(blocks.reduce((n, b) => n + b.samples.length, 0));
      let at = 0;
      for (const b of blocks) { if (b.frame !== first + at) return { error: `gap at ${b.frame}` }; flat.set(b.samples, at); at += b.samples.length; }
      const off = rec.startFrame - first;
      if (off < 0 || off + ch.length > flat.length) return { error: `tap ${first}+${flat.length} does not cover ${rec.startFrame}+${ch.length}` };
      for (let i = 0; i < ch.length; i++) if (ch[i] !== flat[off + i]) return { mismatchAt: i };
      return { mismatchAt: -1 };
    };
    const peak = (ch: Float32Array) => ch.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    return {
      rate: rec.sampleRate, frames: right.length, durationSec: rec.durationSec, mimeType: rec.mimeType, size: rec.audio.size,
      startFrame: rec.startFrame, captureStartFrame: await R.session.audio.captureStartFrame,
      right: compare(right, R.outB), left: compare(left, R.inB), peakRight: peak(right), peakLeft: peak(left),
      leftSamples: Array.from(left as Float32Array), transcript: rec.transcript,
    };
  });
  expect(r.frames).toBeGreaterThan(r.rate); // over a second
  expect(r.mimeType).toBe('audio/wav');
  expect(r.size).toBe(r.frames * 2 * 4 + 58); // stereo float32 + the header with its fact chunk
  expect(r.right).toEqual({ mismatchAt: -1 });
  expect(r.left).toEqual({ mismatchAt: -1 });
  expect(r.peakRight).toBeGreaterThan(0.05); // the answer is in it
  expect(r.peakLeft).toBeGreaterThan(0.02); // so is the user's voice
  // The left channel is the fake mic's file: its envelope follows the fixture's, from where the
  // recording began in the file (mic open = file time 0).
  const fixture = readWavMono(resolve(FIXTURES, 'hello-then-silence.wav'));
  const { r: corr, lag } = bestLag(envelope(fixture.samples, fixture.sampleRate), envelope(r.leftSamples, r.rate), 200);
  expect(corr).toBeGreaterThan(0.8);
  const expectedLag = (r.startFrame - r.captureStartFrame) / r.rate / 0.02;
  expect(Math.abs(lag - expectedLag)).toBeLessThan(10); // within 200 ms (the fake device's own buffering)
  expect(r.transcript.map((e: any) => [e.role, e.text])).toEqual([['user', 'Hello there.'], ['assistant', 'Hi! How can I help you today?']]);
  const [user, agent] = r.transcript;
  expect(agent.start).toBeGreaterThan(user.end);
  expect(agent.end).toBeGreaterThan(agent.start);

  // Traces: close the session; its span goes last.
  const traceId = await page.evaluate(async () => {
    const R = (window as any).R;
    await R.session.close();
    await R.tracer.flush();
    return R.tracer.traceId;
  });
  const spans: any[] = await control(baseURL!, 'traces');
  const logged = (await control(baseURL!, 'log')).requests;
  expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
  const session = spans.filter((s) => s.name === 'session');
  expect(session).toHaveLength(1);
  expect(session[0].parentSpanId).toBeNull();
  const turns = spans.filter((s) => s.name === 'turn');
  expect(turns).toHaveLength(1);
  expect(turns[0].parentSpanId).toBe(session[0].spanId);
  expect(turns[0].attributes).toMatchObject({ 'earshot.user.text': 'Hello there.', 'earshot.agent.text': 'Hi! How can I help you today?' });
  const children = spans.filter((s) => s.parentSpanId === turns[0].spanId);
  expect(children.map((s) => s.name).sort()).toEqual(['eou', 'llm', 'stt', 'tts']);
  const llm = children.find((s) => s.name === 'llm');
  expect(llm.attributes).toMatchObject({ 'gen_ai.system': 'openai', 'gen_ai.request.model': 'local-test' });
  // Request ids per stage: the server's x-request-id of each stage's request (the TTS one came through the audio worker).
  const served = (route: string) => ((logged as any[]).filter((e) => e.route.endsWith(route)).map((e) => e.id));
  expect(llm.attributes['gen_ai.response.id']).toBe(served('/chat/completions')[0]);
  expect(llm.attributes['gen_ai.response.model']).toBe('local-test');
  expect(children.find((s) => s.name === 'stt').attributes['gen_ai.response.id']).toBe(served('/audio/transcriptions')[0]);
  expect(served('/audio/speech')).toContain(children.find((s) => s.name === 'tts').attributes['gen_ai.response.id']);
  for (const c of children) expect(BigInt(c.start) >= BigInt(turns[0].start) && BigInt(c.end) <= BigInt(turns[0].end)).toBe(true);
  expect(session[0].attributes['earshot.session.turns']).toBe(1);
});

test("session.startRecording({ format: 'webm' }) records both sides through MediaRecorder", async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', { stt: [{ text: 'Hello there.' }], llm: [{ text: 'Hi! How can I help you today?' }] });
  const page = await pages.open('hello-then-silence', baseURL!);
  await startAgent(page);
  await page.evaluate(async () => {
    const R = (window as any).R;
    await R.session.startRecording({ format: 'webm' });
  });
  await waitForEvents(page, 'agent_transcript', 1, 30_000);
  await page.waitForFunction(() => (window as any).R.events.some((e: any) => e.name === 'agent_transcript' && e.final), undefined, { timeout: 30_000 });
  const r = await page.evaluate(async () => {
    const R = (window as any).R;
    const rec = await R.session.stopRecording();
    const buf = await R.session.audio.context.decodeAudioData(await rec.audio.arrayBuffer());
    const peak = (c: number) => buf.getChannelData(c).reduce((m: number, v: number) => Math.max(m, Math.abs(v)), 0);
    return { mimeType: rec.mimeType, durationSec: rec.durationSec, decoded: buf.duration, channels: buf.numberOfChannels, peakLeft: peak(0), peakRight: peak(1), transcript: rec.transcript.map((e: any) => e.role), json: JSON.parse(rec.transcriptJson) };
  });
  expect(r.mimeType).toMatch(/^audio\/webm/);
  expect(r.channels).toBe(2);
  expect(Math.abs(r.decoded - r.durationSec)).toBeLessThan(1.5);
  expect(r.peakLeft).toBeGreaterThan(0.02);
  expect(r.peakRight).toBeGreaterThan(0.05);
  expect(r.transcript).toEqual(['user', 'assistant']);
  expect(r.json.transcript.map((e: any) => e.role)).toEqual(['user', 'assistant']);
  expect(r.json.transcript[1].end).toBeGreaterThan(r.json.transcript[1].start);
});
