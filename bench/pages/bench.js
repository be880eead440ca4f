// The bench page's helpers (window.B): an AgentSession against the local provider server
// with recorders on an independent clock (the AudioContext's frames), taps on the mic and
// the output, and in-page analysis so only summaries cross to Node. Bench-only code.
import * as Core from '/src/index.ts';
import * as OpenAI from '/src/openai/index.ts';
import * as Deepgram from '/src/deepgram/index.ts';
import * as Dsp from '/src/dsp/index.ts';
import * as ElevenLabs from '/src/elevenlabs/index.ts';
import * as Cartesia from '/src/cartesia/index.ts';
import * as Realtime from '/src/realtime/index.ts';

const E = { ...Core, ...OpenAI, ...Deepgram, ...Dsp, ...ElevenLabs, ...Cartesia, ...Realtime };
window.E = E;
const B = {};
window.B = B;

const now = () => performance.now();

/** Copies every chunk pushed to the voice bus (before its buffer is transferred). */
function recordPushes() {
  if (B.pushes) return;
  B.pushes = new Map();
  const post = E.Mixer.prototype.post;
  // The mixer worklet resamples what it is sent (a push carries its rate): the same resampler
  // here gives the exact samples it mixes, at the context rate.
  const resamplers = new Map();
  let contextRate = 0;
  const record = (id, samples, rate) => {
    let list = B.pushes.get(id);
    if (!list) B.pushes.set(id, (list = []));
    let r = resamplers.get(id);
    if (rate !== contextRate && r?.fromRate !== rate) resamplers.set(id, (r = new E.StreamResampler(rate, contextRate)));
    list.push(rate === contextRate ? samples.slice() : r.process(samples));
  };
  E.Mixer.prototype.post = function (cmd, transfer) {
    contextRate = this.contextRate;
    if (cmd.type === 'push' && cmd.bus === 'voice' && B.pushes && cmd.samples.length) record(cmd.id, cmd.samples, cmd.rate ?? this.contextRate);
    return post.call(this, cmd, transfer);
  };
  // PCM TTS is fetched (and a socket TTS spoken) in the TTS audio worker, which posts its samples straight to the
  // mixer worklet and a copy to the main thread (`audio` events, per job): the copies, by
  // the stream each job feeds, are the same samples in the same order.
  const Base = window.Worker;
  window.Worker = class extends Base {
    constructor(url, options) {
      super(url, options);
      if (options?.name !== 'earshot-tts') return;
      const jobs = new Map();
      const send = this.postMessage.bind(this);
      this.postMessage = (cmd, transfer) => {
        if (cmd?.type === 'job' || cmd?.type === 'say') jobs.set(cmd.job, { stream: cmd.stream, rate: cmd.rate });
        return send(cmd, transfer);
      };
      this.addEventListener('message', (e) => {
        const job = e.data?.type === 'audio' && jobs.get(e.data.job);
        if (job && B.pushes && e.data.samples.length) record(job.stream, e.data.samples, job.rate);
      });
    }
  };
}

/** A capture-worklet tap on `source` at the context rate: `onBlock(frame, samples)`. */
function tap(ctx, source, onBlock, frameSize = 1024) {
  const node = new AudioWorkletNode(ctx, 'earshot-capture', {
    numberOfInputs: 1, numberOfOutputs: 0,
    processorOptions: { targetRate: ctx.sampleRate, frameSize, levelIntervalMs: 0 },
  });
  window.P?.ignore.add(node);
  let origin = -1;
  node.port.onmessage = (e) => {
    const m = e.data;
    if (m.type === 'started') origin = m.contextFrame;
    else if (m.type === 'frame') onBlock(origin + m.index * frameSize, m.samples);
  };
  source.connect(node);
  return () => {
    node.port.postMessage({ type: 'stop' });
    source.disconnect(node);
  };
}

const EVENTS = ['agent_state_changed', 'user_state_changed', 'user_speech_started', 'user_speech_ended', 'user_transcript', 'agent_transcript',
  'interruption_suspected', 'interruption_cancelled', 'turn_interrupted', 'metrics_collected', 'error', 'session_closed'];

/**
 * Builds and starts a session. Options: `micTap` (1 ms RMS envelope of the mic, for aligning
 * the fixture), `outTap` (rendered output blocks), `pushes` (voice samples sent to the mixer),
 * `ttsSpeed`, `agent` (extra Agent options), `socketTts`, `realtime`.
 */
B.start = async (o = {}) => {
  if (o.pushes) recordPushes();
  const base = `${location.origin}/local-ai/v1`;
  const auth = { baseURL: base, apiKey: 'sk-local-bench-key' };
  const agent = new E.Agent({ instructions: 'You are a terse voice assistant.' });
  // `realtime`: speech to speech, OpenAIRealtime on the local stand-in (Earshot's VAD decides
  // the turns); 'main' keeps its socket on the main thread (a WebSocket class given), 'worker'
  // lets it live in the TTS audio worker.
  const pipeline = o.realtime ? new E.Pipeline({
    llm: new E.OpenAIRealtime({
      baseURL: base,
      getClientSecret: async () => (await (await fetch('/token', { method: 'POST' })).json()).value,
      turnDetection: 'local',
      ...(o.realtime === 'main' ? { WebSocket } : {}),
    }),
  }) : new E.Pipeline({
    // `deepgram`: a streaming STT (the local /v1/listen) with these options instead of the batch one.
    stt: o.deepgram ? new E.DeepgramSTT({ baseURL: `${location.origin}/local-ai`, apiKey: 'dg-local-bench-key', ...o.deepgram }) : new E.OpenAISTT(auth),
    llm: new E.OpenAILLM({ ...auth, model: 'local-bench' }),
    // `socketTts`: 'elevenlabs' | 'cartesia' over its socket (the local stand-in) instead.
    tts: o.socketTts === 'elevenlabs'
      ? new E.ElevenLabsTTS({ baseURL: `${location.origin}/local-ai`, voiceId: 'v1', apiKey: 'xi-local-bench-key', ...(o.ttsSpeed ? { voiceSettings: { speed: o.ttsSpeed } } : {}) })
      : o.socketTts === 'cartesia'
        ? new E.CartesiaTTS({ baseURL: `${location.origin}/local-ai`, voiceId: 'v1', apiKey: 'cartesia-local-bench-key', ...(o.ttsSpeed ? { generationConfig: { speed: o.ttsSpeed } } : {}) })
        : new E.OpenAITTS({ ...auth, ...(o.ttsSpeed ? { speed: o.ttsSpeed } : {}) }),
    ...(o.interrupt ? { interrupt: o.interrupt } : {}),
    ...o.pipeline,
  });
  const session = new E.AgentSession(agent, pipeline);
  const R = { events: [], mixer: [], vadMs: [], clock: [], blocks: [], env: null, sampleRate: 0, captureStartFrame: 0 };
  B.R = R;
  B.session = session;
  let ctx = null;
  const ct = () => (ctx ? ctx.currentTime : NaN);
  // `quiet`: record nothing per event (the soak measures the heap; recorders would grow it).
  for (const name of o.quiet ? ['error'] : EVENTS) {
    session.on(name, (p) => {
      const e = { name, t: now(), ct: ct() };
      if (name === 'error') Object.assign(e, { code: p.error.code, source: p.source, message: p.error.message });
      else if (name === 'metrics_collected') e.turn = { ...p.turn };
      else if (name === 'agent_transcript' || name === 'user_transcript') Object.assign(e, { text: p.text, final: p.final, interrupted: p.interrupted });
      else Object.assign(e, p);
      R.events.push(e);
    });
  }
  R.vadFrames = [];
  if (!o.quiet) {
    pipeline.vad.on('vad_frame', (f) => {
      R.vadMs.push(f.inferenceMs);
      if (o.vadFrames) R.vadFrames.push([f.at, f.probability]);
    });
  }
  // As an app should: the VAD loaded before the click, so the fixture's speech is heard live.
  await pipeline.vad.preload();
  const t0 = now();
  await session.start();
  const startMs = now() - t0;
  const audio = session.audio;
  ctx = audio.context;
  R.sampleRate = ctx.sampleRate;
  R.captureStartFrame = await audio.captureStartFrame;
  R.underrunsByBus = {};
  // Underruns by cause, decided when the stream ends (kept as counts: the soak measures the heap).
  // `tail`: nothing more was played after it (all audio was there, only the end came late);
  // `start`: within the first 300 ms of the stream; `mid`: later. `inBlock`: the starvation
  // began while the main thread was blocked (or within 50 ms after).
  R.underrunCauses = { tail: 0, start: 0, mid: 0, inBlock: 0 };
  const starved = new Map();
  audio.on('mixer_event', (m) => {
    if (m.type === 'underrun') {
      R.underrunsByBus[m.bus] = (R.underrunsByBus[m.bus] ?? 0) + 1;
      const b = B.lastBlock;
      if (b && m.frame >= b[0] * ctx.sampleRate && m.frame <= (b[1] + 0.05) * ctx.sampleRate) R.underrunCauses.inBlock++;
      const list = starved.get(m.id) ?? [];
      list.push(m.rendered);
      starved.set(m.id, list);
    } else if (m.type === 'ended' && starved.has(m.id)) {
      for (const at of starved.get(m.id)) {
        const cause = m.rendered - at < 0.01 * ctx.sampleRate ? 'tail' : at < 0.3 * ctx.sampleRate ? 'start' : 'mid';
        R.underrunCauses[cause]++;
      }
      starved.delete(m.id);
    }
    if (m.type !== 'status' && !o.quiet) R.mixer.push({ ...m, t: now() });
  });
  // performance.now() <-> context time pairs, to place main-thread marks on the audio clock.
  if (!o.quiet) R.clockTimer = setInterval(() => R.clock.push([now(), ctx.currentTime]), 20);
  if (o.micTap) {
    const W = Math.round(ctx.sampleRate / 1000);
    const env = { W, baseFrame: -1, values: [] };
    R.env = env;
    let acc = 0, n = 0;
    R.arrivals = [];
    R.stopMic = tap(ctx, audio.inputNode, (frame, s) => {
      R.arrivals.push([now(), frame + s.length]);
      if (env.baseFrame < 0) env.baseFrame = frame;
      for (let i = 0; i < s.length; i++) {
        acc += s[i] * s[i];
        if (++n === W) {
          env.values.push(Math.sqrt(acc / W));
          acc = 0;
          n = 0;
        }
      }
    }, 480);
  }
  if (o.outTap) R.stopOut = tap(ctx, audio.mixer.node, (frame, samples) => R.blocks.push({ frame, samples }));
  return { startMs, sampleRate: ctx.sampleRate, captureStartFrame: R.captureStartFrame };
};

B.stopRecorders = () => {
  const R = B.R;
  clearInterval(R.clockTimer);
  R.stopMic?.();
  R.stopOut?.();
};

/** Same-origin fetches to the provider server, from Resource Timing (no wrapper on fetch). */
B.resources = () =>
  performance.getEntriesByType('resource')
    .filter((e) => e.name.includes('/local-ai/v1/'))
    .map((e) => ({ route: new URL(e.name).pathname.replace('/local-ai', ''), start: e.startTime, requestStart: e.requestStart, responseStart: e.responseStart, end: e.responseEnd, serverMs: e.serverTiming?.find((t) => t.name === 'app')?.duration ?? null }));

/** The rendered output as one array from the first tapped frame. */
function output() {
  const R = B.R;
  if (R.out) return R.out;
  const first = R.blocks[0]?.frame ?? 0;
  const last = R.blocks.at(-1);
  const samples = new Float32Array(last ? last.frame + last.samples.length - first : 0);
  for (const b of R.blocks) samples.set(b.samples, b.frame - first);
  R.out = { first, samples };
  return R.out;
}

/** For each frame: the first output sample at or after it louder than `floor` (−60 dBFS), within `maxSec`. */
B.firstSound = (frames, floor = 1e-3, maxSec = 2) => {
  const { first, samples } = output();
  const sr = B.R.sampleRate;
  return frames.map((f) => {
    for (let i = Math.max(0, f - first), end = Math.min(samples.length, i + maxSec * sr); i < end; i++) if (Math.abs(samples[i]) > floor) return first + i;
    return null;
  });
};

/** After `from`, before `to`: the frame after the last output sample louder than `floor`. */
B.lastSound = (from, to, floor = 1e-3) => {
  const { first, samples } = output();
  for (let i = Math.min(samples.length, to - first) - 1; i >= Math.max(0, from - first); i--) if (Math.abs(samples[i]) > floor) return first + i + 1;
  return null;
};

/**
 * Gain of the voice bus over time for stream `id`, from the rendered output against the
 * samples the SDK pushed: least squares per `win`-sample window, after finding the tap's
 * alignment (±512 samples) on the first 300 ms. Windows where the reference is quiet are skipped.
 */
B.voiceGain = (id, startFrame, fromFrame, toFrame, win = 64) => {
  const { first, samples: out } = output();
  const chunks = B.pushes.get(id) ?? [];
  const ref = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    ref.set(c, at);
    at += c.length;
  }
  const sr = B.R.sampleRate;
  const o0 = startFrame - first;
  const N = Math.min(Math.round(0.3 * sr), ref.length);
  let best = { lag: 0, corr: -Infinity };
  for (let lag = -512; lag <= 512; lag++) {
    let xy = 0, xx = 0, yy = 0;
    for (let k = 0; k < N; k += 2) {
      const j = o0 + lag + k;
      if (j < 0 || j >= out.length) continue;
      xy += out[j] * ref[k];
      xx += out[j] * out[j];
      yy += ref[k] * ref[k];
    }
    const c = xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : -Infinity;
    if (c > best.corr) best = { lag, corr: c };
  }
  const points = [];
  for (let f = fromFrame; f + win <= toFrame; f += win) {
    let xy = 0, yy = 0;
    for (let i = 0; i < win; i++) {
      const k = f + i - startFrame - best.lag;
      const j = f + i - first;
      if (k < 0 || k >= ref.length || j < 0 || j >= out.length) continue;
      xy += out[j] * ref[k];
      yy += ref[k] * ref[k];
    }
    if (yy > win * 1e-5) points.push([f + win, xy / yy]);
  }
  return { lag: best.lag, corr: best.corr, refLength: ref.length, points };
};

/** The recorded data (without audio). */
B.data = () => {
  const R = B.R;
  return { vadFrames: R.vadFrames, arrivals: R.arrivals, fetches: window.P.fetches, events: R.events, mixer: R.mixer, vadMs: R.vadMs, clock: R.clock, env: R.env, sampleRate: R.sampleRate, captureStartFrame: R.captureStartFrame, underruns: B.session.audio.mixer.underruns,
    options: { ...B.session.pipeline.vad.options, ...B.session.pipeline.interrupt } };
};

/** Blocks the main thread for `ms` every `everyMs` (a busy page). */
B.block = (ms = 200, everyMs = 1000) => {
  B.blocked = 0;
  B.blocker = setInterval(() => {
    const end = now() + ms;
    const ctx = B.session?.audio.context;
    const from = ctx?.currentTime ?? 0;
    while (now() < end);
    B.blocked++;
    // Context seconds of the block (currentTime read at its start and end).
    B.lastBlock = ctx ? [from, ctx.currentTime] : null;
  }, everyMs);
};
B.unblock = () => clearInterval(B.blocker);

/**
 * Typed turns, one after another (each awaited until played out), until `turns` more have
 * run or `untilMs` (performance.now) has passed, whichever comes *last*, capped at `capMs`.
 */
B.soak = async ({ turns = 0, untilMs = 0, capMs = Infinity, text = 'Say ok.' }) => {
  const s = B.session;
  B.turns ??= 0;
  B.slowTurns ??= 0;
  let n = 0;
  while ((n < turns || now() < untilMs) && now() < capMs) {
    const t0 = now();
    await s.sendText(text);
    if (now() - t0 > 5000) B.slowTurns++;
    n++;
    B.turns++;
  }
  return { turns: B.turns, underruns: s.audio.mixer.underruns, underrunsByBus: { ...B.R.underrunsByBus }, underrunCauses: { ...B.R.underrunCauses }, blocked: B.blocked, slowTurns: B.slowTurns };
};

/** Closes the session and forgets every reference the bench held to it. */
B.closeAndForget = async () => {
  clearInterval(B.R?.clockTimer);
  await B.session.close();
  B.session = null;
  B.R = null;
  B.pushes = null;
};

window.benchReady = true;
