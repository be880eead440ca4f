/**
 * Earshot's own turn-taking for a realtime model (`turnDetection: 'local'`): the model's VAD
 * is off (`turn_detection: null`); Silero decides. Over the agent's voice, duck-then-confirm
 * (the cascade's {@link BargeInDetector}): the first speech frame ducks the voice, speech
 * lasting `minInterruptionMs` interrupts it (truncated at what was played), a blip releases
 * the duck and nothing is lost. At the end of the user's speech the client commits the
 * input buffer and asks for a response.
 */

import { dbToGain } from '../../audio/dsp/level';
import { BargeInDetector, DEFAULT_INTERRUPT_CONFIG, type InterruptConfig } from '../../turn/barge-in';
import type { RealtimeHost } from '../../session/realtime-hook';
import type { UtteranceHandle } from '../../agent/utterance-handle';

/** What local turns drive in the conductor. */
export interface LocalTurnTarget {
  readonly current: UtteranceHandle | null;
  interrupt(reason: 'barge_in'): void;
  /** The user's speech began (`at`: audio time, s); it interrupts nothing by itself. */
  userStarted(at: number): void;
  /** The user's turn ended: commit the buffer and answer. */
  userEnded(at: number): void;
}

/** Starts listening to the session's VAD; returns the function that stops it. */
export function localTurns(host: RealtimeHost, target: LocalTurnTarget, config: Partial<InterruptConfig> = {}): () => void {
  const c = { ...DEFAULT_INTERRUPT_CONFIG, mode: 'VAD_ONLY' as const, ...config };
  const vad = host.vad;
  const barge = new BargeInDetector(c, { positive: vad.options.positiveSpeechThreshold, negative: vad.options.negativeSpeechThreshold });
  /** The user's speech over the agent that has not (yet) interrupted it. */
  let overAgent = false;
  const offs = [
    vad.on('vad_frame', (f) => {
      const cur = target.current;
      const action = barge.update({ at: f.at, probability: f.probability, agentActive: cur !== null, interruptible: cur?.interruptible ?? false, user: true });
      if (action === 'duck') {
        host.audio.mixer.setGain('voice', dbToGain(c.duckDb), 5);
        host.hub.emit('interruption_suspected', { at: f.at });
      } else if (action === 'release') {
        host.audio.mixer.setGain('voice', 1, 30);
        host.hub.emit('interruption_cancelled', { at: f.at });
      } else if (action === 'confirm' && cur) {
        host.audio.mixer.setGain('voice', 1, 0); // the next answer plays at full level
        overAgent = false;
        target.interrupt('barge_in');
        target.userStarted(Math.max(0, f.at - c.minInterruptionMs / 1000));
      }
    }),
    vad.on('speech_started', (e) => {
      overAgent = target.current !== null;
      if (!overAgent) target.userStarted(e.at);
    }),
    vad.on('speech_ended', (e) => {
      // Speech that never interrupted the agent (a cough, "mm-hm") is not a turn.
      if (overAgent && target.current) return void (overAgent = false);
      overAgent = false;
      target.userEnded(e.at);
    }),
  ];
  return () => {
    for (const off of offs) off();
    barge.reset();
  };
}
