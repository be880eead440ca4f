import type { Agent } from '../agent/agent';
import type { HandoffContext } from '../agent/mcp-server';
import type { AnyEarshotError } from '../errors';
import type { WarmTransferEvent } from '../telephony/warm-transfer';
import type { ToolResult } from '../tools/tool-runner';
import type { TurnMetrics } from '../telemetry/turn-metrics';

/** The agent's state, with the seed's values. */
export type AgentState = 'starting' | 'idle' | 'listening' | 'thinking' | 'speaking' | 'closing';
/** The user's state, with the seed's values (`listening`: the user listens to the agent). */
export type UserState = 'idle' | 'speaking' | 'listening';

/** Payload of the state events: the new state, when (epoch ms), and why. */
export interface StateChange<S> {
  state: S;
  previous: S;
  at: number;
  /**
   * What moved it: the state table's input (`user_speech`, `end_of_turn`, `agent_audio`,
   * `turn_ended`, …; see `StateInput`), or for `closing` the reason given to `close()`.
   */
  reason: string;
}

/** Events of `AgentSession`. Names are the seed's, snake_case, past tense. */
export interface AgentSessionEvents {
  /** Emitted only on change. */
  agent_state_changed: StateChange<AgentState>;
  /** Emitted only on change. */
  user_state_changed: StateChange<UserState>;
  /** VAD onset of user speech (audio time, s). */
  user_speech_started: { at: number };
  /** VAD end of the user's utterance (audio time, s). */
  user_speech_ended: { at: number; durationSec: number };
  /** A user utterance was transcribed (`final`) or is being transcribed. */
  user_transcript: { text: string; final: boolean };
  /** The agent's text, per segment as it is spoken (`final` once the turn ended, with what was heard). */
  agent_transcript: { text: string; final: boolean; interrupted: boolean };
  /** A barge-in was suspected: the agent's voice is ducked. */
  interruption_suspected: { at: number };
  /** The suspicion was a blip (cough, click): the agent carries on. */
  interruption_cancelled: { at: number };
  /** The agent was interrupted; `heardText` is what the user heard of its answer. */
  turn_interrupted: { reason: 'barge_in' | 'interrupt' | 'say' | 'close'; heardText: string };
  tool_call_started: { callId: string; name: string; arguments: string };
  tool_call_finished: { callId: string; name: string; result: ToolResult };
  /** Another agent took over (a tool returned it, or `updateAgent()`); `context`: what it kept of the history. */
  agent_changed: { agent: Agent; previous: Agent; context: HandoffContext };
  /** Per-turn latency split. */
  metrics_collected: { turn: TurnMetrics };
  /** The wake-up timer fired (before `onWakeUp` runs). */
  wake_up_fired: { afterSec: number };
  /** Mic level, ~30 Hz (RMS and peak, linear, full scale 1; `at` in AudioContext seconds). */
  input_level_measured: { rms: number; peak: number; at: number };
  /** Agent output level after mixing, ~30 Hz. */
  output_level_measured: { rms: number; peak: number; at: number };
  /**
   * The mic track ended (device unplugged, permission revoked). The session opens the
   * default device next: `microphone_recovered`, or an `error` (source `audio`).
   */
  microphone_ended: { deviceId: string | undefined; label: string };
  /** After `microphone_ended`: the default device is open and listened to. */
  microphone_recovered: { deviceId: string | undefined; label: string };
  /**
   * A DTMF key press (with a `dtmfHandler`): heard in the mic audio (`in_band`; `at`: audio
   * time of its start, s) or handed in by the app (`app`; `at` null).
   */
  dtmf_received: { digit: string; source: 'in_band' | 'app'; at: number | null };
  /** The `voiceMailDetector` classified the first seconds of the call (`text`: what it read). */
  voicemail_classified: { isVoicemail: boolean; text: string };
  /** A voicemail beep ended, after the greeting (audio time, s): the moment to leave a message. */
  voicemail_beep_detected: { at: number; durationSec: number; hz: number };
  /** A phase of `warmTransfer` (earshot/telephony), in order; `data` as the phase says. */
  warm_transfer: WarmTransferEvent;
  /** A background failure; the session keeps working. */
  error: { error: AnyEarshotError; source: 'stt' | 'llm' | 'tts' | 'vad' | 'audio' | 'tool' | 'turn' | 'session' };
  /** The session is closed; `reason` from `hangup(reason)`, or 'closed'. */
  session_closed: { reason: string };
}
