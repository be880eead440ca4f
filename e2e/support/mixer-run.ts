import type { Page } from '@playwright/test';

/** Output recorded from the mixer, as plain numbers so it crosses into Node. */
export interface Recording {
  sampleRate: number;
  /** Context frame of samples[0]. */
  firstFrame: number;
  samples: number[];
}

/** Injected into the page: starts an engine and a tap, exposes helpers on window.T. */
export async function startMixerPage(page: Page, mixerOptions: Record<string, unknown> = {}): Promise<number> {
  return page.evaluate(async (mixerOptions) => {
    const { AudioEngine } = (window as any).E;
    const engine = new AudioEngine({ mixer: mixerOptions });
    await engine.start();
    const blocks: { frame: number; samples: Float32Array }[] = [];
    const stopTap = await engine.tapOutput((b: any) => blocks.push(b));
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const sine = (rate: number, hz: number, amp: number, seconds: number) => {
      const out = new Float32Array(Math.round(rate * seconds));
      for (let i = 0; i < out.length; i++) out[i] = amp * Math.sin((2 * Math.PI * hz * i) / rate);
      return out;
    };
    const recording = () => {
      stopTap();
      const total = blocks.reduce((n, b) => n + b.samples.length, 0);
      const all = new Float32Array(total);
      let at = 0;
      for (const b of blocks) {
        all.set(b.samples, at);
        at += b.samples.length;
      }
      return { sampleRate: engine.context.sampleRate, firstFrame: blocks[0]?.frame ?? 0, samples: Array.from(all) };
    };
    (window as any).T = { engine, sleep, sine, recording };
    return engine.context.sampleRate as number;
  }, mixerOptions);
}
