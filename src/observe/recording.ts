// The recording itself (see SessionRecorder): taps, transcript, WAV or WebM. It imports no
// value of the core: `session.startRecording()` loads it on first use (a chunk of the ES build;
// the script-tag build imports the ES build's standalone `extras.js` from beside itself),
// and the errors it raises are made by the caller's `fail`, so they are the page's own classes.
import type { TappedBlock } from '../audio/capture';
import type { AudioEngineEvents } from '../audio/engine';
import { encodeWav } from '../audio/dsp/wav-encode';
import type { EarshotErrorCode } from '../errors';
import type { Emitter } from '../events';
import type { AgentSessionEvents } from '../session/session-events';
import type { AudioClock } from '../session/session-audio';
import { startMediaRecording, type MediaRecording } from './media-recording';

/** What the recorder needs of the session's audio: `AudioEngine`, or `earshot/testing`'s `VirtualAudio`. */
export interface RecordableAudio extends Emitter<AudioEngineEvents> {
  readonly context: AudioClock;
  readonly captureStartFrame: Promise<number>;
  tapInput(onBlock: (block: TappedBlock) => void, blockSize?: number): Promise<() => void>;
  tapOutput(onBlock: (block: TappedBlock) => void, blockSize?: number): Promise<() => void>;
}

/** The session as the recorder uses it. */
export interface RecordableSession extends Emitter<AgentSessionEvents> {
  readonly audio: RecordableAudio;
}

/** One line of the transcript; times in seconds from the recording's first sample. */
export interface TranscriptEntry {
  role: 'user' | 'assistant';
  text: string;
  start: number;
  end: number;
  /** The agent was cut off: `text` is what was heard. */
  interrupted?: boolean;
}

export interface Recording {
  /** A stereo WAV (mic left, agent right), or WebM/Opus with `format: 'webm'`. */
  audio: Blob;
  mimeType: string;
  sampleRate: number;
  /** AudioContext frame of the recording's first sample (where its time 0 is on the context clock). */
  startFrame: number;
  durationSec: number;
  transcript: TranscriptEntry[];
  /** The transcript as a JSON file's text, to save beside the audio: `{ durationSec, sampleRate, startFrame, transcript }` (times in seconds). */
  transcriptJson: string;
  /** WAV only: the two channels as recorded (mic, agent), sample-aligned on the context clock. */
  channels?: [Float32Array, Float32Array];
  /** WAV only: `maxSeconds` was reached; what followed was not kept. */
  truncated?: boolean;
}

export interface SessionRecorderOptions {
  /**
   * `wav` (default): sample-exact taps of the mic and the mixer, kept in memory (≈ 384 KB/s at
   * 48 kHz). `webm`: the browser's MediaRecorder encodes Opus as it goes, for long sessions.
   */
  format?: 'wav' | 'webm';
  /** WAV sample format. Default `pcm16`; `float32` keeps the samples bit-exact. */
  wavFormat?: 'pcm16' | 'float32';
  /** WAV: stop keeping audio after this many seconds (memory). Default 900. */
  maxSeconds?: number;
}

/** Makes the error to throw (`config-invalid` → ConfigError, else EarshotError). */
export type Fail = (code: EarshotErrorCode, message: string) => Error;

/** A `config-invalid` error for options that cannot be used, else null. */
export function badOptions(o: SessionRecorderOptions, fail: Fail): Error | null {
  if (o.format !== undefined && o.format !== 'wav' && o.format !== 'webm') return fail('config-invalid', `Recording: format must be 'wav' or 'webm', got ${String(o.format)}`);
  if (o.maxSeconds !== undefined && !(o.maxSeconds > 0)) return fail('config-invalid', `Recording: maxSeconds must be > 0, got ${o.maxSeconds}`);
  return null;
}

/**
 * Starts a recording of `session` (started: its `audio` is read now). Rejects with `fail`'s
 * errors: `config-invalid` for bad options or an audio without taps, `audio-unsupported` for
 * `webm` without MediaRecorder.
 */
export async function record(session: RecordableSession, o: SessionRecorderOptions, fail: Fail): Promise<Run> {
  const bad = badOptions(o, fail);
  if (bad) throw bad;
  const audio = session.audio;
  if (typeof audio.tapInput !== 'function') throw fail('config-invalid', "Recording: the session's audio has no tapInput (use AudioEngine or VirtualAudio)");
  const run = new Run(session, audio, o);
  try {
    await run.start(fail);
  } catch (e) {
    run.dispose();
    throw e;
  }
  return run;
}

interface Open {
  role: 'user' | 'assistant';
  text: string;
  /** Context frames. */
  start: number;
  end: number;
  interrupted?: boolean;
}

/** One recording in progress; `stop()` gives the {@link Recording}. */
export class Run {
  readonly #rate: number;
  readonly #left: TappedBlock[] = [];
  readonly #right: TappedBlock[] = [];
  readonly #entries: Open[] = [];
  #user: Open | null = null;
  #agent: Open | null = null;
  #captureStart = 0;
  #stops: (() => void)[] = [];
  #media: MediaRecording | null = null;
  #truncated = false;
  readonly #maxFrames: number;

  constructor(
    readonly session: RecordableSession,
    readonly audio: RecordableAudio,
    readonly o: SessionRecorderOptions,
  ) {
    this.#rate = audio.context.sampleRate;
    this.#maxFrames = (o.maxSeconds ?? 900) * this.#rate;
  }

  #now(): number {
    return Math.round(this.audio.context.currentTime * this.#rate);
  }

  async start(fail: Fail): Promise<void> {
    this.#captureStart = await this.audio.captureStartFrame;
    const s = this.session;
    const vad = (at: number) => this.#captureStart + Math.round(at * this.#rate);
    this.#stops.push(
      s.on('user_speech_started', (e) => {
        this.#user ??= { role: 'user', text: '', start: vad(e.at), end: vad(e.at) };
      }),
      s.on('user_speech_ended', (e) => {
        if (this.#user) this.#user.end = vad(e.at);
      }),
      s.on('user_transcript', (e) => {
        if (!e.final) return;
        const now = this.#now();
        this.#entries.push({ ...(this.#user ?? { role: 'user', start: now, end: now }), text: e.text });
        this.#user = null;
      }),
      this.audio.on('mixer_event', (e) => {
        if ((e.type !== 'started' && e.type !== 'ended') || e.bus !== 'voice') return;
        if (e.type === 'started') this.#agent ??= { role: 'assistant', text: '', start: e.frame, end: e.frame };
        else if (this.#agent) this.#agent.end = e.frame;
      }),
      s.on('agent_transcript', (e) => {
        if (!e.final) return;
        const a = this.#agent;
        this.#agent = null;
        if (!e.text && !a) return;
        const now = this.#now();
        this.#entries.push({ role: 'assistant', text: e.text, start: a?.start ?? now, end: a?.end ?? now, ...(e.interrupted ? { interrupted: true } : {}) });
      }),
    );
    if (this.o.format === 'webm') {
      this.#media = startMediaRecording(this.audio as unknown as Parameters<typeof startMediaRecording>[0]);
      if (!this.#media) throw fail('audio-unsupported', "Recording: format 'webm' needs MediaRecorder and a Web Audio graph (AudioEngine)");
      return;
    }
    const keep = (list: TappedBlock[]) => (b: TappedBlock) => {
      const first = list[0];
      if (first && b.frame + b.samples.length - first.frame > this.#maxFrames) this.#truncated = true;
      else list.push(b);
    };
    this.#stops.push(await this.audio.tapInput(keep(this.#left)), await this.audio.tapOutput(keep(this.#right)));
  }

  dispose(): void {
    for (const stop of this.#stops.splice(0)) stop();
  }

  async stop(): Promise<Recording> {
    this.dispose();
    let origin: number;
    let frames: number;
    let result: Pick<Recording, 'audio' | 'mimeType' | 'channels' | 'truncated'>;
    if (this.#media) {
      const m = await this.#media.stop();
      origin = m.startFrame;
      frames = Math.max(0, m.endFrame - m.startFrame);
      result = { audio: m.blob, mimeType: m.blob.type || 'audio/webm' };
    } else {
      // Both taps start on a render quantum; keep the frames both have.
      const first = (l: TappedBlock[]) => l[0]?.frame ?? 0;
      const last = (l: TappedBlock[]) => (l.length ? l[l.length - 1]!.frame + l[l.length - 1]!.samples.length : 0);
      origin = Math.max(first(this.#left), first(this.#right));
      frames = Math.max(0, Math.min(last(this.#left), last(this.#right)) - origin);
      const left = assemble(this.#left, origin, frames);
      const right = assemble(this.#right, origin, frames);
      const wav = encodeWav([left, right], this.#rate, { format: this.o.wavFormat ?? 'pcm16' });
      result = { audio: new Blob([wav], { type: 'audio/wav' }), mimeType: 'audio/wav', channels: [left, right], ...(this.#truncated ? { truncated: true } : {}) };
    }
    const sec = (f: number) => Math.max(0, (f - origin) / this.#rate);
    const pending = [this.#user, this.#agent].filter((e): e is Open => e !== null && e.text !== '');
    const transcript = [...this.#entries, ...pending]
      .sort((a, b) => a.start - b.start)
      .map((e) => ({ role: e.role, text: e.text, start: sec(e.start), end: sec(Math.max(e.start, e.end)), ...(e.interrupted ? { interrupted: true } : {}) }));
    const times = { durationSec: frames / this.#rate, sampleRate: this.#rate, startFrame: origin };
    return { ...result, ...times, transcript, transcriptJson: JSON.stringify({ ...times, transcript }, null, 2) };
  }
}

/** The samples of `blocks` from context frame `origin`, `frames` long (gaps as silence). */
function assemble(blocks: readonly TappedBlock[], origin: number, frames: number): Float32Array {
  const out = new Float32Array(frames);
  for (const b of blocks) {
    const from = b.frame - origin;
    const skip = Math.max(0, -from);
    const to = Math.min(frames, from + b.samples.length);
    if (to > from + skip) out.set(b.samples.subarray(skip, to - from), from + skip);
  }
  return out;
}
