import { EarshotError } from '../errors';
import type { EventHub } from '../events';
import type { AgentSessionEvents } from './session-events';
import type { SessionAudio } from './session-audio';

/**
 * Reports a microphone that ended (unplugged, permission revoked) on the session and
 * recovers: the default device is opened in its place (`microphone_recovered`). If that
 * fails, an `error` (source `audio`, the `mic-*` code) is emitted and the session carries
 * on without input: the agent can still speak and `sendText()` still works; a later
 * `session.audio.microphone.open()` resumes listening. Returns the unsubscribe function.
 */
export function watchMicrophone(engine: SessionAudio, hub: EventHub<AgentSessionEvents>, closing: () => boolean): () => void {
  return engine.on('microphone_ended', ({ deviceId, label }) => {
    if (closing()) return;
    hub.emit('microphone_ended', { deviceId, label });
    void (async () => {
      try {
        const mic = engine.microphone;
        await mic.open(''); // '': no deviceId constraint, i.e. the system default
        if (closing()) return;
        hub.emit('microphone_recovered', { deviceId: mic.deviceId, label: mic.track?.label ?? '' });
      } catch (err) {
        if (closing()) return;
        const error = err instanceof EarshotError ? err : new EarshotError('mic-failed', `The microphone ended and could not be reopened: ${String(err)}`, { cause: err });
        hub.emit('error', { error, source: 'audio' });
      }
    })();
  });
}
