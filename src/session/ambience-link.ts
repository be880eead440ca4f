import type { Mixer } from '../audio/mixer';
import type { ThinkingAudioConfig } from '../agent/agent';
import { extras } from '../lazy';
import type { Ambience, BackgroundAudioConfig } from './ambience';
import { resolveAudioSource } from './audio-source';
import type { AudioClock } from './session-audio';

/**
 * The session's background and thinking sounds. The player (ambience.ts) loads with the core's
 * extras on first use, so a session with neither carries no code for them; calls made while it
 * loads run in order once it has (a stop after a start still stops it).
 */
export class AmbienceLink {
  #player: Promise<Ambience> | null = null;
  readonly #mixer: Mixer;
  readonly #context: AudioClock;

  constructor(mixer: Mixer, context: AudioClock) {
    this.#mixer = mixer;
    this.#context = context;
  }

  #load(): Promise<Ambience> {
    return (this.#player ??= extras().then((m) => new m.Ambience(this.#mixer, (source) => resolveAudioSource(source, this.#context))));
  }

  /** Runs `f` on the player if it was ever asked for (else nothing plays: nothing to stop). */
  #then(f: (player: Ambience) => void): void {
    void this.#player?.then(f, () => {});
  }

  /** Rejects with AssetLoadError when the sound (or the player's code) cannot be loaded. */
  playBackground(config: BackgroundAudioConfig, overrideThinking?: boolean): Promise<void> {
    return this.#load().then((p) => p.playBackground(config, overrideThinking));
  }

  stopBackground(): void {
    this.#then((p) => p.stopBackground());
  }

  /** A thinking sound that cannot be loaded is skipped, as one that cannot be decoded. */
  startThinking(config: ThinkingAudioConfig | undefined): void {
    if (config) this.#load().then((p) => p.startThinking(config), () => {});
  }

  stopThinking(now?: boolean): void {
    this.#then((p) => p.stopThinking(now));
  }

  dispose(): void {
    this.#then((p) => p.dispose());
  }
}
