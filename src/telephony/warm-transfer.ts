// The warm transfer (the seed's `warm_transfer/_runner.py`), on the app's CallTransport: the
// caller on hold (input ignored, hold music), a summary of the call, the supervisor dialled
// and briefed by a second AgentSession on their leg, then the caller bridged to them. It runs
// on its own promise: the tool that started it may be interrupted and it carries on.
import { EarshotError, type EarshotErrorCode } from '../errors';
import type { AgentSession, AgentSessionOptions } from '../session/agent-session';
import type { BackgroundAudioConfig } from '../session/ambience';
import type { Pipeline } from '../session/pipeline';
import type { SessionAudio } from '../session/session-audio';
import type { LLM } from '../providers/types';
import { briefingAgent, type BriefingResolution } from './briefing';
import type { CallLeg, CallTransport } from './call-control';

/** The phases, in the order they happen; one of the last two ends a transfer that did not complete. */
export type WarmTransferPhase =
  | 'started'
  | 'summary_generating'
  | 'summary_ready'
  | 'caller_on_hold'
  | 'supervisor_dialed'
  | 'supervisor_joined'
  | 'briefing_started'
  | 'briefing_complete'
  | 'call_switched'
  | 'transfer_complete'
  | 'transfer_cancelled'
  | 'transfer_failed';

/**
 * The `warm_transfer` event. `timestamp`: `Date.now()`. `data`: `target` (started,
 * supervisor_dialed), `summary` (summary_ready), `session` (briefing_started: the briefing
 * AgentSession), `resolution` (briefing_complete, transfer_cancelled), `error` (transfer_failed).
 */
export interface WarmTransferEvent {
  phase: WarmTransferPhase;
  data: Record<string, unknown>;
  timestamp: number;
}

export interface WarmTransferConfig {
  /** Who to dial: a number, a SIP URI, whatever the transport's `dial` takes. */
  target: string;
  /**
   * Makes the briefing session's pipeline on the supervisor's leg, once per transfer (its
   * own components: live ones are never shared), e.g.
   * `(leg) => new Pipeline({ stt, llm, tts, audio: callAudio(leg) })`.
   */
  briefingPipeline: (leg: CallLeg) => Pipeline;
  /** More options of the briefing session (e.g. a test's `audioEngine`). */
  briefingSession?: AgentSessionOptions<any>;
  /** Added to the briefing agent's instructions (e.g. who the supervisor is). */
  briefingInstructions?: string;
  /** Writes the summary; default the session's LLM. */
  summaryLlm?: LLM;
  /** Said to the caller when it goes on hold. Default "Please hold while I connect you with someone who can help." */
  holdMessage?: string;
  /** Music on hold, on the background bus while the caller waits (stopped after). */
  holdAudio?: BackgroundAudioConfig;
  /** Said to the caller when the transfer is cancelled or fails. */
  apology?: string;
  /** Limit for the dial and the supervisor's answer, ms. Default 120000. */
  supervisorJoinTimeoutMs?: number;
  /** Limit for the briefing (until the supervisor's decision), ms. Default 180000. */
  briefingTimeoutMs?: number;
}

/** A warm transfer that ended without failing: the caller is with the supervisor, or (cancelled) back with the agent. */
export interface WarmTransferResult {
  status: 'transferred' | 'cancelled';
  /** `ready` when transferred; else why the supervisor did not take the call. */
  resolution: BriefingResolution;
  /** What the supervisor was told. */
  summary: string;
}

export type CallTransferErrorCode = Extract<EarshotErrorCode, 'transfer-failed' | 'transfer-timeout' | 'transfer-busy' | 'config-invalid'>;

/** A transfer or hang-up through the transport failed; `cause`: the transport's error. */
export class CallTransferError extends EarshotError<CallTransferErrorCode> {
  override name = 'CallTransferError';
}

/** A warm transfer failed (`transfer-failed`, `transfer-timeout`) or one already runs (`transfer-busy`). */
export class WarmTransferError extends CallTransferError {
  override name = 'WarmTransferError';
}

const SUMMARY_MS = 10_000;
const FALLBACK_SUMMARY = 'A caller needs help; the assistant could not summarise the call.';

/** What the runner gets from its CallControl. */
export interface WarmTransferRun {
  session: AgentSession<SessionAudio>;
  listen: (on: boolean) => void;
  transport: CallTransport;
  config: WarmTransferConfig;
  /** One transport call within the control's time limit (a `transfer-failed` error otherwise). */
  ask<T>(what: string, call: (signal: AbortSignal) => T | PromiseLike<T>): Promise<T>;
}

/** Runs one warm transfer (the steps of the seed's runner); see {@link WarmTransferConfig}. */
export async function runWarmTransfer(run: WarmTransferRun): Promise<WarmTransferResult> {
  const { session, listen, config, ask } = run;
  const emit = (phase: WarmTransferPhase, data: Record<string, unknown> = {}) => session.emit('warm_transfer', { phase, data, timestamp: Date.now() });
  const stop = new AbortController();
  let leg: CallLeg | null = null;
  let briefing: AgentSession<SessionAudio> | null = null;
  let summary = FALLBACK_SUMMARY;
  emit('started', { target: config.target });
  listen(false);
  try {
    emit('summary_generating');
    summary = await summarizeCall(session, config.summaryLlm ?? session.pipeline.llm);
    emit('summary_ready', { summary });
    void session.say(config.holdMessage ?? 'Please hold while I connect you with someone who can help.', { interruptible: false, addToChatContext: false });
    if (config.holdAudio) await session.playBackgroundAudio(config.holdAudio);
    emit('caller_on_hold');
    const joinMs = config.supervisorJoinTimeoutMs ?? 120_000;
    const joinBy = Date.now() + joinMs;
    const timedOut = (what: string, ms: number) => () => new WarmTransferError('transfer-timeout', `${what} within ${ms} ms`);
    leg = await limit(Promise.resolve(run.transport.dial(config.target, { signal: stop.signal })), joinMs, timedOut('The supervisor was not dialled', joinMs));
    emit('supervisor_dialed', { target: config.target });
    await limit(Promise.resolve(leg.joined), joinBy - Date.now(), timedOut('The supervisor did not answer', joinMs));
    emit('supervisor_joined');
    let decide!: (r: BriefingResolution) => void;
    const decision = new Promise<BriefingResolution>((r) => (decide = r));
    const Session = session.constructor as new (...args: ConstructorParameters<typeof AgentSession>) => AgentSession<SessionAudio>;
    briefing = new Session(briefingAgent(summary, decide, config.briefingInstructions), config.briefingPipeline(leg), config.briefingSession);
    await briefing.start();
    emit('briefing_started', { session: briefing });
    void briefing.say(`Hello, I have a caller to transfer to you. ${summary} Can you take the call?`);
    const hungUp = () => decide('supervisor_hung_up');
    if (leg.ended) void Promise.resolve(leg.ended).then(hungUp, hungUp);
    const briefingMs = config.briefingTimeoutMs ?? 180_000;
    const resolution = await limit(decision, briefingMs, () => 'timeout' as const).catch((r: 'timeout') => r);
    emit('briefing_complete', { resolution });
    if (resolution === 'timeout') throw new WarmTransferError('transfer-timeout', `The briefing did not end within ${briefingMs} ms`);
    if (resolution !== 'ready') {
      await giveUp(run, briefing, leg, stop);
      emit('transfer_cancelled', { resolution });
      return { status: 'cancelled', resolution, summary };
    }
    await ask('bridge', (signal) => run.transport.bridge(leg!, { signal }));
    emit('call_switched');
    await briefing.close('transferred');
    session.stopBackgroundAudio();
    await session.leave();
    emit('transfer_complete');
    return { status: 'transferred', resolution, summary };
  } catch (error) {
    const err = error instanceof WarmTransferError ? error : new WarmTransferError('transfer-failed', `The warm transfer failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    await giveUp(run, briefing, leg, stop);
    emit('transfer_failed', { error: err });
    throw err;
  }
}

/** The caller back with the agent: the supervisor's leg dropped, the hold over, input heard again, an apology. */
async function giveUp(run: WarmTransferRun, briefing: AgentSession<SessionAudio> | null, leg: CallLeg | null, stop: AbortController): Promise<void> {
  const { session, config } = run;
  stop.abort();
  await briefing?.close('transfer_ended');
  try {
    leg?.hangup?.();
  } catch (error) {
    session.emit('error', { error: new CallTransferError('transfer-failed', 'Hanging up on the supervisor failed', { cause: error }), source: 'session' });
  }
  session.stopBackgroundAudio();
  run.listen(true);
  void session.say(config.apology ?? "I'm sorry, I couldn't complete the transfer. I'm still here to help.", { interruptible: false });
}

/** A summary of the call for the supervisor by `llm`; one retry, then a fallback sentence. */
async function summarizeCall(session: AgentSession<SessionAudio>, llm: LLM): Promise<string> {
  const transcript = session
    .getContextHistory()
    .map((m) => (m.type === 'message' ? `${m.role}: ${m.content}` : ''))
    .join('\n');
  if (!transcript.trim() || typeof llm.chat !== 'function') return FALLBACK_SUMMARY;
  for (let attempt = 0; attempt < 2; attempt++) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), SUMMARY_MS);
    try {
      let text = '';
      const now = Date.now();
      const items = [
        { type: 'message' as const, id: 'wt-system', role: 'system' as const, content: 'Summarize this call in two sentences for a human supervisor who will take it over: who the caller is, what they need, what was tried.', createdAt: now },
        { type: 'message' as const, id: 'wt-user', role: 'user' as const, content: transcript, createdAt: now },
      ];
      for await (const chunk of llm.chat({ items, tools: [], signal: abort.signal, toolChoice: 'none' })) if (chunk.type === 'text') text += chunk.delta;
      if (!abort.signal.aborted && text.trim()) return text.trim();
    } catch {
      // Retried once, then the fallback: a transfer does not fail for want of a summary.
    } finally {
      clearTimeout(timer);
    }
  }
  return FALLBACK_SUMMARY;
}

/** `work`, or `onTimeout()`'s error (rejected) after `ms`. */
export function limit<T>(work: Promise<T>, ms: number, onTimeout: () => unknown): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), Math.max(0, ms))));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
