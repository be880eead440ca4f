import mitt, { type EventType } from 'mitt';

type Handler = (payload: unknown) => void;

/**
 * A typed event emitter over mitt: one payload per event, names from the map only. `E` is an
 * interface or type of event name → payload with no index signature, so a misspelled name
 * does not compile.
 */
export interface Emitter<E extends object> {
  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof E>(type: K, handler: (payload: E[K]) => void): () => void;
  /** Subscribes for one delivery only; returns the function that unsubscribes. */
  once<K extends keyof E>(type: K, handler: (payload: E[K]) => void): () => void;
  off<K extends keyof E>(type: K, handler: (payload: E[K]) => void): void;
}

/**
 * The owner's side of an {@link Emitter}. A listener that throws is reported to
 * `onListenerError` (default: `console.error`) and does not stop the other listeners
 * nor the code that emitted: a page's bug must not break the audio pipeline.
 */
export class EventHub<E extends object> implements Emitter<E> {
  // Untyped inside: the public methods take names and payloads from `E` only.
  readonly #mitt = mitt<Record<EventType, unknown>>();
  readonly #onListenerError: (err: unknown) => void;

  constructor(onListenerError: (err: unknown) => void = (err) => console.error('[earshot] listener threw', err)) {
    this.#onListenerError = onListenerError;
  }

  on<K extends keyof E>(type: K, handler: (payload: E[K]) => void): () => void {
    const safe = this.#guard(handler);
    this.#mitt.on(type as EventType, safe as Handler);
    // Wrappers are kept per handler *and* event, so `off(type, handler)` finds the one
    // registered for that event even when the same handler listens to several.
    let byType = this.#wrapped.get(handler as Handler);
    if (!byType) this.#wrapped.set(handler as Handler, (byType = new Map()));
    const list = byType.get(type) ?? [];
    byType.set(type, list);
    list.push(safe as Handler);
    return () => {
      this.#mitt.off(type as EventType, safe as Handler);
      const i = list.indexOf(safe as Handler);
      if (i >= 0) list.splice(i, 1);
    };
  }

  once<K extends keyof E>(type: K, handler: (payload: E[K]) => void): () => void {
    const off = this.on(type, (payload) => {
      off();
      handler(payload);
    });
    return off;
  }

  off<K extends keyof E>(type: K, handler: (payload: E[K]) => void): void {
    const safe = this.#wrapped.get(handler as Handler)?.get(type)?.shift();
    if (safe) this.#mitt.off(type as EventType, safe);
  }

  emit<K extends keyof E>(type: K, payload: E[K]): void {
    this.#mitt.emit(type as EventType, payload);
  }

  /** Drops every listener (used by `close()`). */
  clear(): void {
    this.#mitt.all.clear();
  }

  readonly #wrapped = new WeakMap<Handler, Map<keyof E, Handler[]>>();

  #guard<T>(handler: (payload: T) => void): (payload: T) => void {
    return (payload: T) => {
      try {
        handler(payload);
      } catch (err) {
        this.#onListenerError(err);
      }
    };
  }
}
