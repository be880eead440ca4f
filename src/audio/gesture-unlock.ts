import { contextState } from './context';

/** The events that carry user activation in every engine (touchend: iOS Safari's tap). */
const GESTURES = ['pointerdown', 'pointerup', 'touchend', 'keydown', 'click'] as const;

/**
 * Keeps the AudioContext and the output `<audio>` element playing under autoplay
 * policies and iOS audio interruptions. Safari's known pain, handled where it happens:
 *
 * - Autoplay (WebKit's policy, webkit.org/blog/6784 and /7734): `AudioContext.resume()`
 *   and `HTMLMediaElement.play()` only start audio when called during a user gesture,
 *   and on iOS an element unlocked that way stays playable. {@link kick} calls both
 *   synchronously, so `start()` called from a click handler unlocks before its first
 *   `await` ends the gesture's activation.
 * - No gesture (start() called from a timer, or the gesture expired): one-time gesture
 *   listeners on the document retry on the user's next tap or key, then remove themselves.
 * - `interrupted` (iOS: a phone call, Siri, another app's audio; Web Audio issue 2392):
 *   `resume()` is refused while interrupted and, called then, can leave WebKit's context
 *   `running` with a frozen clock, so it is not called. When the interruption ends, iOS
 *   returns the context to `running` itself, or to `suspended`: then resume() is tried
 *   at once and, if refused for want of a gesture, on the next gesture.
 */
export class GestureUnlock {
  readonly #ctx: AudioContext;
  readonly #element: HTMLAudioElement;
  readonly #doc: Document | undefined;
  #armed = false;
  #disposed = false;
  #wasRunning = false;

  constructor(ctx: AudioContext, element: HTMLAudioElement) {
    this.#ctx = ctx;
    this.#element = element;
    this.#doc = typeof document === 'undefined' ? undefined : document;
    ctx.addEventListener('statechange', this.#onStateChange);
  }

  /** True while waiting for a gesture to resume audio. */
  get waitingForGesture(): boolean {
    return this.#armed;
  }

  /** Resumes the context and plays the element now. Call synchronously inside the gesture's handler. */
  kick(): void {
    if (this.#disposed) return;
    const state = contextState(this.#ctx);
    if (state === 'suspended') void this.#ctx.resume().catch(() => undefined);
    if (this.#element.paused && this.#element.srcObject) void this.#element.play().catch(() => undefined);
  }

  /** After start: if audio is still not running (no gesture), waits for the user's next one. */
  armIfNeeded(): void {
    if (this.#disposed) return;
    if (this.#ctx.state !== 'running' || (this.#element.paused && this.#element.srcObject)) this.#arm();
  }

  /** Removes every listener. Idempotent. */
  dispose(): void {
    this.#disposed = true;
    this.#disarm();
    this.#ctx.removeEventListener('statechange', this.#onStateChange);
  }

  readonly #onStateChange = (): void => {
    const state = contextState(this.#ctx);
    if (state === 'running') {
      this.#wasRunning = true;
      if (!this.#element.paused || !this.#element.srcObject) this.#disarm();
      else this.kick();
      return;
    }
    if (state === 'interrupted') {
      this.#arm(); // no resume() now; the next gesture after the interruption resumes
      return;
    }
    if (state === 'suspended' && this.#wasRunning) {
      // An interruption ended into `suspended` (or the system suspended us): try now, then on a gesture.
      this.kick();
      this.#arm();
    }
  };

  readonly #onGesture = (): void => {
    if (contextState(this.#ctx) === 'interrupted') return; // still refused: keep waiting
    this.kick();
    // Listeners go once audio runs (statechange), or now if it already does.
    if (this.#ctx.state === 'running' && !this.#element.paused) this.#disarm();
  };

  #arm(): void {
    if (this.#armed || this.#disposed || !this.#doc) return;
    this.#armed = true;
    for (const type of GESTURES) this.#doc.addEventListener(type, this.#onGesture, { capture: true, passive: true });
  }

  #disarm(): void {
    if (!this.#armed || !this.#doc) return;
    this.#armed = false;
    for (const type of GESTURES) this.#doc.removeEventListener(type, this.#onGesture, { capture: true });
  }
}
