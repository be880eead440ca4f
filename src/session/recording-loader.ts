// `session.startRecording()`: the recording (src/observe/recording.ts, no core values) loads
// with the core's extras on first use, so the core carries only this call.
import { ConfigError, EarshotError, type EarshotErrorCode } from '../errors';
import { extras } from '../lazy';
import type { RecordableSession, Recording, Run, SessionRecorderOptions } from '../observe/recording';

/** Starts a recording of `session`; its errors are the core's classes (the module makes them through `fail`). */
export async function startRun(session: RecordableSession, options: SessionRecorderOptions): Promise<Run> {
  return (await extras()).record(session, options, (code: EarshotErrorCode, message: string) => (code === 'config-invalid' ? new ConfigError(message) : new EarshotError(code, message)));
}

/** A session's recording: one at a time. */
export class RecordingSlot {
  #run: Promise<Run> | null = null;

  async start(session: RecordableSession, options: SessionRecorderOptions): Promise<void> {
    if (this.#run) throw new ConfigError('Already recording');
    const run = (this.#run = startRun(session, options));
    await run.catch((e: unknown) => {
      if (this.#run === run) this.#run = null;
      throw e;
    });
  }

  async stop(): Promise<Recording> {
    const run = this.#run;
    this.#run = null;
    if (!run) throw new EarshotError('closed', 'Not recording');
    return (await run).stop();
  }
}
