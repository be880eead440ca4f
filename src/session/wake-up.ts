/**
 * The inactivity timer: after `seconds` of silence on both sides it calls `fire` once.
 * Unlike the original, it does not fire again on the silence after its own prompt:
 * it re-arms only once the user has spoken since (§2.11 of the seed's spec).
 */
export class WakeUpTimer {
  readonly #ms: number;
  readonly #fire: () => void;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #allowed = true;
  #disposed = false;

  constructor(seconds: number, fire: () => void) {
    this.#ms = seconds * 1000;
    this.#fire = fire;
  }

  /** Starts counting if the user has spoken since the last firing (or it never fired). */
  arm(): void {
    if (!this.#allowed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#allowed = false;
      this.#fire();
    }, this.#ms);
  }

  /** Stops counting (someone is talking or the agent works). */
  pause(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** User speech: the next silence may wake the user up again; counting restarts later. */
  userSpoke(): void {
    this.#allowed = !this.#disposed;
    this.pause();
  }

  dispose(): void {
    this.pause();
    this.#disposed = true;
    this.#allowed = false;
  }
}
