/**
 * ElevenLabs text to speech over the multi-context WebSocket
 * (`/v1/text-to-speech/{voice_id}/multi-stream-input`): one socket for many utterances, each a
 * `context_id`; text goes in as it is generated, `flush` + `close_context` end an utterance,
 * `close_context` alone cancels one (barge-in). Audio is raw s16le PCM (`output_format=pcm_<rate>`),
 * base64 in `{"audio", "alignment", "contextId"}` frames; `{"isFinal": true, "contextId"}` ends one.
 */

import { ElevenLabsWire } from './elevenlabs-wire';
import type { SocketTTSOptions, TTSWire } from './socket-link';
import { SocketTTS } from './socket-tts';

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
  protected readonly vendor = 'elevenlabs';
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
