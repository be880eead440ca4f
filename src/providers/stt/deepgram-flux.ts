/**
 * Deepgram Flux, `/v2/listen` (spec/protocols.md §12.2): the model decides turns itself.
 * TurnInfo StartOfTurn / Update / EagerEndOfTurn / TurnResumed / EndOfTurn map one to one
 * onto the stream's turn events. Flux has no KeepAlive or Finalize; CloseStream does not end
 * the open turn, so the stream ends it (`stream_end`) with the last Update's text.
 */

import { streamingUserInput } from '../../streaming/index';
import type { STTStream, STTStreamRequest, STTWord, StreamingSTT } from '../types';
import { DeepgramStream, listenURL, num, str, type DeepgramSocketOptions } from './deepgram-socket';

export interface DeepgramFluxSTTOptions extends DeepgramSocketOptions {
  /** Default `flux-general-en`. */
  model?: string;
  /** End-of-turn confidence (0.5–0.9) that ends a turn. Default: Deepgram's (0.7). */
  eotThreshold?: number;
  /** Confidence (0.3–0.9) for `eager_end_of_turn`; unset: no eager events. */
  eagerEotThreshold?: number;
  /** ms of silence after which a turn ends whatever the confidence. Default: Deepgram's (5000). */
  eotTimeoutMs?: number;
  /** More query parameters, as Deepgram names them (`keyterm`, …). */
  query?: Record<string, string | number | boolean>;
}

/** Deepgram Flux over one WebSocket per `stream()`. Audio: mono float frames at `sampleRate` (16 kHz), sent as linear16. */
export class DeepgramFluxSTT implements StreamingSTT {
  readonly label: string;
  readonly sampleRate: number;
  /** How a session listens with it (`earshot/streaming`). */
  readonly userInput = streamingUserInput;
  private readonly options: DeepgramFluxSTTOptions;

  constructor(options: DeepgramFluxSTTOptions = {}) {
    this.options = options;
    this.label = `deepgram:${options.model ?? 'flux-general-en'}`;
    this.sampleRate = options.sampleRate ?? 16000;
  }

  /** As {@link DeepgramSTT.stream}; the request's `language` is not sent (the model names it). */
  stream(request: STTStreamRequest): STTStream {
    const o = this.options;
    const url = listenURL(o.baseURL, '/v2/listen', {
      model: o.model ?? 'flux-general-en',
      encoding: 'linear16',
      sample_rate: this.sampleRate,
      eot_threshold: o.eotThreshold,
      eager_eot_threshold: o.eagerEotThreshold,
      eot_timeout_ms: o.eotTimeoutMs,
      ...o.query,
    });
    return new FluxStream(this.label, url, o, request);
  }
}

class FluxStream extends DeepgramStream {
  protected readonly keepAliveMs = 0;
  /** Turns ended before the current socket opened: its turn_index counts from there. */
  private base = 0;
  private ended = 0;
  private open: number | undefined;
  private last: { text: string; words: STTWord[] } = { text: '', words: [] };

  protected onConnection(): void {
    // A turn open at a reconnect is heard again from its start (its audio is resent).
    this.base = this.ended;
  }

  protected onMessage(msg: Record<string, unknown>): void {
    if (msg.type === 'Error') throw this.protocolError(`error message: ${str(msg.description) || str(msg.code) || JSON.stringify(msg).slice(0, 120)}`);
    if (msg.type !== 'TurnInfo') return; // Connected, and types added later
    const index = num(msg.turn_index);
    if (index === undefined) throw this.protocolError('TurnInfo without turn_index');
    const turn = this.base + index;
    const text = str(msg.transcript).trim();
    const words = this.words(msg.words, false);
    if (this.open !== turn) {
      this.open = turn;
      const start = num(msg.audio_window_start);
      if (start !== undefined) this.settle(start); // the silence before the turn
      this.emit({ type: 'start_of_turn', turn });
    }
    switch (msg.event) {
      case 'Update':
        this.last = { text, words };
        return this.emit({ type: 'interim', turn, text, words });
      case 'EagerEndOfTurn':
        this.last = { text, words };
        return this.emit({ type: 'eager_end_of_turn', turn, text, words });
      case 'TurnResumed':
        return this.emit({ type: 'turn_resumed', turn });
      case 'EndOfTurn': {
        const end = num(msg.audio_window_end);
        if (end !== undefined) this.settle(end);
        this.emit({ type: 'end_of_turn', turn, text, words, reason: 'endpoint' });
        this.open = undefined;
        this.ended = turn + 1;
        this.last = { text: '', words: [] };
        return;
      }
      default:
        return; // StartOfTurn (handled above)
    }
  }

  protected onEnd(): void {
    if (this.open !== undefined) this.emit({ type: 'end_of_turn', turn: this.open, ...this.last, reason: 'stream_end' });
  }

  protected sendFinalize(): boolean {
    return false;
  }

  protected override expectsResults(): boolean {
    return this.open !== undefined; // between turns Flux says nothing, however long the silence
  }
}
