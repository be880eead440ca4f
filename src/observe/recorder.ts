import { ConfigError, EarshotError, type EarshotErrorCode } from '../errors';
import { badOptions, record, type Recording, type RecordableSession, type Run, type SessionRecorderOptions } from './recording';

export type { Recording, RecordableAudio, RecordableSession, SessionRecorderOptions, TranscriptEntry } from './recording';

/** Earshot's own error classes, for the recording module (which imports none). */
export const fail = (code: EarshotErrorCode, message: string): Error => (code === 'config-invalid' ? new ConfigError(message) : new EarshotError(code, message));

/**
 * Records a session: the mic on the left, the agent's rendered output on the right,
 * sample-aligned on the AudioContext's frame clock, with the transcript and its timings.
 *
 * ```ts
 * const recorder = new SessionRecorder(session);
 * await recorder.start();
 * const { audio, transcript } = await recorder.stop();
 * ```
 */
export class SessionRecorder {
  readonly #session: RecordableSession;
  readonly #o: SessionRecorderOptions;
  #run: Promise<Run> | null = null;

  constructor(session: RecordableSession, options: SessionRecorderOptions = {}) {
    const bad = badOptions(options, fail);
    if (bad) throw bad;
    this.#session = session;
    this.#o = options;
  }

  get recording(): boolean {
    return this.#run !== null;
  }

  /** Starts recording (the session must be started). Rejects with `closed` before that, `config-invalid` when recording. */
  async start(): Promise<void> {
    if (this.#run) throw new ConfigError('SessionRecorder: already recording');
    // Taken at once, so a second start() while this one starts fails.
    const run = record(this.#session, this.#o, fail);
    this.#run = run;
    try {
      await run;
    } catch (e) {
      this.#run = null;
      throw e;
    }
  }

  /** Stops and returns the recording (also after the session closed: what was taped until then). */
  async stop(): Promise<Recording> {
    const run = this.#run;
    if (!run) throw new EarshotError('closed', 'SessionRecorder: not recording');
    this.#run = null;
    return (await run).stop();
  }
}

