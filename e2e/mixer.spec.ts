import { expect, test, type Browser, type Page } from './support/test';
import { launch, launchWarm, openHarness } from './support/browser';
import { startMixerPage, type Recording } from './support/mixer-run';
import { fitLinear, maxStep } from './support/signal';
import { control, startAgent } from './support/agent-run';

let browser: Browser;
let page: Page;

test.beforeEach(async ({ baseURL }) => {
  browser = await launch();
  page = await openHarness(browser, baseURL!);
});
test.afterEach(async () => {
  await page.evaluate(() => (window as any).T?.engine.close()).catch(() => undefined);
  await browser.close();
});

test('voice over a background loop: exact gains, ducking depth and click-free ramps', async () => {
  await startMixerPage(page, { duckDb: -12, duckAttackMs: 30, duckReleaseMs: 250 });
  const r = await page.evaluate(async () => {
    const { engine, sleep, sine, recording } = (window as any).T;
    const sr = engine.context.sampleRate;
    // 150 Hz × 0.5 s = 75 whole periods: a seamless loop, given at the context rate.
    const bg = sine(sr, 150, 0.2, 0.5);
    const bgHandle = engine.mixer.play({ samples: bg, sampleRate: sr }, { bus: 'background', loop: true });
    const bgStart = await bgHandle.started;
    await sleep(500);
    // The voice arrives like TTS: 24 kHz, streamed in 20 ms chunks, resampled on the way in.
    const voice = sine(24000, 440, 0.5, 1.0);
    const stream = engine.mixer.createStream(24000);
    for (let i = 0; i < voice.length; i += 480) stream.push(voice.slice(i, i + 480));
    stream.end();
    const vStart = await stream.started;
    const vEnd = await stream.ended;
    await sleep(600);
    return { rec: recording(), bg: Array.from(bg), bgStart, vStart, vEnd };
  });
  const { rec, bg, bgStart, vStart, vEnd } = r as { rec: Recording; bg: number[]; bgStart: number; vStart: number; vEnd: { frame: number; renderedSamples: number; reason: string } };
  const sr = rec.sampleRate;
  const out = (frame: number) => rec.samples[frame - rec.firstFrame]!;
  const bgAt = (frame: number) => bg[(((frame - bgStart) % bg.length) + bg.length) % bg.length]!;
  const ms = (x: number) => Math.round((x / 1000) * sr);

  expect(vEnd.reason).toBe('done');
  // Every voice sample was rendered: 1 s at the context rate (± the resampler's edge).
  expect(Math.abs(vEnd.renderedSamples - sr)).toBeLessThan(ms(2));

  // Before the voice: the loop at unity gain, sample for sample.
  let worst = 0;
  let firstBad = -1;
  for (let f = Math.max(bgStart, rec.firstFrame); f < vStart; f++) {
    const d = Math.abs(out(f) - bgAt(f));
    if (d > 1e-6 && firstBad < 0) firstBad = f;
    worst = Math.max(worst, d);
  }
  const where = `first mismatch at frame ${firstBad} (bg from ${bgStart}, voice from ${vStart}, tap from ${rec.firstFrame}, ${rec.samples.length} samples)`;
  expect(worst, where).toBeLessThan(1e-6);

  // While the voice plays (after the attack): out = g·bg + a·sin + b·cos, fitted; g is the duck.
  const from = vStart + ms(30 + 20);
  const to = vEnd.frame - ms(20);
  const w = (2 * Math.PI * 440) / sr;
  const [g, a, b] = fitLinear([bgAt, (f) => Math.sin(w * f), (f) => Math.cos(w * f)], out, from, to);
  expect(g!).toBeCloseTo(10 ** (-12 / 20), 3);
  expect(Math.hypot(a!, b!)).toBeCloseTo(0.5, 2);
  let resid = 0;
  for (let f = from; f < to; f++) resid = Math.max(resid, Math.abs(out(f) - (g! * bgAt(f) + a! * Math.sin(w * f) + b! * Math.cos(w * f))));
  expect(resid).toBeLessThan(5e-3);

  // After the release: unity again, exactly.
  worst = 0;
  const after = vEnd.frame + ms(250 + 20);
  for (let f = after; f < rec.firstFrame + rec.samples.length; f++) worst = Math.max(worst, Math.abs(out(f) - bgAt(f)));
  expect(worst).toBeLessThan(1e-6);

  // No clicks anywhere: the largest step is that of the signals themselves (0.5·ω + 0.2·ω_bg).
  const bound = 0.5 * w + 0.2 * ((2 * Math.PI * 150) / sr) + 0.01;
  expect(maxStep(rec.samples, bgStart - rec.firstFrame + 1)).toBeLessThan(bound);
});

test('flush() fades the voice out within 5 ms, without a click', async () => {
  await startMixerPage(page);
  const r = await page.evaluate(async () => {
    const { engine, sleep, sine, recording } = (window as any).T;
    const sr = engine.context.sampleRate;
    const stream = engine.mixer.createStream(sr);
    stream.push(sine(sr, 440, 0.5, 3));
    stream.end();
    const vStart = await stream.started;
    await sleep(400);
    engine.mixer.flush('voice');
    const end = await stream.ended;
    await sleep(200);
    return { rec: recording(), vStart, end };
  });
  const { rec, vStart, end } = r as { rec: Recording; vStart: number; end: { frame: number; renderedSamples: number; reason: string } };
  const sr = rec.sampleRate;
  expect(end.reason).toBe('flushed');
  const s = (f: number) => rec.samples[f - rec.firstFrame]!;
  const w = (2 * Math.PI * 440) / sr;
  const sineAt = (f: number) => 0.5 * Math.sin(w * (f - vStart));
  // The fade starts where the output first departs from the sine; silence follows.
  let fadeStart = vStart;
  while (Math.abs(s(fadeStart) - sineAt(fadeStart)) < 1e-4) fadeStart++;
  let lastSound = rec.firstFrame + rec.samples.length - 1;
  while (Math.abs(s(lastSound)) < 1e-7) lastSound--;
  const fadeMs = ((lastSound + 1 - fadeStart) / sr) * 1000;
  console.log(`flush fade: ${fadeMs.toFixed(2)} ms, ${end.renderedSamples} samples heard`);
  expect(fadeMs).toBeGreaterThan(1); // a fade, not a cut
  expect(fadeMs).toBeLessThanOrEqual(5);
  expect(end.frame).toBeLessThanOrEqual(lastSound + 1 + 128);
  // The mixer's count of heard samples is where the sound stopped.
  expect(Math.abs(vStart + end.renderedSamples - (lastSound + 1))).toBeLessThanOrEqual(1);
  // Inside the fade the output stays under the sine's envelope and never jumps.
  let overshoot = 0;
  for (let f = fadeStart; f <= lastSound; f++) overshoot = Math.max(overshoot, Math.abs(s(f)) - Math.abs(sineAt(f)));
  expect(overshoot).toBeLessThanOrEqual(1e-4);
  expect(maxStep(rec.samples, fadeStart - rec.firstFrame - 2, lastSound - rec.firstFrame + 3)).toBeLessThan(0.5 * w + 0.01);
  // And silence after it.
  const tail = rec.samples.slice(lastSound + 1 - rec.firstFrame);
  expect(tail.length).toBeGreaterThan(sr / 10);
  expect(tail.every((x) => x === 0)).toBe(true);
});

/** Streams 3 s of audio in 20 ms chunks, staying `leadMs` ahead of playout, with a 200 ms stall at 1 s. */
async function stallRun(leadMs: number): Promise<{ underruns: number; rendered: number; expected: number }> {
  return page.evaluate(async (leadMs) => {
    const { engine, sleep, sine } = (window as any).T;
    const ctx = engine.context as AudioContext;
    const sr = ctx.sampleRate;
    const all = sine(sr, 330, 0.3, 3);
    const chunk = Math.round(sr / 50);
    const before = engine.mixer.underruns;
    const stream = engine.mixer.createStream(sr);
    let pushed = 0;
    let t0 = -1;
    let stalled = false;
    await new Promise<void>((done) => {
      const timer = setInterval(() => {
        const played = t0 < 0 ? 0 : ctx.currentTime - t0;
        while (pushed < all.length && pushed / sr - played < leadMs / 1000) {
          stream.push(all.slice(pushed, pushed + chunk));
          pushed += chunk;
        }
        if (t0 < 0) t0 = ctx.currentTime;
        if (pushed >= all.length) {
          clearInterval(timer);
          stream.end();
          done();
        }
        if (!stalled && played > 1) {
          stalled = true;
          const until = performance.now() + 200; // the page is busy: no timers, no messages
          while (performance.now() < until) { /* spin */ }
        }
      }, 10);
    });
    const end = await stream.ended;
    await sleep(50);
    return { underruns: engine.mixer.underruns - before, rendered: end.renderedSamples, expected: all.length };
  }, leadMs);
}

test('a 200 ms main-thread stall during playback causes no underrun', async () => {
  await startMixerPage(page);
  const run = await stallRun(300);
  expect(run.underruns).toBe(0);
  expect(run.rendered).toBe(run.expected);
});

test('the underrun counter does count starvation (control: a 50 ms lead cannot cover a 200 ms stall)', async () => {
  await startMixerPage(page);
  const run = await stallRun(50);
  expect(run.underruns).toBeGreaterThan(0);
  expect(run.rendered).toBe(run.expected); // starved, yet nothing was lost: playback resumed
});

/**
 * A socket TTS utterance (ElevenLabs on the local stand-in, audio at 2x real time) whose first
 * audio has arrived, then the main thread busy for 1.5 s: how long the voice went on into the
 * block, and the mixer's underruns. `mainThread`: a `WebSocket` class is given, which keeps
 * the socket on the main thread (the control).
 */
async function socketUnderBlock(baseURL: string, mainThread: boolean, wrap?: 'fallback' | 'cache'): Promise<{ voicedIntoBlockSec: number; blockSec: number; underruns: number; chunks: number; requests: string[] }> {
  await control(baseURL, 'reset', {});
  await control(baseURL, 'script', { ttsSocket: [{ chunkDelayMs: 50 }], tts: [{ fault: { kind: 'status', status: 503 } }] });
  const run = await page.evaluate(async ({ mainThread, wrap }) => {
    const { engine, sleep } = (window as any).T;
    const E = (window as any).E;
    const ctx = engine.context as AudioContext;
    const blocks: { frame: number; samples: Float32Array }[] = [];
    const stopTap = await engine.tapOutput((b: any) => blocks.push(b));
    const tts = new E.ElevenLabsTTS({
      baseURL: '/local-ai', // relative: resolved against the page, not the worker's script
      voiceId: 'v1',
      getToken: async () => 'tok-' + Math.random().toString(36).slice(2),
      ...(mainThread ? { WebSocket } : {}),
    });
    // Wrapped: a FallbackTTS whose primary (OpenAI, 503) fails first, or a TTSAudioCache (a miss).
    const voice = wrap === 'fallback'
      ? new E.FallbackTTS([new E.OpenAITTS({ baseURL: '/local-ai/v1', apiKey: 'sk-local-test-key', maxRetries: 0 }), tts])
      : wrap === 'cache' ? new E.TTSAudioCache(tts, { name: `earshot-e2e-${Math.random()}` }) : tts;
    voice.prepare(engine.mixer);
    const stream = engine.mixer.createStream(tts.sampleRate, 'voice');
    const piped = voice.synthesizeTo({ text: 'The train leaves the station at nine and stops in every town along the coast before it reaches the city.', signal: new AbortController().signal }, stream);
    piped.end();
    let chunks = 0;
    let first!: () => void;
    const firstAudio = new Promise<void>((r) => (first = r));
    const done = (async () => {
      for await (const _ of piped) {
        chunks++;
        first();
      }
    })();
    await firstAudio;
    const before = engine.mixer.underruns;
    const t0 = ctx.currentTime;
    const until = performance.now() + 1500; // the page is busy: no socket messages, no timers
    while (performance.now() < until) { /* spin */ }
    const t1 = ctx.currentTime;
    await sleep(300);
    const underruns = engine.mixer.underruns - before;
    piped[Symbol.asyncIterator]().return?.();
    await done.catch(() => undefined);
    stream.stop(); // what was delivered ahead would play on into the next run
    await stream.ended;
    stopTap();
    tts.close();
    const sr = ctx.sampleRate;
    let lastVoiced = t0;
    for (const b of blocks) {
      for (let i = 0; i < b.samples.length; i++) {
        const t = (b.frame + i) / sr;
        if (t >= t0 && t <= t1 && Math.abs(b.samples[i]!) > 1e-3) lastVoiced = t;
      }
    }
    return { voicedIntoBlockSec: lastVoiced - t0, blockSec: t1 - t0, underruns, chunks };
  }, { mainThread, wrap });
  const requests = ((await control(baseURL, 'log')).requests as { route: string; status: number | null }[]).map((r) => `${r.route} ${r.status}`);
  return { ...run, requests };
}

test('socket TTS (ElevenLabs) from the audio worker: the voice plays on through a 1.5 s main-thread block; control: on the main thread it starves', async ({ baseURL }) => {
  await startMixerPage(page);
  const worker = await socketUnderBlock(baseURL!, false);
  console.log(`socket TTS, worker: voice ${worker.voicedIntoBlockSec.toFixed(2)} s into a ${worker.blockSec.toFixed(2)} s block, ${worker.underruns} underruns`);
  expect(page.workers().map((w) => w.url()).join(' ')).toContain('tts-pipe.worker');
  expect(worker.blockSec).toBeGreaterThan(1.3);
  expect(worker.voicedIntoBlockSec).toBeGreaterThan(worker.blockSec - 0.2);
  expect(worker.underruns).toBe(0);
  const main = await socketUnderBlock(baseURL!, true);
  console.log(`socket TTS, main thread: voice ${main.voicedIntoBlockSec.toFixed(2)} s into a ${main.blockSec.toFixed(2)} s block, ${main.underruns} underruns`);
  expect(main.chunks).toBeGreaterThan(0);
  // The starvation is what tells the two apart. (Where the voice stopped is only logged: on a
  // loaded machine the render clock read around the block can lag the frames the tap saw.)
  expect(main.underruns).toBeGreaterThan(0);
});

test('socket TTS inside a FallbackTTS (after its primary failed) and a TTSAudioCache (a miss) also plays from the audio worker through a 1.5 s main-thread block', async ({ baseURL }) => {
  await startMixerPage(page);
  for (const wrap of ['fallback', 'cache'] as const) {
    const r = await socketUnderBlock(baseURL!, false, wrap);
    console.log(`socket TTS in ${wrap}: voice ${r.voicedIntoBlockSec.toFixed(2)} s into a ${r.blockSec.toFixed(2)} s block, ${r.underruns} underruns; ${r.requests.join(', ')}`);
    expect(r.chunks).toBeGreaterThan(0);
    expect(r.blockSec).toBeGreaterThan(1.3);
    expect(r.voicedIntoBlockSec).toBeGreaterThan(r.blockSec - 0.2);
    expect(r.underruns).toBe(0);
    if (wrap === 'fallback') expect(r.requests.filter((q) => q.startsWith('/v1/audio/speech'))).toEqual(['/v1/audio/speech 503']);
  }
});

test('outputRoute: aecLoopback() (earshot/telephony): the output reaches the <audio> element through a local peer connection', async () => {
  const r = await page.evaluate(async () => {
    const { AudioEngine, aecLoopback } = (window as any).E;
    // Record the peer connections the engine makes, to find the receiving side's track.
    const pcs: RTCPeerConnection[] = [];
    const Native = RTCPeerConnection;
    (window as any).RTCPeerConnection = class extends Native {
      constructor(...args: any[]) {
        super(...args);
        pcs.push(this);
      }
    };
    const engine = new AudioEngine({ outputRoute: aecLoopback() });
    await engine.start();
    const el = engine.outputElement as HTMLAudioElement;
    const track = (el.srcObject as MediaStream).getAudioTracks()[0]!;
    // Listen to what the element receives, in a second context.
    const probe = new AudioContext();
    const analyser = probe.createAnalyser();
    probe.createMediaStreamSource(el.srcObject as MediaStream).connect(analyser);
    const sr = engine.context.sampleRate;
    const tone = new Float32Array(sr * 2).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / sr));
    engine.mixer.play({ samples: tone, sampleRate: sr }, { bus: 'voice' });
    await new Promise((res) => setTimeout(res, 1200));
    const buf = new Float32Array(analyser.fftSize);
    analyser.getFloatTimeDomainData(buf);
    const rms = Math.sqrt(buf.reduce((a, x) => a + x * x, 0) / buf.length);
    const received = pcs.flatMap((pc) => pc.getReceivers().map((r) => r.track));
    const out = { viaPeer: received.includes(track), peers: pcs.map((pc) => pc.connectionState), rms, state: track.readyState };
    probe.close();
    engine.close();
    return out;
  });
  expect(r.state).toBe('live');
  expect(r.viaPeer).toBe(true); // the element plays the peer connection's received track
  expect(r.peers).toEqual(['connected', 'connected']);
  expect(r.rms).toBeGreaterThan(0.05); // the tone came through the peer connection
});

/**
 * An OpenAI Realtime answer over the socket (the stand-in sends its 100 ms chunks at 2x real
 * time), the main thread blocked for 1.5 s once the voice is heard: how long the voice went on
 * into the block, the mixer's underruns, and the history after. `mainThread`: a `WebSocket`
 * class is given, which keeps the socket on the main thread (the control).
 */
async function realtimeUnderBlock(baseURL: string, mainThread: boolean) {
  // About 3 s of voice: it outlasts the 1.6 s from the first chunk to the block's end, and at
  // 2x real time less than half of it has arrived when the block starts (the control starves).
  const answer = 'The train leaves at nine and stops in every town.';
  await control(baseURL, 'reset', {});
  await control(baseURL, 'script', { realtime: [{ transcripts: ['Hello there.'], responses: [{ text: answer }], chunkDelayMs: 50 }] });
  const context = await launchWarm({ wav: 'hello-then-silence' });
  try {
    const p = await openHarness(context, baseURL);
    await startAgent(p, {
      pipelineSource: `(E) => ({ stt: undefined, tts: undefined, llm: new E.OpenAIRealtime({
        baseURL: location.origin + '/local-ai/v1',
        getClientSecret: async () => (await (await fetch('/token', { method: 'POST' })).json()).value,
        ${mainThread ? 'WebSocket,' : ''}
      }) })`,
    });
    const workers = p.workers().map((w) => w.url()).join(' ');
    const run = await p.evaluate(async () => {
      const R = (window as any).R;
      const s = R.session;
      const ctx = s.audio.context as AudioContext;
      while (s.agentState !== 'speaking') await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 100));
      const before = s.audio.mixer.underruns;
      const t0 = ctx.currentTime;
      const until = performance.now() + 1500; // the page is busy: no socket messages, no timers
      while (performance.now() < until) { /* spin */ }
      const t1 = ctx.currentTime;
      await new Promise((r) => setTimeout(r, 300));
      const underruns = s.audio.mixer.underruns - before;
      while (s.agentState !== 'idle') await new Promise((r) => setTimeout(r, 20));
      const sr = ctx.sampleRate;
      let lastVoiced = t0;
      for (const b of R.blocks) {
        for (let i = 0; i < b.samples.length; i++) {
          const t = (b.frame + i) / sr;
          if (t >= t0 && t <= t1 && Math.abs(b.samples[i]) > 1e-3) lastVoiced = t;
        }
      }
      const history = s.getContextHistory().map((i: any) => `${i.role}: ${i.content}${i.interrupted ? ' [interrupted]' : ''}`);
      const errors = R.events.filter((e: any) => e.name === 'error').map((e: any) => e.message);
      return { voicedIntoBlockSec: lastVoiced - t0, blockSec: t1 - t0, underruns, history, errors };
    });
    return { ...run, workers, answer };
  } finally {
    await context.close();
  }
}

test('realtime model over its socket: the voice plays on through a 1.5 s main-thread block (the socket in the audio worker); control: with the socket on the main thread it starves', async ({ baseURL }) => {
  const worker = await realtimeUnderBlock(baseURL!, false);
  console.log(`realtime socket, worker: voice ${worker.voicedIntoBlockSec.toFixed(2)} s into a ${worker.blockSec.toFixed(2)} s block, ${worker.underruns} underruns`);
  expect(worker.workers).toContain('tts-pipe.worker');
  expect(worker.errors).toEqual([]);
  expect(worker.history).toEqual(['user: Hello there.', `assistant: ${worker.answer}`]);
  expect(worker.blockSec).toBeGreaterThan(1.3);
  expect(worker.voicedIntoBlockSec).toBeGreaterThan(worker.blockSec - 0.2);
  expect(worker.underruns).toBe(0);
  const main = await realtimeUnderBlock(baseURL!, true);
  console.log(`realtime socket, main thread: voice ${main.voicedIntoBlockSec.toFixed(2)} s into a ${main.blockSec.toFixed(2)} s block, ${main.underruns} underruns`);
  expect(main.history).toEqual(['user: Hello there.', `assistant: ${main.answer}`]);
  expect(main.underruns).toBeGreaterThan(0);
});
