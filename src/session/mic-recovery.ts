import { EarshotError, type AnyEarshotError } from '../errors';
import type { EventHub } from '../events';
import { extras } from '../lazy';
import type { AgentSessionEvents } from './session-events';
import type { SessionAudio } from './session-audio';

/**
 * Reports a microphone that ended (unplugged, permission revoked) on the session and
 * recovers: the default device is opened in its place (`microphone_recovered`). If that
 * fails, an `error` (source `audio`, the `mic-*` code) is emitted and the session carries
 * on without input: the agent can still speak and `sendText()` still works; a later
 * `session.audio.microphone.open()` resumes listening. The recovery's code loads with the
 * core's extras when a mic ends. Returns the unsubscribe function.
 */
export function watchMicrophone(engine: SessionAudio, hub: EventHub<AgentSessionEvents>, closing: () => boolean): () => void {
  const fail = (err: unknown) => (err instanceof EarshotError ? err : new EarshotError('mic-failed', `The microphone ended and could not be reopened: ${String(err)}`, { cause: err })) as AnyEarshotError;
  return engine.on('microphone_ended', ({ deviceId, label }) => {
    if (closing()) return;
    hub.emit('microphone_ended', { deviceId, label });
    extras().then((m) => m.reopenMicrophone(engine, hub, closing, fail), (err: unknown) => hub.emit('error', { error: fail(err), source: 'audio' }));
  });
}
