// The per-turn report and the session summary, assembled from the session's own events
// (metrics_collected, tool calls, transcripts, interruptions, errors): nothing in the core
// changes for it, and it works the same for cascade and realtime sessions.
import type { AgentSessionEvents } from '../session/session-events';
import type { TurnMetrics } from '../telemetry/turn-metrics';
import type { Emitter } from '../events';

/** One tool call of a turn. Times in ms on the `performance.now()` clock. */
export interface ToolCallReport {
  callId: string;
  name: string;
  /** The arguments as the LLM sent them (JSON text). */
  arguments: string;
  startedAt: number;
  durationMs: number;
  outcome: 'ok' | 'error';
  /** The tool's output (JSON text; `{"error": …}` when it failed). */
  output: string;
}

/** Everything one turn did. Times in ms on the `performance.now()` clock. */
export interface TurnReport {
  /** 0, 1, … in the order turns ended. */
  index: number;
  startedAt: number;
  endedAt: number;
  /** What the user said ('' for a turn the agent started: `say`, `reply`). */
  userText: string;
  /** What the user heard of the agent's answer. */
  agentText: string;
  /** The latency split (null when the turn never became audible or was not a user turn). */
  metrics: TurnMetrics | null;
  tools: ToolCallReport[];
  /** When and why the answer was cut, and what had been heard of it. */
  interruption: { reason: AgentSessionEvents['turn_interrupted']['reason']; heardText: string; at: number } | null;
  errors: { source: AgentSessionEvents['error']['source']; code: string; message: string; at: number }[];
}

/** What a whole session did, made when it closes. */
export interface SessionSummary {
  reason: string;
  /** From the reporter's creation to `session_closed`, ms. */
  durationMs: number;
  turns: number;
  interruptions: number;
  toolCalls: number;
  toolErrors: number;
  errors: number;
  /** Turns whose answer was prepared before the user finished and used. */
  preemptiveHits: number;
  /** Voice-to-voice over the turns that have metrics (ms); null when none did. */
  voiceToVoiceMs: { median: number; p95: number; max: number } | null;
}

export interface TurnReporterOptions {
  /** Called with each turn's report as it ends. */
  onTurn?: (report: TurnReport) => void;
  /** Called once with the summary when the session closes. */
  onSummary?: (summary: SessionSummary) => void;
}

type Open = Omit<TurnReport, 'index' | 'endedAt'> & { heard: string | null };

/**
 * Listens to a session and reports each turn as it ends and a summary on close.
 * `reports` keeps every report; `dispose()` stops listening.
 */
export class TurnReporter {
  readonly reports: TurnReport[] = [];
  summary: SessionSummary | null = null;
  readonly #since = performance.now();
  readonly #o: TurnReporterOptions;
  #open: Open | null = null;
  /** Ended interrupted, waiting for its `turn_interrupted` (it may come just after). */
  #waiting: Open | null = null;
  #pendingTools = new Map<string, ToolCallReport>();
  #sessionErrors = 0;
  readonly #off: (() => void)[] = [];

  constructor(session: Emitter<AgentSessionEvents>, options: TurnReporterOptions = {}) {
    this.#o = options;
    const on = <K extends keyof AgentSessionEvents>(name: K, fn: (e: AgentSessionEvents[K]) => void) => void this.#off.push(session.on(name, fn));
    on('user_transcript', (e) => {
      if (!e.final) return;
      this.#settle();
      // A second utterance before the answer started (merged by the session): one turn.
      const t = this.#open && !this.#open.metrics && !this.#open.tools.length ? this.#open : this.#turn();
      t.userText = t.userText ? `${t.userText} ${e.text}` : e.text;
    });
    on('metrics_collected', (e) => {
      const t = this.#turn();
      t.metrics = e.turn;
      if (Number.isFinite(e.turn.at)) t.startedAt = Math.min(t.startedAt, e.turn.at);
    });
    on('tool_call_started', (e) => {
      const call: ToolCallReport = { callId: e.callId, name: e.name, arguments: e.arguments, startedAt: performance.now(), durationMs: 0, outcome: 'ok', output: '' };
      this.#pendingTools.set(e.callId, call);
      this.#turn().tools.push(call);
    });
    on('tool_call_finished', (e) => {
      const call = this.#pendingTools.get(e.callId);
      this.#pendingTools.delete(e.callId);
      if (!call) return;
      call.durationMs = e.result.durationMs || performance.now() - call.startedAt;
      call.outcome = e.result.isError ? 'error' : 'ok';
      call.output = e.result.output;
    });
    on('turn_interrupted', (e) => {
      const t = this.#waiting ?? this.#open;
      if (!t) return;
      t.interruption = { reason: e.reason, heardText: e.heardText, at: performance.now() };
      if (t === this.#waiting) this.#settle();
    });
    on('agent_transcript', (e) => {
      if (!e.final) return void this.#turn();
      this.#settle();
      const t = this.#open ?? this.#turn();
      this.#open = null;
      t.heard = e.text;
      if (e.interrupted && !t.interruption) this.#waiting = t;
      else this.#end(t);
    });
    on('error', (e) => {
      const t = this.#open ?? this.#waiting;
      if (t) t.errors.push({ source: e.source, code: e.error.code, message: e.error.message, at: performance.now() });
      else this.#sessionErrors++;
    });
    on('session_closed', (e) => this.#close(e.reason));
  }

  /** Stops listening (a turn in progress is not reported). */
  dispose(): void {
    for (const off of this.#off.splice(0)) off();
  }

  #turn(): Open {
    return (this.#open ??= { startedAt: performance.now(), userText: '', agentText: '', metrics: null, tools: [], interruption: null, errors: [], heard: null });
  }

  #settle(): void {
    const w = this.#waiting;
    this.#waiting = null;
    if (w) this.#end(w);
  }

  #end(t: Open): void {
    const { heard, ...rest } = t;
    const report: TurnReport = { ...rest, agentText: heard ?? '', index: this.reports.length, endedAt: performance.now() };
    this.reports.push(report);
    this.#o.onTurn?.(report);
  }

  #close(reason: string): void {
    this.#settle();
    const r = this.reports;
    const v2v = r.flatMap((t) => (t.metrics ? [t.metrics.voiceToVoiceMs] : [])).sort((a, b) => a - b);
    const at = (q: number) => v2v[Math.min(v2v.length - 1, Math.ceil(q * v2v.length) - 1)]!;
    const tools = r.flatMap((t) => t.tools);
    this.summary = {
      reason,
      durationMs: performance.now() - this.#since,
      turns: r.length,
      interruptions: r.filter((t) => t.interruption).length,
      toolCalls: tools.length,
      toolErrors: tools.filter((c) => c.outcome === 'error').length,
      errors: this.#sessionErrors + r.reduce((n, t) => n + t.errors.length, 0),
      preemptiveHits: r.filter((t) => t.metrics?.preemptive).length,
      voiceToVoiceMs: v2v.length ? { median: at(0.5), p95: at(0.95), max: v2v[v2v.length - 1]! } : null,
    };
    this.#o.onSummary?.(this.summary);
    this.dispose();
  }
}
