/**
 * Text pushed as it is generated, read as an async iterable (a socket TTS's `stream()`
 * input). `end()` finishes it; pieces pushed after `end()` are dropped.
 */
export class TextQueue implements AsyncIterable<string> {
  readonly #pieces: string[] = [];
  #ended = false;
  #wake: (() => void) | null = null;

  push(piece: string): void {
    if (this.#ended || !piece) return;
    this.#pieces.push(piece);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      const piece = this.#pieces.shift();
      if (piece !== undefined) yield piece;
      else if (this.#ended) return;
      else {
        await new Promise<void>((r) => (this.#wake = r));
        this.#wake = null;
      }
    }
  }
}

/** The label of whoever served `request`: a fallback chain's serving member, else `provider`'s own. */
export function servedBy(provider: { readonly label: string }, request: unknown): string {
  const last = (provider as { lastServed?: { label: string; request: unknown } }).lastServed;
  return last && last.request === request ? last.label : provider.label;
}
