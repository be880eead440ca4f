// The demo page: the audio engine and VAD of Earshot, driven by buttons. Runs offline.
import { AudioEngine, EarshotError, SileroVAD, listMicrophones } from '../src/index';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  start: $<HTMLButtonElement>('start'),
  stop: $<HTMLButtonElement>('stop'),
  mic: $<HTMLSelectElement>('mic'),
  mute: $<HTMLInputElement>('mute'),
  status: $('status'),
  progress: $('progress'),
  inLevel: $<HTMLMeterElement>('in-level'),
  outLevel: $<HTMLMeterElement>('out-level'),
  light: $('vad-light'),
  vadText: $('vad-text'),
  trace: $<HTMLCanvasElement>('vad-trace'),
  utterances: $('utterances'),
  playVoice: $<HTMLButtonElement>('play-voice'),
  toggleBg: $<HTMLButtonElement>('toggle-bg'),
  flush: $<HTMLButtonElement>('flush'),
};

let engine: AudioEngine | null = null;
let vad: SileroVAD | null = null;
let bgId: number | null = null;
const probs: number[] = [];

const say = (text: string) => (ui.status.textContent = text);
const controls = [ui.stop, ui.mic, ui.mute, ui.playVoice, ui.toggleBg, ui.flush];

ui.start.onclick = async () => {
  ui.start.disabled = true;
  engine = new AudioEngine();
  vad = new SileroVAD();
  wire(engine, vad);
  try {
    say('Opening the microphone…');
    await engine.start();
    await engine.unlock();
    say('Loading the VAD model…');
    ui.progress.hidden = false;
    await vad.start(engine);
    ui.progress.hidden = true;
    say(`Listening at ${engine.context.sampleRate} Hz. Speak!`);
    controls.forEach((c) => (c.disabled = false));
    await fillMicList(engine.microphone.deviceId);
  } catch (err) {
    say(err instanceof EarshotError ? `${err.code}: ${err.message}` : String(err));
    stop();
  }
};

ui.stop.onclick = () => stop();

function stop(): void {
  vad?.close();
  engine?.close();
  vad = null;
  engine = null;
  bgId = null;
  ui.toggleBg.textContent = 'Background loop: off';
  controls.forEach((c) => (c.disabled = true));
  ui.start.disabled = false;
  ui.progress.hidden = true;
}

function wire(e: AudioEngine, v: SileroVAD): void {
  e.on('input_level_measured', ({ rms }) => (ui.inLevel.value = Math.min(1, rms * 4)));
  e.on('output_level_measured', ({ rms }) => (ui.outLevel.value = Math.min(1, rms * 4)));
  e.on('microphone_ended', ({ label }) => say(`The microphone "${label}" went away. Pick another one.`));
  e.on('error', ({ error }) => say(`${error.code}: ${error.message}`));
  v.on('vad_load_progress', ({ loaded, total }) => {
    const bar = ui.progress.firstElementChild as HTMLElement;
    if (total) bar.style.width = `${Math.round((100 * loaded) / total)}%`;
  });
  v.on('vad_frame', ({ probability }) => {
    probs.push(probability);
    if (probs.length > 312) probs.shift(); // 10 s of 32 ms frames
    drawTrace();
  });
  v.on('speech_started', ({ at }) => {
    ui.light.classList.add('on');
    ui.vadText.textContent = `speaking since ${at.toFixed(2)} s`;
  });
  v.on('speech_ended', ({ startedAt, lastSpeechAt, audio }) => {
    ui.light.classList.remove('on');
    ui.vadText.textContent = 'idle';
    const li = document.createElement('li');
    li.textContent = `${startedAt.toFixed(2)}–${lastSpeechAt.toFixed(2)} s (${(audio.length / 16000).toFixed(2)} s of audio)`;
    ui.utterances.prepend(li);
  });
  v.on('speech_misfired', () => {
    ui.light.classList.remove('on');
    ui.vadText.textContent = 'idle (too short)';
  });
  v.on('error', ({ error }) => say(`${error.code}: ${error.message}`));
}

async function fillMicList(current: string | undefined): Promise<void> {
  const mics = await listMicrophones();
  ui.mic.replaceChildren(...mics.map((m, i) => new Option(m.label || `microphone ${i + 1}`, m.deviceId, false, m.deviceId === current)));
}

ui.mic.onchange = async () => {
  try {
    await engine?.microphone.open(ui.mic.value);
  } catch (err) {
    say(err instanceof EarshotError ? `${err.code}: ${err.message}` : String(err));
  }
};
ui.mute.onchange = () => {
  if (engine) engine.microphone.muted = ui.mute.checked;
};

ui.playVoice.onclick = () => {
  if (!engine) return;
  // A stand-in for TTS: a 1.5 s vowel-like tone streamed in 20 ms chunks at 24 kHz.
  const rate = 24000;
  const stream = engine.mixer.createStream(rate);
  const total = rate * 1.5;
  for (let at = 0; at < total; at += rate / 50) {
    const chunk = new Float32Array(rate / 50);
    for (let i = 0; i < chunk.length; i++) {
      const t = (at + i) / rate;
      const env = Math.min(1, t * 20, (1.5 - t) * 20);
      chunk[i] = env * 0.3 * (Math.sin(2 * Math.PI * 220 * t) + 0.5 * Math.sin(2 * Math.PI * 440 * t) + 0.25 * Math.sin(2 * Math.PI * 660 * t));
    }
    stream.push(chunk);
  }
  stream.end();
};

ui.toggleBg.onclick = () => {
  if (!engine) return;
  if (bgId !== null) {
    engine.mixer.stop(bgId);
    bgId = null;
    ui.toggleBg.textContent = 'Background loop: off';
    return;
  }
  // A soft two-note pad, exactly 2 s long so the loop is seamless.
  const rate = engine.context.sampleRate;
  const samples = new Float32Array(rate * 2);
  for (let i = 0; i < samples.length; i++) {
    const t = i / rate;
    samples[i] = 0.08 * (Math.sin(2 * Math.PI * 110 * t) + Math.sin(2 * Math.PI * 165 * t)) * (0.6 + 0.4 * Math.sin(Math.PI * t));
  }
  bgId = engine.mixer.play({ samples, sampleRate: rate }, { bus: 'background', loop: true }).id;
  ui.toggleBg.textContent = 'Background loop: on';
};

ui.flush.onclick = () => engine?.mixer.flush('voice');

function drawTrace(): void {
  const c = ui.trace.getContext('2d');
  if (!c) return;
  const { width: w, height: h } = ui.trace;
  c.clearRect(0, 0, w, h);
  c.strokeStyle = '#334155';
  c.beginPath();
  const th = h - (vad?.options.positiveSpeechThreshold ?? 0.5) * h;
  c.moveTo(0, th);
  c.lineTo(w, th);
  c.stroke();
  c.strokeStyle = '#22d3ee';
  c.beginPath();
  probs.forEach((p, i) => {
    const x = (i / 312) * w;
    const y = h - p * h;
    if (i === 0) c.moveTo(x, y);
    else c.lineTo(x, y);
  });
  c.stroke();
}
