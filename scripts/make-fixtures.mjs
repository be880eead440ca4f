#!/usr/bin/env node
// Generates the fake-microphone audio fixtures for the Playwright e2e tests
// (Chromium --use-file-for-fake-audio-capture) into e2e/fixtures/generated/.
//
// Every fixture is 48 kHz mono s16 WAV with a NAME.json next to it describing the
// *measured* speech/click boundaries (10 ms RMS windows > 0.01, gaps < 400 ms merged;
// see wav-bounds.mjs). Idempotent: manifest.json holds a hash of this script,
// wav-bounds.mjs and the espeak-ng/sox versions; when it matches and every file
// exists, nothing is regenerated.
//
// Requires Debian's espeak-ng and sox (apt-get install -y espeak-ng sox).

import { spawnSync, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { activeRegions, readWavMono, toSec } from './wav-bounds.mjs';
import { mulberry32, writeWav16 as writeWav } from './wav.mjs';

const writeWav16 = (path, samples, sampleRate = SR) => writeWav(path, samples, sampleRate);

const t0 = process.hrtime.bigint();
const SR = 48000;
const SELF = fileURLToPath(import.meta.url);
const ROOT = dirname(dirname(SELF));
const OUT_DIR = join(ROOT, 'e2e', 'fixtures', 'generated');
const BOUNDS_SRC = join(dirname(SELF), 'wav-bounds.mjs');
const WAV_SRC = join(dirname(SELF), 'wav.mjs');
const BOUNDS_OPTS = { threshold: 0.01, windowMs: 10, mergeGapMs: 400 };

// Single-utterance fixtures for VAD timing: 1.00 s silence, speech, 2.50 s silence.
const UTTERANCES = [
  { voice: 'en-us', speed: 160, text: 'The quick brown fox jumps over the lazy dog.' },
  { voice: 'en-gb', speed: 150, text: 'Could you please turn on the kitchen lights?' },
  { voice: 'en-us+f3', speed: 170, text: 'I would like to book a table for two tonight.' },
  { voice: 'en-gb-scotland+m3', speed: 145, text: 'The weather looks lovely this afternoon.' },
  { voice: 'en-029', speed: 155, text: 'My sister is coming over for dinner tomorrow evening.' },
];
const TWO_TURNS = {
  voice: 'en-us', speed: 160,
  a: 'What time is it?',
  b: 'Thank you, goodbye.',
};
const LONG_SPEECH = {
  voice: 'en-us', speed: 160,
  text:
    'I have been thinking about our trip to the mountains next month, and I would love a quiet cabin by the lake.',
};
const COUGH = { voice: 'en-us', speed: 160, text: 'huh', burstMs: 150, fadeMs: 5 };
const CLICK = { ms: 40, amplitude: 0.8, tauMs: 12, seed: 0xc11c };

const slug = (voice) => voice.toLowerCase().replace(/[^a-z0-9]+/g, '-');
const rel = (p) => relative(process.cwd(), p) || '.';
const fmt = (x) => x.toFixed(3);

// ---------------------------------------------------------------- tools

function probe(cmd) {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return `${r.stdout}${r.stderr}`.trim();
}

const espeakVersion = probe('espeak-ng');
const soxVersion = probe('sox');
if (!espeakVersion || !soxVersion) {
  const missing = [!espeakVersion && 'espeak-ng', !soxVersion && 'sox'].filter(Boolean).join(' and ');
  console.error(
    `make-fixtures: ${missing} not found on PATH (needed to generate the e2e audio fixtures).\n` +
      `  Install them with: apt-get install -y espeak-ng sox  (as root, or via sudo)`,
  );
  process.exit(1);
}

const hash = createHash('sha256')
  .update(readFileSync(SELF))
  .update('\0')
  .update(readFileSync(BOUNDS_SRC))
  .update('\0')
  .update(readFileSync(WAV_SRC))
  .update('\0')
  .update(espeakVersion)
  .update('\0')
  .update(soxVersion)
  .digest('hex');

// ---------------------------------------------------------------- up-to-date check

const manifestPath = join(OUT_DIR, 'manifest.json');
try {
  const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (m.hash === hash && Array.isArray(m.files) && m.files.length && m.files.every((f) => existsSync(join(OUT_DIR, f)))) {
    console.log(`make-fixtures: up to date (${m.files.length / 2} fixtures in ${rel(OUT_DIR)}, ${hash.slice(0, 12)})`);
    process.exit(0);
  }
} catch {
  /* missing or unreadable manifest: regenerate */
}

// ---------------------------------------------------------------- helpers

const execFileP = promisify(execFile);
async function run(cmd, args) {
  try {
    const { stderr } = await execFileP(cmd, args, { encoding: 'utf8' });
    if (stderr.trim()) console.warn(`make-fixtures: ${cmd}: ${stderr.trim()}`);
  } catch (err) {
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(err.stderr || err.message).trim()}`);
  }
}

const SOX_OUT = ['-r', String(SR), '-c', '1', '-b', '16', '-e', 'signed-integer'];

/**
 * espeak-ng (22.05 kHz) -> sox -> 48 kHz mono s16 samples, with espeak's own digitally
 * silent lead-in (0-45 ms) and sentence-final pause (~0.35-0.4 s) removed, so the fixture
 * layout (1.0 s silence, speech, N s silence) is what the names say. Only samples within
 * ±1 LSB are dropped (some variants, e.g. +f3, leave a -1/0 LSB flicker instead of zeros);
 * espeak's low-level decay tails are kept.
 */
async function speak(tmp, name, { voice, speed, text }) {
  const raw = join(tmp, `${name}.raw.wav`);
  const wav = join(tmp, `${name}.48k.wav`);
  await run('espeak-ng', ['-v', voice, '-s', String(speed), '-w', raw, text]);
  // -D: no dither (keeps silence digital zero); -G: lower the gain only if resampling would clip.
  await run('sox', ['-G', '-D', raw, ...SOX_OUT, wav, 'rate']);
  const { sampleRate, samples } = readWavMono(wav);
  if (sampleRate !== SR) throw new Error(`${wav}: sox produced ${sampleRate} Hz`);
  let a = 0;
  let b = samples.length;
  const LSB = 1 / 32768;
  while (a < b && Math.abs(samples[a]) <= LSB) a++;
  while (b > a && Math.abs(samples[b - 1]) <= LSB) b--;
  if (a === b) throw new Error(`espeak-ng produced silence for "${text}" (voice ${voice})`);
  return samples.subarray(a, b);
}

const silence = (sec) => new Float32Array(Math.round(sec * SR));
function concat(...parts) {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---------------------------------------------------------------- fixture builders
// Each writes OUT_DIR/NAME.wav and returns { name, speechTexts } or { name, clicks: true }
// plus the expectations checked after the final WAV is read back and measured.

async function buildUtterance(tmp, u) {
  const name = `utt-${slug(u.voice)}`;
  writeWav16(join(OUT_DIR, `${name}.wav`), concat(silence(1.0), await speak(tmp, name, u), silence(2.5)));
  return { name, speechTexts: [u.text], expectStartSec: 1.0 };
}

async function buildTwoTurns(tmp) {
  const { voice, speed, a, b } = TWO_TURNS;
  const [sa, sb] = await Promise.all([
    speak(tmp, 'turn-a', { voice, speed, text: a }),
    speak(tmp, 'turn-b', { voice, speed, text: b }),
  ]);
  // 4 s between the turns: the first answer (two LLM rounds and a tool) must have played out
  // before the second question, even on a loaded 2-core machine.
  writeWav16(join(OUT_DIR, 'two-turns.wav'), concat(silence(1.0), sa, silence(4.0), sb, silence(2.5)));
  return { name: 'two-turns', speechTexts: [a, b], expectStartSec: 1.0 };
}

async function buildLongSpeech(tmp) {
  const speech = await speak(tmp, 'long-speech', LONG_SPEECH);
  writeWav16(join(OUT_DIR, 'long-speech.wav'), concat(silence(1.0), speech, silence(2.0)));
  return { name: 'long-speech', speechTexts: [LONG_SPEECH.text], expectStartSec: 1.0 };
}

async function coughBurst(tmp) {
  // A real voiced syllable cut to 150 ms from its measured onset. espeak's onset already
  // rises from silence, so only the cut end gets a 5 ms raised-cosine fade-out (a fade-in
  // would eat into the first 10 ms window and shorten the measured burst to 140 ms).
  const samples = await speak(tmp, 'cough-src', COUGH);
  const [first] = activeRegions(samples, SR, BOUNDS_OPTS);
  if (!first) throw new Error(`espeak-ng produced no audible output for "${COUGH.text}"`);
  const len = Math.round((COUGH.burstMs / 1000) * SR);
  const fade = Math.round((COUGH.fadeMs / 1000) * SR);
  const burst = samples.slice(first.start, first.start + len); // copy: faded in place below
  for (let i = 0; i < fade; i++) burst[burst.length - 1 - i] *= 0.5 - 0.5 * Math.cos((Math.PI * i) / fade);
  return burst;
}

async function buildCough(tmp) {
  writeWav16(join(OUT_DIR, 'cough.wav'), concat(silence(1.0), await coughBurst(tmp), silence(2.0)));
  return { name: 'cough', speechTexts: ['(burst)'], expectStartSec: 1.0, expectLenSec: COUGH.burstMs / 1000 };
}

/**
 * Conversation fixtures for the session tests: the user's lines with pauses long enough
 * for the agent to answer in between. Parts: a number (seconds of silence), a string
 * (a line in en-us at 160 wpm), or 'cough' (the 150 ms burst).
 */
const CONVERSATIONS = {
  // A comma, not a full stop, after "stop": espeak's 370 ms sentence pause is too near the VAD's
  // 560 ms redemption, and a loaded machine's fake mic, padding it, split the line into two turns.
  'story-then-stop': [1.0, 'Tell me a story.', 4.5, 'Wait, stop, I have a question.', 3.0],
  'story-then-cough': [1.0, 'Tell me a story.', 4.0, 'cough', 7.0],
  'story-then-silence': [1.0, 'Tell me a story.', 9.0],
  // A backchannel over the agent's story (issue 8: it must not interrupt with a streaming STT).
  'story-then-okay': [1.0, 'Tell me a story.', 4.5, 'Okay.', 5.0],
  // A sentence with a pause in the middle, longer than the VAD's 560 ms (issue 8: with a
  // slow STT, the first half must not be lost when the user resumes).
  'pause-0.7': [1.0, 'I would like to book a table', 0.7, 'for two people tonight please.', 6.0],
  'pause-1.2': [1.0, 'I would like to book a table', 1.2, 'for two people tonight please.', 6.0],
  'hello-then-silence': [1.0, 'Hello there.', 12.0],
  // Three short questions with room for a short answer after each (issue 10: a fallback switch on turn 2).
  // One long request (issue 10: the STT socket dropped mid-utterance must lose none of it).
  'long-request': [1.0, 'I would like to book a table for two people tonight please.', 6.0],
  'three-questions': [1.0, 'What time is it?', 4.0, 'And the weather?', 4.0, 'Thank you.', 4.0],
  'late-hello': [5.0, 'Hello there.', 10.0],
  // Benchmarks (bench/): 20 short questions for the voice-to-voice split; a story request
  // then eight interruptions, each over the agent's (scripted, endless) story, for barge-in
  // timing: short interjections and full sentences. 2 s of lead-in covers start-up.
  'bench-questions': [2.0, ...Array.from({ length: 20 }, () => ['What time is it?', 2.5]).flat()],
  'bench-barge-in': [2.0, 'Tell me a story.', 3.0,
    ...['Wait, stop.', 'Wait, stop. I have a question.', 'Wait, stop.', ...Array(5).fill('Wait, stop. I have a question.')].flatMap((p) => [p, 3.5])],
};

async function buildConversation(tmp, name, parts) {
  const audio = await Promise.all(
    parts.map((p, i) => (typeof p === 'number' ? silence(p) : p === 'cough' ? coughBurst(tmp) : speak(tmp, `${name}-${i}`, { voice: 'en-us', speed: 160, text: p }))),
  );
  writeWav16(join(OUT_DIR, `${name}.wav`), concat(...audio));
  return { name, speechTexts: parts.filter((p) => typeof p === 'string').map((p) => (p === 'cough' ? '(burst)' : p)), expectStartSec: parts[0] };
}

function buildClick() {
  // White-noise burst, instant attack, exponential decay (tau 12 ms => -29 dB at 40 ms), hard stop.
  const rnd = mulberry32(CLICK.seed);
  const n = Math.round((CLICK.ms / 1000) * SR);
  const tau = (CLICK.tauMs / 1000) * SR;
  const click = new Float32Array(n);
  for (let i = 0; i < n; i++) click[i] = CLICK.amplitude * Math.exp(-i / tau) * (rnd() * 2 - 1);
  writeWav16(join(OUT_DIR, 'click.wav'), concat(silence(1.0), click, silence(2.0)));
  return { name: 'click', clicks: true, expectStartSec: 1.0, expectLenSec: CLICK.ms / 1000 };
}

// Telephony (issue 12): DTMF keys over a talker and noise, a voicemail greeting then its beep,
// and a human "hello?". `tones: true`: no active-region check (keys and speech overlap);
// the JSON lists the keys (start times) and beeps (end times) to expect.
const DTMF_ROWS = [697, 770, 852, 941];
const DTMF_COLS = [1209, 1336, 1477, 1633];
const DTMF_KEYS = '123A456B789C*0#D';

/** One key: `ms` of tone at pair peak `db` dBFS, high tone `twistDb` over the low one, 2 ms ramps. */
function dtmfKey(key, ms, db, twistDb) {
  const k = DTMF_KEYS.indexOf(key);
  const n = Math.round((ms / 1000) * SR);
  const twist = 10 ** (twistDb / 20);
  const low = 10 ** (db / 20) / (1 + twist);
  const ramp = Math.round(0.002 * SR);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const env = Math.min(1, i / ramp, (n - 1 - i) / ramp);
    out[i] = env * (low * Math.sin((2 * Math.PI * DTMF_ROWS[k >> 2] * i) / SR) + low * twist * Math.sin((2 * Math.PI * DTMF_COLS[k & 3] * i) / SR));
  }
  return out;
}

function rmsOf(x, from = 0, to = x.length) {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, to - from));
}

async function buildDtmfOverSpeech(tmp) {
  // A talker throughout; every 0.6 s a key (60 ms, −25…−5 dBFS, twist −6/0/+6 dB) with the
  // talker 10 dB and white noise 20 dB under it.
  const lines = ['The quick brown fox jumps over the lazy dog, and then it runs away into the forest.', 'I would like to book a table for two tonight at around eight o clock if possible.'];
  const speech = concat(...(await Promise.all(lines.map((text, i) => speak(tmp, `dtmf-talker-${i}`, { voice: i ? 'en-us+f3' : 'en-gb', speed: 150, text })))));
  const out = concat(silence(0.5), speech, silence(0.5));
  const rnd = mulberry32(0xd7f);
  const keys = [];
  [...DTMF_KEYS].forEach((key, i) => {
    const tone = dtmfKey(key, 60, -25 + (i % 5) * 5, ((i % 3) - 1) * 6);
    const at = Math.round((0.5 + i * 0.6) * SR);
    const toneRms = rmsOf(tone);
    const gain = toneRms / Math.max(rmsOf(out, at, at + tone.length), 1e-6) / Math.sqrt(10);
    for (let j = 0; j < tone.length; j++) {
      const u = Math.max(1e-12, rnd());
      out[at + j] = out[at + j] * gain + tone[j] + (toneRms / 10) * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
    }
    keys.push({ digit: key, startSec: at / SR });
  });
  writeWav16(join(OUT_DIR, 'dtmf-over-speech.wav'), out);
  return { name: 'dtmf-over-speech', tones: true, speechTexts: lines, keys, beeps: [] };
}

async function buildVoicemailGreetingBeep(tmp) {
  const text = 'Hi, you have reached the office of Doctor Smith. Please leave a message after the tone.';
  const greeting = await speak(tmp, 'vm-greeting', { voice: 'en-us+f3', speed: 160, text });
  const beep = Float32Array.from({ length: Math.round(0.6 * SR) }, (_, i) => 0.25 * Math.sin((2 * Math.PI * 1000 * i) / SR));
  const lead = 1.0 + greeting.length / SR + 0.4;
  writeWav16(join(OUT_DIR, 'voicemail-greeting-beep.wav'), concat(silence(1.0), greeting, silence(0.4), beep, silence(2.0)));
  return { name: 'voicemail-greeting-beep', tones: true, speechTexts: [text], keys: [], beeps: [{ endSec: lead + 0.6, hz: 1000 }] };
}

async function buildHumanHello(tmp) {
  const text = 'Hello? Hello? Who is this?';
  writeWav16(join(OUT_DIR, 'human-hello.wav'), concat(silence(1.0), await speak(tmp, 'human-hello', { voice: 'en-gb', speed: 150, text }), silence(2.0)));
  return { name: 'human-hello', tones: true, speechTexts: [text], keys: [], beeps: [] };
}

// ---------------------------------------------------------------- main

const tmp = mkdtempSync(join(tmpdir(), 'earshot-fixtures-'));
let specs;
try {
  rmSync(OUT_DIR, { recursive: true, force: true }); // also drops the stale manifest
  mkdirSync(OUT_DIR, { recursive: true });
  specs = await Promise.all([
    ...UTTERANCES.map((u) => buildUtterance(tmp, u)),
    buildTwoTurns(tmp),
    buildLongSpeech(tmp),
    buildCough(tmp),
    buildClick(),
    buildDtmfOverSpeech(tmp),
    buildVoicemailGreetingBeep(tmp),
    buildHumanHello(tmp),
    ...Object.entries(CONVERSATIONS).map(([name, parts]) => buildConversation(tmp, name, parts)),
  ]);
} catch (err) {
  console.error(`make-fixtures: ${err.message}`);
  process.exit(1);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const files = [];
const summary = {};
const problems = [];
for (const spec of specs) {
  const file = `${spec.name}.wav`;
  const { sampleRate, samples } = readWavMono(join(OUT_DIR, file));
  if (sampleRate !== SR) problems.push(`${file}: sample rate ${sampleRate}, expected ${SR}`);
  const regions = activeRegions(samples, sampleRate, BOUNDS_OPTS);
  const bounds = regions.map(({ start, end }) => ({ startSec: toSec(start, sampleRate), endSec: toSec(end, sampleRate) }));
  const expected = spec.clicks ? 1 : spec.speechTexts.length;
  if (!spec.tones && bounds.length !== expected) {
    problems.push(`${file}: measured ${bounds.length} active region(s), expected ${expected}: ${JSON.stringify(bounds)}`);
  }
  const first = regions[0];
  // Tolerances compared in whole samples (avoids 1.05 - 1.0 > 0.05 float surprises).
  const tol = (sec) => Math.round(sec * sampleRate);
  if (first && Math.abs(first.start - tol(spec.expectStartSec)) > tol(0.05)) {
    problems.push(`${file}: starts at ${fmt(first.start / sampleRate)} s, expected ${spec.expectStartSec} s ±50 ms`);
  }
  if (first && spec.expectLenSec && Math.abs(first.end - first.start - tol(spec.expectLenSec)) > tol(0.01)) {
    problems.push(`${file}: lasts ${fmt((first.end - first.start) / sampleRate)} s, expected ${spec.expectLenSec} s ±10 ms`);
  }
  const meta = {
    file,
    sampleRate,
    durationSec: toSec(samples.length, sampleRate),
    speech: spec.clicks ? [] : bounds.map((b, i) => ({ ...b, text: spec.speechTexts[i] ?? spec.speechTexts.at(-1) })),
    clicks: spec.clicks ? bounds : [],
    ...(spec.tones ? { keys: spec.keys, beeps: spec.beeps } : {}),
  };
  writeFileSync(join(OUT_DIR, `${spec.name}.json`), JSON.stringify(meta, null, 2) + '\n');
  files.push(file, `${spec.name}.json`);
  summary[spec.name] = { durationSec: meta.durationSec, speech: meta.speech, clicks: meta.clicks };
  const kind = spec.clicks ? 'click' : spec.tones ? `speech + ${spec.keys.length} keys, ${spec.beeps.length} beeps` : 'speech';
  const spans = bounds.map((b) => `${fmt(b.startSec)}-${fmt(b.endSec)} (${fmt(b.endSec - b.startSec)} s)`).join(', ');
  console.log(`  ${file.padEnd(30)} ${fmt(meta.durationSec)} s  ${kind}: ${spans || '-'}`);
}

if (problems.length) {
  console.error(`make-fixtures: generated fixtures failed sanity checks (no manifest written):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}

writeFileSync(
  manifestPath,
  JSON.stringify({ hash, espeakVersion, soxVersion, files, fixtures: summary }, null, 2) + '\n',
);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`make-fixtures: generated ${specs.length} fixtures in ${rel(OUT_DIR)} (${ms.toFixed(0)} ms, ${hash.slice(0, 12)})`);
