/**
 * The inactivity timer: after `seconds` of silence on both sides it calls `fire` once.
 * Unlike the original, it does not fire again on the silence after its own prompt:
 * it re-arms only once the user has spoken since (§2.11 of the seed's spec).
 */
export class WakeUpTimer {
  readonly #ms: number;
  readonly #fire: () => void;
  readonly #quiet: () => boolean;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #allowed = true;
  #disposed = false;

  /** @param quiet Nobody talks and nothing runs: checked when arming and again when firing (else it waits for the next arm). */
  constructor(seconds: number, fire: () => void, quiet: () => boolean = () => true) {
    this.#ms = seconds * 1000;
    this.#fire = fire;
    this.#quiet = quiet;
  }

  /** Starts counting if quiet and the user has spoken since the last firing (or it never fired). */
  arm(): void {
    if (!this.#allowed || this.#timer || !this.#quiet()) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (!this.#quiet()) return;
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
