/**
 * ElevenLabs' multi-context WebSocket messages (see elevenlabs.ts): a module of its own so the
 * TTS audio worker, which speaks them off the main thread, loads them without the provider.
 */

import { ProviderError, type ProviderErrorCode } from '../errors';
import type { ElevenLabsTTSOptions } from './elevenlabs';
import { base64Bytes, socketURL, type TTSFrame, type TTSWire } from './socket-link';

/** Maps an in-band error (`{"error": "...", "message": "..."}`) to a code. */
function inBandCode(text: string): ProviderErrorCode {
  if (/auth|api[_ ]?key|token|unauthori|permission/i.test(text)) return 'provider-auth';
  if (/quota|credits/i.test(text)) return 'provider-quota';
  if (/rate|concurrent|busy|too_many/i.test(text)) return 'provider-rate-limited';
  if (/timeout/i.test(text)) return 'provider-timeout';
  return 'provider-bad-request';
}

export class ElevenLabsWire implements TTSWire {
  readonly label: string;
  /** Half the server's inactivity limit: a context waiting on a slow LLM is not ended. */
  readonly keepAliveMs: number;
  readonly #o: ElevenLabsTTSOptions;
  readonly #rate: number;

  constructor(o: ElevenLabsTTSOptions, label: string, rate: number) {
    this.#o = o;
    this.label = label;
    this.#rate = rate;
    this.keepAliveMs = ((o.inactivityTimeoutSec ?? 20) * 1000) / 2;
  }

  url(credential: { token?: string }): string {
    const o = this.#o;
    return socketURL(o.baseURL ?? 'wss://api.elevenlabs.io', `/v1/text-to-speech/${encodeURIComponent(o.voiceId)}/multi-stream-input`, {
      model_id: o.modelId ?? 'eleven_flash_v2_5',
      output_format: `pcm_${this.#rate}`,
      language_code: o.languageCode,
      inactivity_timeout: o.inactivityTimeoutSec,
      single_use_token: credential.token,
    });
  }

  text(context_id: string, text: string, first: boolean, last: boolean): object[] {
    const o = this.#o;
    const out: object[] = [];
    if (first) {
      // A context opens with a single space; settings and the key go only here.
      out.push({
        text: ' ',
        context_id,
        ...(o.voiceSettings ? { voice_settings: o.voiceSettings } : {}),
        ...(o.chunkLengthSchedule ? { generation_config: { chunk_length_schedule: o.chunkLengthSchedule } } : {}),
        ...(o.apiKey !== undefined && !o.getToken ? { xi_api_key: o.apiKey } : {}),
      });
    }
    // A flushed context then closed speaks out what it buffered, then sends isFinal.
    if (last) out.push({ context_id, text, flush: true }, { context_id, close_context: true });
    else if (text) out.push({ context_id, text });
    return out;
  }

  keepAlive(context_id: string): object {
    // An empty text is ignored but resets the context's inactivity timer.
    return { context_id, text: '' };
  }

  cancel(context_id: string): object {
    // Not flushed: the server drops what it buffered.
    return { context_id, close_context: true };
  }

  closeSocket(): object {
    return { close_socket: true };
  }

  parse(msg: Record<string, unknown>): TTSFrame[] {
    // The server writes `contextId`; accept the snake_case of the requests too.
    const context = typeof msg.contextId === 'string' ? msg.contextId : typeof msg.context_id === 'string' ? msg.context_id : undefined;
    const frames: TTSFrame[] = [];
    if (typeof msg.error === 'string' || (typeof msg.message === 'string' && msg.audio === undefined && msg.isFinal === undefined)) {
      const text = [msg.error, msg.message].filter((x) => typeof x === 'string').join(': ');
      const code = inBandCode(text);
      const error = new ProviderError(code, this.label, `server error: ${text}`, { retryable: code === 'provider-rate-limited' });
      return [{ kind: 'error', error, ...(context !== undefined ? { context } : {}) }];
    }
    if (typeof msg.audio === 'string' && msg.audio !== '') {
      if (context === undefined) throw new ProviderError('provider-protocol', this.label, 'an audio frame without contextId');
      const alignment = msg.alignment as { chars?: unknown } | null | undefined;
      const chars = Array.isArray(alignment?.chars) ? alignment.chars.length : undefined;
      let bytes: Uint8Array;
      try {
        bytes = base64Bytes(msg.audio);
      } catch {
        throw new ProviderError('provider-protocol', this.label, 'audio that is not base64');
      }
      frames.push({ kind: 'audio', context, bytes, ...(chars !== undefined ? { chars } : {}) });
    }
    if (msg.isFinal === true && context !== undefined) frames.push({ kind: 'final', context });
    return frames;
  }
}
