/**
 * ElevenLabs text to speech over the multi-context WebSocket
 * (`/v1/text-to-speech/{voice_id}/multi-stream-input`): one socket for many utterances, each a
 * `context_id`; text goes in as it is generated, `flush` + `close_context` end an utterance,
 * `close_context` alone cancels one (barge-in). Audio is raw s16le PCM (`output_format=pcm_<rate>`),
 * base64 in `{"audio", "alignment", "contextId"}` frames; `{"isFinal": true, "contextId"}` ends one.
 */

import { ProviderError, type ProviderErrorCode } from '../errors';
import { base64Bytes, socketURL, type SocketTTSOptions, type TTSFrame, type TTSWire } from './socket-link';
import { SocketTTS } from './socket-utterance';

/** ElevenLabs' raw PCM rates (`pcm_<rate>`; 44100 needs a Pro plan). */
export type ElevenLabsPcmRate = 8000 | 16000 | 22050 | 24000 | 44100;

/** ElevenLabs' `voice_settings` (wire names). */
export interface ElevenLabsVoiceSettings {
  stability?: number;
  similarity_boost?: number;
  style?: number;
  use_speaker_boost?: boolean;
  /** 0.7–1.2, default 1. */
  speed?: number;
}

export interface ElevenLabsTTSOptions extends SocketTTSOptions {
  /** The voice id (path segment). */
  voiceId: string;
  /** Default `eleven_flash_v2_5`. */
  modelId?: string;
  /** Hz of the audio asked for (`output_format=pcm_<rate>`). Default 24000. */
  sampleRate?: ElevenLabsPcmRate;
  voiceSettings?: ElevenLabsVoiceSettings;
  /** Characters buffered before each generation (`generation_config.chunk_length_schedule`, 50–500 each). Server default [120, 160, 250, 290]. */
  chunkLengthSchedule?: number[];
  /** ISO 639-1, for models that take it. */
  languageCode?: string;
  /** Seconds a context may wait for text before the server ends it (`inactivity_timeout`, ≤ 180; default 20). An empty text goes every half of it while a context waits. */
  inactivityTimeoutSec?: number;
  /**
   * Default `wss://api.elevenlabs.io`; `http(s)://` becomes `ws(s)://`, a relative URL resolves
   * against the page (a proxy).
   */
  baseURL?: string;
  /**
   * A single-use token (`POST /v1/single-use-token/tts_websocket` on your server; 15 min, one
   * connection), sent as `?single_use_token=`. Called for every connection. The page-safe choice.
   */
  getToken?: () => Promise<string>;
  /** Sent as `xi_api_key` in each context's first message (a page cannot set socket headers). Server-side use only. */
  apiKey?: string;
}

/** Maps an in-band error (`{"error": "...", "message": "..."}`) to a code. */
function inBandCode(text: string): ProviderErrorCode {
  if (/auth|api[_ ]?key|token|unauthori|permission/i.test(text)) return 'provider-auth';
  if (/quota|credits/i.test(text)) return 'provider-quota';
  if (/rate|concurrent|busy|too_many/i.test(text)) return 'provider-rate-limited';
  if (/timeout/i.test(text)) return 'provider-timeout';
  return 'provider-bad-request';
}

class ElevenLabsWire implements TTSWire {
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

/**
 * ElevenLabs TTS over its multi-context WebSocket: the socket stays open across utterances
 * (closed after `idleCloseMs` unused), `stream()` takes LLM text as it is generated, abort
 * sends `close_context`. A socket that drops mid-utterance is replaced and the text not yet
 * spoken (known from the alignment sent with the audio) goes out in a new context.
 */
export class ElevenLabsTTS extends SocketTTS {
  readonly label: string;
  /** Option `voiceId`. */
  readonly voice: string;
  /** Hz of the yielded samples: `sampleRate` option, default 24000. */
  readonly sampleRate: number;
  protected readonly encoding = 's16';
  protected readonly wire: TTSWire;
  protected readonly options: ElevenLabsTTSOptions;

  constructor(options: ElevenLabsTTSOptions) {
    super();
    this.options = options;
    this.sampleRate = options.sampleRate ?? 24000;
    this.label = `elevenlabs:${options.modelId ?? 'eleven_flash_v2_5'}`;
    this.voice = options.voiceId;
    this.wire = new ElevenLabsWire(options, this.label, this.sampleRate);
  }
}
