// The microphone's recovery (see mic-recovery.ts), loaded with the core's extras when a mic
// ends. It imports no values: the session's error comes from the caller's `fail`.
import type { AnyEarshotError } from '../errors';
import type { EventHub } from '../events';
import type { AgentSessionEvents } from './session-events';
import type { SessionAudio } from './session-audio';

/** Opens the system's default device in place of the one that ended; reports the outcome on `hub`. */
export async function reopenMicrophone(engine: SessionAudio, hub: EventHub<AgentSessionEvents>, closing: () => boolean, fail: (err: unknown) => AnyEarshotError): Promise<void> {
  try {
    const mic = engine.microphone;
    await mic.open(''); // '': no deviceId constraint, i.e. the system default
    if (closing()) return;
    hub.emit('microphone_recovered', { deviceId: mic.deviceId, label: mic.track?.label ?? '' });
  } catch (err) {
    if (!closing()) hub.emit('error', { error: fail(err), source: 'audio' });
  }
}
