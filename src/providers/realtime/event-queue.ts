import type { ProviderError } from '../errors';
import type { RealtimeEvent } from './realtime-socket';

type Item = { event: RealtimeEvent } | { error: ProviderError } | { end: true };

/**
 * A realtime link's server events, read once as an async iterable: the socket and the WebRTC
 * data channel push into it. An error or the end closes it (later pushes are dropped); the
 * reader gets the events queued before, then the error thrown or the end.
 */
export class EventQueue {
  readonly #items: Item[] = [];
  #wake: (() => void) | undefined;
  #done = false;

  /** True once an error or the end was pushed. */
  get done(): boolean {
    return this.#done;
  }

  push(item: Item): void {
    if (this.#done) return;
    if (!('event' in item)) this.#done = true;
    this.#items.push(item);
    this.#wake?.();
    this.#wake = undefined;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RealtimeEvent> {
    for (;;) {
      const item = this.#items.shift();
      if (!item) {
        if (this.#done) return;
        await new Promise<void>((r) => (this.#wake = r));
        continue;
      }
      if ('end' in item) return;
      if ('error' in item) throw item.error;
      yield item.event;
    }
  }
}
