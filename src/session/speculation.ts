import type { ChatItem, LLM, LLMChunk, LLMRequest, TTS, TTSRequest } from '../providers/types';
import type { Prefetch } from '../turn/prefetch';
import { SentenceChunker, stripMarkdown } from '../turn/sentence-chunker';
import type { AnswerContext } from './streaming';

/** Items as the LLM sees them: ids and times left out. */
const shape = (items: readonly ChatItem[]) =>
  JSON.stringify(items.map((i) => (i.type === 'message' ? [i.role, i.content] : i.type === 'function_call' ? [i.name, i.arguments] : [i.callId, i.output])));

/**
 * Preemptive generation: the answer to `text` requested before the user's turn is over,
 * held in memory (nothing is played or written) until the turn is committed. The LLM's
 * stream and the first sentence's audio are recorded as they come; an adopting turn
 * replays them and then continues live.
 */
export class Speculation implements Prefetch {
  readonly text: string;
  readonly #abort = new AbortController();
  readonly #shape: string;
  readonly #tools: string;
  readonly #llm: Recording<LLMChunk>;
  #tts: { text: string; audio: Recording<Float32Array> } | null = null;
  #adopted = false;
  #llmTaken = false;
  #ttsTaken = false;

  constructor(text: string, ctx: AnswerContext) {
    this.text = text;
    const items: ChatItem[] = [...ctx.items, { type: 'message', id: 'preemptive', role: 'user', content: text, createdAt: Date.now() }];
    this.#shape = shape(items);
    this.#tools = ctx.tools.map((t) => t.name).join();
    // The same request the turn's first round makes (turn.ts): tools if there are any, else none.
    const tools = ctx.tools.length > 0;
    this.#llm = new Recording((signal) => ctx.llm.chat({ items, tools: [...ctx.tools], signal, ...(tools ? {} : { toolChoice: 'none' as const }) }), this.#abort.signal);
    void this.#firstSentence(ctx.tts);
  }

  llm(real: LLM): LLM {
    return {
      label: real.label,
      chat: (request: LLMRequest) => {
        if (!this.#adopted || this.#llmTaken || shape(request.items) !== this.#shape || request.tools.map((t) => t.name).join() !== this.#tools) return real.chat(request);
        this.#llmTaken = true;
        this.#follow(request.signal);
        return this.#llm.replay();
      },
    };
  }

  tts(real: TTS): TTS {
    return {
      label: real.label,
      sampleRate: real.sampleRate,
      synthesize: (request: TTSRequest) => {
        const held = this.#tts;
        if (!this.#adopted || this.#ttsTaken || !held || request.text !== held.text) return real.synthesize(request);
        this.#ttsTaken = true;
        this.#follow(request.signal);
        return held.audio.replay();
      },
    };
  }

  adopt(): void {
    if (!this.#abort.signal.aborted) this.#adopted = true;
  }

  discard(): void {
    // Once adopted, what was taken belongs to the turn (its signal aborts it); the rest goes.
    if (!this.#adopted || !this.#llmTaken) this.#abort.abort();
  }

  /** The answering turn's signal now governs the held requests. */
  #follow(signal: AbortSignal): void {
    if (signal.aborted) this.#abort.abort();
    else signal.addEventListener('abort', () => this.#abort.abort(), { once: true });
  }

  /** The TTS of the answer's first sentence, as the turn will ask for it (sentence-chunker.ts). */
  async #firstSentence(tts: TTS): Promise<void> {
    const chunker = new SentenceChunker();
    let first: string | undefined;
    try {
      for await (const chunk of this.#llm.replay()) {
        if (chunk.type === 'text') first = chunker.push(chunk.delta)[0];
        if (first) break;
      }
    } catch {
      return; // the turn will meet the same failure when it replays, and report it
    }
    first ??= chunker.flush()[0];
    const text = first && stripMarkdown(first).trim();
    if (!text || this.#abort.signal.aborted) return;
    this.#tts = { text, audio: new Recording((signal) => tts.synthesize({ text, signal }), this.#abort.signal) };
  }
}

/** A stream recorded as it arrives (started at once), replayable from the start. */
class Recording<T> {
  readonly #items: T[] = [];
  #done = false;
  #error: unknown = undefined;
  #waiters: (() => void)[] = [];

  constructor(open: (signal: AbortSignal) => AsyncIterable<T>, signal: AbortSignal) {
    void (async () => {
      try {
        for await (const item of open(signal)) {
          this.#items.push(item);
          this.#wake();
        }
      } catch (error) {
        this.#error = error;
      } finally {
        this.#done = true;
        this.#wake();
      }
    })();
  }

  async *replay(): AsyncGenerator<T> {
    for (let i = 0; ; ) {
      if (i < this.#items.length) {
        yield this.#items[i++]!;
        continue;
      }
      if (this.#done) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}
