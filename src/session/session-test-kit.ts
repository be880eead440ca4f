// Test-only: an AgentSession in Node on VirtualAudio and ScriptedVAD, with scripted
// providers and fake timers (the caller calls vi.useFakeTimers()). Not part of any entry.
import { vi } from 'vitest';
import { Agent, type AgentOptions } from '../agent/agent';
import type { LLM, LLMRequest, STT, STTRequest, TTS } from '../providers/types';
import { ScriptedLLM, ScriptedSTT, ScriptedTTS, type Script, type ScriptedReply, type ScriptedTranscript, type ScriptedTTSOptions } from '../testing/providers';
import { ScriptedVAD } from '../testing/scripted-vad';
import { VirtualAudio } from '../testing/virtual-audio';
import type { InterruptConfig } from '../turn/barge-in';
import type { AudioEngineOptions } from '../audio/engine';
import { AgentSession, type AgentSessionOptions } from './agent-session';
import { Pipeline, type EOUConfig } from './pipeline';
import type { AgentSessionEvents } from './session-events';
import { extras } from '../lazy';

// The core's extras (handover, recording, audio decoding) load on first use by a dynamic
// import: real time, which fake time would race (a session test would run out of fake time
// waiting for it). Loaded once here, every later import() resolves from the module cache.
await extras();

export interface KitOptions {
  /** A script for a ScriptedLLM, or any LLM. */
  llm?: Script<LLMRequest, ScriptedReply> | LLM;
  /** A script for a ScriptedSTT, or any STT. */
  stt?: Script<STTRequest, ScriptedTranscript> | STT;
  /** Options of a ScriptedTTS, or any TTS. */
  tts?: ScriptedTTSOptions | TTS;
  /** Real timers (a provider on a real socket): `run`/`until` sleep. Default: fake timers. */
  realTime?: boolean;
  agent?: Partial<AgentOptions>;
  session?: AgentSessionOptions<VirtualAudio>;
  interrupt?: Partial<InterruptConfig>;
  eou?: Partial<EOUConfig>;
  /** The pipeline's audio options (what the session gives its audio engine factory). */
  audio?: AudioEngineOptions;
}

export interface Kit {
  session: AgentSession<VirtualAudio>;
  agent: Agent;
  vad: ScriptedVAD;
  audio: VirtualAudio;
  llm: ScriptedLLM;
  /** The LLM and TTS as given (when not scripted). */
  anyLlm: LLM;
  anyTts: TTS;
  stt: ScriptedSTT;
  tts: ScriptedTTS;
  /** The options the session made its audio engine with, per start. */
  audioOptions: AudioEngineOptions[];
  /** `agent:<state>` / `user:<state>` / event names, in order. */
  log: string[];
  events: { [K in keyof AgentSessionEvents]?: AgentSessionEvents[K][] };
  /** Advances the fake clock by `ms` (timers and the promises they release). */
  run(ms: number): Promise<void>;
  /** Advances in 16 ms steps until `done()`; throws after `maxMs` of fake time. */
  until(done: () => boolean, maxMs?: number, what?: string): Promise<void>;
  /** The history as `role: text` lines (function calls as `call name` / `output name: …`). */
  history(): string[];
}

const LOGGED: (keyof AgentSessionEvents)[] = [
  'user_speech_started',
  'user_speech_ended',
  'user_transcript',
  'interruption_suspected',
  'interruption_cancelled',
  'turn_interrupted',
  'tool_call_started',
  'tool_call_finished',
  'agent_changed',
  'metrics_collected',
  'wake_up_fired',
  'microphone_ended',
  'microphone_recovered',
  'session_closed',
  'error',
  'dtmf_received',
  'voicemail_classified',
  'voicemail_beep_detected',
];

export function kit(o: KitOptions = {}): Kit {
  const vad = new ScriptedVAD();
  const audio = new VirtualAudio();
  const anyLlm: LLM = o.llm && 'chat' in o.llm ? o.llm : new ScriptedLLM((o.llm as Script<LLMRequest, ScriptedReply> | undefined) ?? [{ text: 'Hello.' }]);
  const llm = anyLlm as ScriptedLLM;
  const anyStt: STT = o.stt && 'transcribe' in o.stt ? o.stt : new ScriptedSTT((o.stt as Script<STTRequest, ScriptedTranscript> | undefined) ?? [{ text: 'hi' }]);
  const stt = anyStt as ScriptedSTT;
  const anyTts: TTS = o.tts && 'synthesize' in o.tts ? o.tts : new ScriptedTTS(o.tts as ScriptedTTSOptions | undefined);
  const tts = anyTts as ScriptedTTS;
  const pipeline = new Pipeline({ stt: anyStt, llm: anyLlm, tts: anyTts, vad, ...(o.interrupt ? { interrupt: o.interrupt } : {}), ...(o.eou ? { eou: o.eou } : {}), ...(o.audio ? { audio: o.audio } : {}) });
  const agent = new Agent({ instructions: 'Be brief.', ...o.agent });
  const audioOptions: AudioEngineOptions[] = [];
  const session = new AgentSession(agent, pipeline, { ...o.session, audioEngine: (options) => (audioOptions.push(options), audio) });
  const log: string[] = [];
  const events: Kit['events'] = {};
  session.on('agent_state_changed', (e) => log.push(`agent:${e.state}`));
  session.on('user_state_changed', (e) => log.push(`user:${e.state}`));
  for (const name of LOGGED) {
    const record = (e: unknown) => {
      log.push(name);
      ((events[name] ??= []) as unknown[]).push(e);
    };
    session.on(name, record as never);
  }
  const run = (ms: number) => (o.realTime ? new Promise<void>((r) => setTimeout(r, ms)) : vi.advanceTimersByTimeAsync(ms).then(() => undefined));
  return {
    session,
    agent,
    vad,
    audio,
    llm,
    anyLlm,
    anyTts,
    stt,
    tts,
    audioOptions,
    log,
    events,
    run,
    async until(done, maxMs = 20_000, what = 'the condition') {
      for (let t = 0; !done(); t += 16) {
        if (t > maxMs) throw new Error(`${what} did not happen within ${maxMs} ms of fake time; log: ${log.join(' ')}`);
        await run(16);
      }
    },
    history: () =>
      session.getContextHistory({ includeFunctionCalls: true }).map((i) => {
        if (i.type === 'message') return `${i.role}: ${i.content}${i.interrupted ? ' [interrupted]' : ''}`;
        if (i.type === 'function_call') return `call ${i.name}`;
        return `output ${i.name}: ${i.output}`;
      }),
  };
}

/**
 * Seconds of `samples` (a VirtualAudio's `played()`, 48 kHz) in 128-sample quanta that hold
 * sound. Tests wait on this rather than on wall time: on a loaded machine the virtual audio
 * clock and the sockets behind it lag the wall clock.
 */
export function voicedSec(samples: Float32Array, sampleRate = 48_000): number {
  let voiced = 0;
  for (let i = 0; i + 128 <= samples.length; i += 128) {
    for (let j = i; j < i + 128; j++) {
      if (Math.abs(samples[j]!) > 1e-4) {
        voiced++;
        break;
      }
    }
  }
  return (voiced * 128) / sampleRate;
}
