import type { Page } from '@playwright/test';

export interface VadRun {
  started: { at: number; confirmedAt: number }[];
  ended: { at: number; startedAt: number; lastSpeechAt: number; audioSec: number }[];
  misfired: number;
  frames: number;
  inferenceMs: number[];
  sampleRate: number;
  redemptionMs: number;
  /** The VAD's input (16 kHz, from audio time 0) as 16-bit integers: see received-speech.mjs. */
  received: number[];
}

/**
 * Starts an AudioEngine and a SileroVAD in the page and records VAD events until
 * `untilAudioSec` of audio time has been processed.
 */
export async function runVad(page: Page, untilAudioSec: number, options: Record<string, unknown> = {}, keepOpen = false): Promise<VadRun> {
  return page.evaluate(
    async ({ untilAudioSec, options, keepOpen }) => {
      const { AudioEngine, SileroVAD } = (window as any).E;
      const engine = new AudioEngine();
      const vad = new SileroVAD(options);
      const run: any = { started: [], ended: [], misfired: 0, frames: 0, inferenceMs: [], redemptionMs: 0, sampleRate: 0 };
      const input = (window as any).Testing.recordVadInput(vad);
      vad.on('speech_started', (e: any) => run.started.push(e));
      vad.on('speech_ended', (e: any) =>
        run.ended.push({ at: e.at, startedAt: e.startedAt, lastSpeechAt: e.lastSpeechAt, audioSec: e.audio.length / 16000 }),
      );
      vad.on('speech_misfired', () => run.misfired++);
      try {
        await engine.start();
        run.sampleRate = engine.context.sampleRate;
        await new Promise<void>((resolve, reject) => {
          vad.on('vad_frame', (e: any) => {
            run.frames++;
            run.inferenceMs.push(e.inferenceMs);
            if (e.at >= untilAudioSec) resolve();
          });
          vad.on('error', (e: any) => reject(e.error));
          vad.start(engine).catch(reject);
        });
        run.redemptionMs = vad.options.redemptionMs;
        run.received = Array.from(input.samples() as Float32Array, (v) => Math.round(v * 32767));
        return run;
      } finally {
        if (keepOpen) (window as any).open_ = { vad, engine };
        else {
          vad.close();
          engine.close();
        }
      }
    },
    { untilAudioSec, options, keepOpen },
  );
}
