import { EarshotError } from '../errors';

/** `AudioContext.state`, plus iOS Safari's `interrupted` (phone call, Siri, another app's audio). */
export type AudioContextStateEx = AudioContextState | 'interrupted';

/**
 * Creates the one AudioContext Earshot uses, at the device's native rate: forcing
 * 16 kHz makes Firefox refuse to connect a mic stream at another rate. Resampling to
 * 16 kHz happens inside the capture worklet instead.
 */
export function createAudioContext(latencyHint: AudioContextLatencyCategory | number = 'interactive'): AudioContext {
  const Ctor = globalThis.AudioContext ?? (globalThis as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctor) throw new EarshotError('audio-unsupported', 'This browser has no Web Audio API');
  try {
    return new Ctor({ latencyHint });
  } catch (cause) {
    throw new EarshotError('audio-context-failed', 'Could not create an AudioContext', { cause });
  }
}

/** The context's state, including the non-standard `interrupted`. */
export function contextState(ctx: BaseAudioContext): AudioContextStateEx {
  return ctx.state as AudioContextStateEx;
}

/**
 * Resumes a suspended context. Browsers allow it only during a user gesture (autoplay
 * policy), so call it from a click or key handler. Resolves with the state reached;
 * never rejects for a refused resume, which leaves `suspended`. An `interrupted` context
 * (iOS) is left alone: resume() is refused until the interruption ends and can leave
 * WebKit's context `running` with a frozen clock (Web Audio issue 2392); the engine's
 * GestureUnlock resumes it once the interruption is over.
 */
export async function unlockAudioContext(ctx: AudioContext): Promise<AudioContextStateEx> {
  if (ctx.state === 'suspended') {
    // Safari can leave resume() pending while interrupted; don't wait forever for it.
    await Promise.race([ctx.resume().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
  }
  return contextState(ctx);
}
