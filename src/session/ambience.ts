import type { Mixer } from '../audio/mixer';
import type { ThinkingAudioConfig } from '../agent/agent';
import type { AudioSource } from './audio-source';

/** Background sound (office noise, music) under the conversation. */
export interface BackgroundAudioConfig {
  source: AudioSource;
  /** Linear gain, default 1. */
  volume?: number;
  /** Default true. */
  loop?: boolean;
}

/** Decodes a source at the context's rate (the core's `resolveAudioSource`: this file imports no values). */
type Resolve = (source: AudioSource) => Promise<{ samples: Float32Array; sampleRate: number }>;

/**
 * Background and thinking sounds, loaded with the core's extras on first use (AmbienceLink
 * in ambience-link.ts is what the session holds). Background plays on its own bus (ducked under the
 * voice); thinking sounds on the `thinking` bus, never in the speech buffer. Starting
 * background audio again replaces the previous player: none is ever orphaned.
 */
export class Ambience {
  readonly #mixer: Mixer;
  readonly #resolve: Resolve;
  #backgroundId: number | null = null;
  #backgroundToken = 0;
  #overrideThinking = false;
  #thinking: { id: number | null; startedAt: number; delay: ReturnType<typeof setTimeout> | null; token: number } | null = null;
  #thinkingToken = 0;

  constructor(mixer: Mixer, resolve: Resolve) {
    this.#mixer = mixer;
    this.#resolve = resolve;
  }

  /**
   * Plays background audio, replacing any that plays. With `overrideThinking` false
   * (default), thinking sounds are suppressed while it plays.
   */
  async playBackground(config: BackgroundAudioConfig, overrideThinking = false): Promise<void> {
    const token = ++this.#backgroundToken;
    this.stopBackground();
    this.#backgroundToken = token;
    const audio = await this.#resolve(config.source);
    if (token !== this.#backgroundToken) return; // replaced or stopped while loading
    this.#overrideThinking = overrideThinking;
    if (!overrideThinking) this.stopThinking(true);
    this.#mixer.setGain('background', config.volume ?? 1, 0);
    this.#backgroundId = this.#mixer.play(audio, { bus: 'background', loop: config.loop ?? true }).id;
  }

  stopBackground(): void {
    this.#backgroundToken++;
    if (this.#backgroundId !== null) this.#mixer.stop(this.#backgroundId);
    this.#backgroundId = null;
    this.#overrideThinking = false;
  }

  /**
   * Starts the thinking sound after `delayMs` unless stopped before (a fast reply gets
   * no blip). Does nothing if background audio plays without `overrideThinking`.
   */
  startThinking(config: ThinkingAudioConfig | undefined): void {
    if (!config || this.#thinking) return;
    if (this.#backgroundId !== null && !this.#overrideThinking) return;
    const token = ++this.#thinkingToken;
    const state = { id: null as number | null, startedAt: 0, delay: null as ReturnType<typeof setTimeout> | null, token };
    this.#thinking = state;
    state.delay = setTimeout(async () => {
      state.delay = null;
      const audio = await this.#resolve(config.source).catch(() => null);
      if (!audio || this.#thinking !== state) return;
      this.#mixer.setGain('thinking', config.volume ?? 0.3, 0);
      state.id = this.#mixer.play(audio, { bus: 'thinking', loop: true }).id;
      state.startedAt = performance.now();
    }, config.delayMs ?? 250);
    this.#minPlayMs = config.minPlayMs ?? 600;
  }

  #minPlayMs = 600;

  /** Stops the thinking sound, after its minimum play time unless `now`. */
  stopThinking(now = false): void {
    const state = this.#thinking;
    if (!state) return;
    this.#thinking = null;
    if (state.delay) clearTimeout(state.delay);
    if (state.id === null) return;
    const id = state.id;
    const left = now ? 0 : this.#minPlayMs - (performance.now() - state.startedAt);
    if (left <= 0) this.#mixer.stop(id);
    else setTimeout(() => this.#mixer.stop(id), left);
  }

  dispose(): void {
    this.stopThinking(true);
    this.stopBackground();
  }
}
