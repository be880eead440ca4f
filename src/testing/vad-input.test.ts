import { describe, expect, it } from 'vitest';
import { EventHub } from '../events';
import type { VadEvents } from '../vad/silero-vad';
import { recordVadInput } from './vad-input';

/** A stand-in with SileroVAD's `on` and `tapAudio`: frames are emitted by the test. */
function fakeVad() {
  const hub = new EventHub<VadEvents>();
  const taps: boolean[] = [];
  return { hub, taps, on: hub.on.bind(hub), tapAudio: (on: boolean) => void taps.push(on) };
}

const frame = (value: number) => new Float32Array(512).fill(value);

describe('recordVadInput', () => {
  it('turns the tap on and places each frame at its audio time; a missing frame is silence', () => {
    const vad = fakeVad();
    const rec = recordVadInput(vad);
    expect(vad.taps).toEqual([true]);
    vad.hub.emit('vad_audio', { at: 0, samples: frame(0.1) });
    vad.hub.emit('vad_audio', { at: 0.064, samples: frame(0.3) }); // frame 1 never arrives
    vad.hub.emit('vad_audio', { at: 0.096, samples: frame(0.4) });
    const x = rec.samples();
    expect(rec.frames).toBe(3);
    expect(x.length).toBe(4 * 512);
    expect([x[0], x[511], x[512], x[1023], x[1024], x[2047]].map((v) => +v!.toFixed(3))).toEqual([0.1, 0.1, 0, 0, 0.3, 0.4]);
  });

  it('stop() keeps what was recorded and ignores later frames', () => {
    const vad = fakeVad();
    const rec = recordVadInput(vad);
    vad.hub.emit('vad_audio', { at: 0, samples: frame(0.2) });
    rec.stop();
    vad.hub.emit('vad_audio', { at: 0.032, samples: frame(0.5) });
    expect(rec.frames).toBe(1);
    expect(rec.samples().length).toBe(512);
  });
});
