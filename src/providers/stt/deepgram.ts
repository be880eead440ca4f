/**
 * Deepgram live transcription, `/v1/listen` (Nova), spec/protocols.md §5. Results become
 * `interim` / `final` events; the turn ends at `speech_final` (endpointing), at an
 * `UtteranceEnd` after finals, after `finalize()`, or when the audio ends.
 */

import { streamingUserInput } from '../../streaming/index';
import type { STTStream, STTStreamRequest, STTWord, StreamingSTT } from '../types';
import { DeepgramStream, listenURL, num, str, type DeepgramSocketOptions } from './deepgram-socket';

export interface DeepgramSTTOptions extends DeepgramSocketOptions {
  /** Default `nova-3`. */
  model?: string;
  /** ISO-639-1 (or `multi`); a request's `language` wins. Default: the model's. */
  language?: string;
  /** Interim results while a segment is spoken. Default true. */
  interimResults?: boolean;
  /** ms of silence that ends an utterance (`speech_final`), or false. Default 300. */
  endpointingMs?: number | false;
  /** ms of word gap for `UtteranceEnd` (needs interim results), or false. Default 1000. */
  utteranceEndMs?: number | false;
  /** `SpeechStarted` messages (start the turn early). Default true. */
  vadEvents?: boolean;
  /** Punctuation, casing, numerals. Default true. */
  smartFormat?: boolean;
  /** ms without audio before a KeepAlive (Deepgram closes after 10 s of nothing). Default 4000. */
  keepAliveMs?: number;
  /** More query parameters, as Deepgram names them (`keyterm`, `diarize`, …). */
  query?: Record<string, string | number | boolean>;
}

/** Deepgram Nova over one WebSocket per `stream()`. Audio: mono float frames at `sampleRate` (16 kHz), sent as linear16. */
export class DeepgramSTT implements StreamingSTT {
  readonly label: string;
  readonly sampleRate: number;
  /** How a session listens with it (`earshot/streaming`). */
  readonly userInput = streamingUserInput;
  private readonly options: DeepgramSTTOptions;

  constructor(options: DeepgramSTTOptions = {}) {
    this.options = options;
    this.label = `deepgram:${options.model ?? 'nova-3'}`;
    this.sampleRate = options.sampleRate ?? 16000;
  }

  /**
   * Opens the socket when iterated. Faults end it with a ProviderError: `provider-auth` (a
   * refused handshake where the status is visible; in a page it is `provider-network`),
   * `provider-timeout` (connect or stall limit), `provider-protocol` (a malformed frame),
   * `provider-server` / `provider-network` (a close that a reconnect did not mend). `status`
   * is the HTTP status of a refused handshake when visible, else the socket's close code.
   */
  stream(request: STTStreamRequest): STTStream {
    const o = this.options;
    const interim = o.interimResults ?? true;
    const utteranceEnd = o.utteranceEndMs ?? 1000;
    const url = listenURL(o.baseURL, '/v1/listen', {
      model: o.model ?? 'nova-3',
      language: request.language ?? o.language,
      encoding: 'linear16',
      sample_rate: this.sampleRate,
      channels: 1,
      interim_results: interim,
      endpointing: o.endpointingMs ?? 300,
      // Deepgram refuses utterance_end_ms without interim results.
      utterance_end_ms: interim && utteranceEnd !== false ? utteranceEnd : undefined,
      vad_events: o.vadEvents ?? true,
      smart_format: o.smartFormat ?? true,
      ...o.query,
    });
    return new NovaStream(this.label, url, o, request, o.smartFormat ?? true);
  }
}

class NovaStream extends DeepgramStream {
  protected readonly keepAliveMs: number;
  private readonly punctuated: boolean;
  private turn = 0;
  private inTurn = false;
  private finals: { text: string; words: STTWord[] }[] = [];
  /** An UtteranceEnd came before the turn's last final: that final ends it. */
  private endOnFinal = false;

  constructor(label: string, url: string, options: DeepgramSTTOptions, request: STTStreamRequest, punctuated: boolean) {
    super(label, url, options, request);
    this.keepAliveMs = options.keepAliveMs ?? 4000;
    this.punctuated = punctuated;
  }

  protected onConnection(): void {
    // Unsettled audio is resent, so its interim results come again; settled finals stay.
  }

  protected onMessage(msg: Record<string, unknown>): void {
    switch (msg.type) {
      case 'Results':
        return this.results(msg);
      case 'SpeechStarted':
        return this.startTurn();
      case 'UtteranceEnd': {
        const last = num(msg.last_word_end);
        this.emit({ type: 'utterance_end', lastWordEnd: last !== undefined && last >= 0 ? this.streamTime(last) : undefined });
        if (this.inTurn && this.finals.length) this.endTurn('utterance_end');
        else if (this.inTurn) this.endOnFinal = true;
        return;
      }
      default:
        return; // Metadata (the close follows), and types added later
    }
  }

  protected onEnd(): void {
    if (this.inTurn) this.endTurn('stream_end');
  }

  protected sendFinalize(send: (msg: object) => void): boolean {
    send({ type: 'Finalize' });
    return true;
  }

  private results(msg: Record<string, unknown>): void {
    const channel = msg.channel as { alternatives?: unknown } | undefined;
    const alt = Array.isArray(channel?.alternatives) ? (channel.alternatives[0] as Record<string, unknown> | undefined) : undefined;
    if (!alt) throw this.protocolError('Results without channel.alternatives');
    const text = str(alt.transcript).trim();
    const words = this.words(alt.words, this.punctuated);
    if (text && !this.inTurn) this.startTurn();
    if (msg.is_final !== true) {
      if (this.inTurn) this.emit({ type: 'interim', turn: this.turn, ...this.turnSoFar(text, words) });
      return;
    }
    if (msg.from_finalize === true) this.finalized();
    const start = num(msg.start);
    const duration = num(msg.duration);
    if (start !== undefined && duration !== undefined) this.settle(start + duration);
    if (text) {
      this.finals.push({ text, words });
      this.emit({ type: 'final', turn: this.turn, text, words });
    }
    if (!this.inTurn) return;
    if (msg.speech_final === true) this.endTurn('endpoint');
    else if (msg.from_finalize === true) this.endTurn('finalize');
    else if (this.endOnFinal && text) this.endTurn('utterance_end');
  }

  private turnSoFar(text = '', words: STTWord[] = []): { text: string; words: STTWord[] } {
    return {
      text: [...this.finals.map((f) => f.text), text].filter(Boolean).join(' '),
      words: [...this.finals.flatMap((f) => f.words), ...words],
    };
  }

  private startTurn(): void {
    if (this.inTurn) return;
    this.inTurn = true;
    this.emit({ type: 'start_of_turn', turn: this.turn });
  }

  private endTurn(reason: 'endpoint' | 'utterance_end' | 'finalize' | 'stream_end'): void {
    this.emit({ type: 'end_of_turn', turn: this.turn, ...this.turnSoFar(), reason });
    this.turn++;
    this.inTurn = false;
    this.finals = [];
    this.endOnFinal = false;
  }
}
