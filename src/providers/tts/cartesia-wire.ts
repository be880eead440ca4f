/**
 * Cartesia's WebSocket messages (see cartesia.ts): a module of its own so the TTS audio
 * worker, which speaks them off the main thread, loads them without the provider.
 */

import { ProviderError, type ProviderErrorCode } from '../errors';
import type { CartesiaTTSOptions } from './cartesia';
import { base64Bytes, socketURL, type TTSFrame, type TTSWire } from './socket-link';

function statusCode(status: number | undefined): ProviderErrorCode {
  if (status === 401 || status === 403) return 'provider-auth';
  if (status === 402) return 'provider-quota';
  if (status === 429) return 'provider-rate-limited';
  if (status !== undefined && status >= 500) return 'provider-server';
  return 'provider-bad-request';
}

export class CartesiaWire implements TTSWire {
  readonly label: string;
  readonly #o: CartesiaTTSOptions;
  readonly #request: Record<string, unknown>;

  constructor(o: CartesiaTTSOptions, label: string, rate: number) {
    this.#o = o;
    this.label = label;
    // Every request of a context must repeat these unchanged.
    this.#request = {
      model_id: o.modelId ?? 'sonic-3',
      voice: { mode: 'id', id: o.voiceId },
      output_format: { container: 'raw', encoding: o.encoding ?? 'pcm_s16le', sample_rate: rate },
      language: o.language ?? 'en',
      add_timestamps: true,
      ...(o.generationConfig ? { generation_config: o.generationConfig } : {}),
      ...(o.maxBufferDelayMs !== undefined ? { max_buffer_delay_ms: o.maxBufferDelayMs } : {}),
    };
  }

  url(credential: { token?: string; apiKey?: string }): string {
    return socketURL(this.#o.baseURL ?? 'wss://api.cartesia.ai', '/tts/websocket', {
      cartesia_version: this.#o.version ?? '2025-11-04',
      access_token: credential.token,
      api_key: credential.apiKey,
    });
  }

  text(context_id: string, transcript: string, _first: boolean, last: boolean): object[] {
    return [{ ...this.#request, context_id, transcript, continue: !last }];
  }

  cancel(context_id: string): object {
    return { context_id, cancel: true };
  }

  parse(msg: Record<string, unknown>): TTSFrame[] {
    const context = typeof msg.context_id === 'string' ? msg.context_id : undefined;
    const type = msg.type;
    if (type === 'error') {
      const status = typeof msg.status_code === 'number' ? msg.status_code : undefined;
      const text = [msg.title, msg.message, msg.error].filter((x) => typeof x === 'string' && x).join(': ') || 'unknown error';
      const code = statusCode(status);
      const error = new ProviderError(code, this.label, `server error${status ? ` ${status}` : ''}: ${text}`, { ...(status ? { status } : {}), retryable: code === 'provider-rate-limited' || code === 'provider-server' });
      return [{ kind: 'error', error, ...(context !== undefined ? { context } : {}) }];
    }
    if (context === undefined) return type === 'chunk' ? [] : [{ kind: 'ignore' }];
    if (type === 'chunk') {
      if (typeof msg.data !== 'string') throw new ProviderError('provider-protocol', this.label, 'a chunk without data');
      let bytes: Uint8Array;
      try {
        bytes = base64Bytes(msg.data);
      } catch {
        throw new ProviderError('provider-protocol', this.label, 'audio that is not base64');
      }
      return [{ kind: 'audio', context, bytes }];
    }
    if (type === 'timestamps') {
      const ends = (msg.word_timestamps as { end?: unknown } | undefined)?.end;
      return Array.isArray(ends) ? [{ kind: 'words', context, ends: ends.filter((x): x is number => typeof x === 'number') }] : [];
    }
    if (type === 'done') return [{ kind: 'final', context }];
    return [{ kind: 'ignore' }]; // flush_done, phoneme_timestamps, …
  }
}
