import type { RequestMeta } from '../providers/types';

/** Per stage, what the provider told of the request that served the turn (see `RequestMeta`). */
export interface TurnRequests {
  stt?: RequestMeta;
  llm?: RequestMeta;
  tts?: RequestMeta;
}

/**
 * Latency split of one user turn, ms. Marks are taken on one clock (performance.now),
 * with audio-time events mapped onto it through the AudioContext's output timestamp.
 */
export interface TurnMetrics {
  /** The user's last speech (VAD) to the end-of-turn decision: the endpointing silence. */
  endpointMs: number;
  /** End of turn to final transcript. */
  sttMs: number;
  /** LLM request to first token. */
  llmTtftMs: number;
  /** First TTS request of the turn to its first audio. */
  ttsTtfbMs: number;
  /** The user's last speech to the first agent sample rendered (what the user feels). */
  voiceToVoiceMs: number;
  /** Whatever the sum of the stages above does not explain. */
  glueMs: number;
  /** The answer was prepared before the turn was over (preemptive generation) and used. */
  preemptive: boolean;
  /** Label of the LLM that gave the first token (with `FallbackLLM`, the member that answered). */
  llm: string;
  /** Label of the TTS that gave the first audio (with `FallbackTTS`, the member that answered). */
  tts: string;
  /** When the user's last speech ended, ms on the `performance.now()` clock: the stages' origin. */
  at: number;
  /** The LLM request and the first TTS request, ms after `at` (where the stage spans start). */
  llmAtMs: number;
  ttsAtMs: number;
  /** Request id and model per stage (the first STT, LLM and TTS request of the turn), as the providers report them. */
  requests: TurnRequests;
}

/** Collects marks (performance.now ms) for one turn and derives {@link TurnMetrics}. */
export class TurnClock {
  speechEnd = NaN;
  endpoint = NaN;
  sttDone = NaN;
  llmStart = NaN;
  llmFirstToken = NaN;
  ttsStart = NaN;
  ttsFirstAudio = NaN;
  audible = NaN;
  preemptive = false;
  llm = '';
  tts = '';
  requests: TurnRequests = {};

  /** Sets a mark once: the first LLM round, TTS request or audio of a turn is what counts. */
  mark(key: 'llmStart' | 'llmFirstToken' | 'ttsStart' | 'ttsFirstAudio' | 'audible', at = performance.now()): void {
    if (Number.isNaN(this[key])) this[key] = at;
  }

  /** Who served the turn's first LLM round / first audio (set once). */
  served(stage: 'llm' | 'tts', label: string, request?: { meta?: RequestMeta } | null): void {
    this[stage] ||= label;
    this.meta(stage, request);
  }

  /** The provider's `meta` of the stage's first request (set once). */
  meta(stage: keyof TurnRequests, request?: { meta?: RequestMeta } | null): void {
    const m = request?.meta;
    if (m && !this.requests[stage]) this.requests[stage] = m;
  }

  metrics(): TurnMetrics | null {
    // Null until the first audio is both heard and accounted for (who served it): audio a
    // provider delivers from its worker can be heard before its copy reaches the main thread.
    if (!Number.isFinite(this.speechEnd) || !Number.isFinite(this.audible) || !Number.isFinite(this.ttsFirstAudio)) return null;
    const d = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) ? Math.max(0, b - a) : 0);
    const endpointMs = d(this.speechEnd, this.endpoint);
    const sttMs = d(this.endpoint, this.sttDone);
    const llmTtftMs = d(this.llmStart, this.llmFirstToken);
    const ttsTtfbMs = d(this.ttsStart, this.ttsFirstAudio);
    const voiceToVoiceMs = d(this.speechEnd, this.audible);
    return { endpointMs, sttMs, llmTtftMs, ttsTtfbMs, voiceToVoiceMs, glueMs: Math.max(0, voiceToVoiceMs - endpointMs - sttMs - llmTtftMs - ttsTtfbMs), preemptive: this.preemptive, llm: this.llm, tts: this.tts, at: this.speechEnd, llmAtMs: d(this.speechEnd, this.llmStart), ttsAtMs: d(this.speechEnd, this.ttsStart), requests: this.requests };
  }
}
