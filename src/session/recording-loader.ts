// `session.startRecording()`: the recording (src/observe/recording.ts, no core values) loads
// with the core's extras on first use, so the core carries only this call.
import { ConfigError, EarshotError, type EarshotErrorCode } from '../errors';
import { extras } from '../lazy';
import type { RecordableSession, Run, SessionRecorderOptions } from '../observe/recording';

/** Starts a recording of `session`; its errors are the core's classes (the module makes them through `fail`). */
export async function startRun(session: RecordableSession, options: SessionRecorderOptions): Promise<Run> {
  return (await extras()).record(session, options, (code: EarshotErrorCode, message: string) => (code === 'config-invalid' ? new ConfigError(message) : new EarshotError(code, message)));
}
