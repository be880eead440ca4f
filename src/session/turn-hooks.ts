import type { Agent } from '../agent/agent';
import { toolMap } from '../tools/tool-runner';
import { agentTools } from './handoff';
import type { Pipeline } from './pipeline';
import type { AnswerContext } from './streaming';
import type { EventHub } from '../events';
import type { TurnClock } from '../telemetry/turn-metrics';
import type { TurnDeps, TurnHooks } from '../turn/turn';
import type { Prefetch } from '../turn/prefetch';
import type { AgentSession } from './agent-session';
import type { AmbienceLink } from './ambience-link';
import type { AgentSessionEvents } from './session-events';
import type { AudioClock, SessionAudio } from './session-audio';
import type { SessionStates } from './states';

/**
 * What the session lends every turn: the cascade's host (see `CascadeHost`). Read at each use,
 * not copied: a handover swaps the agent, and close() drops the ambience.
 */
export interface TurnWiring {
  readonly session: AgentSession;
  readonly audio: SessionAudio;
  readonly hub: EventHub<AgentSessionEvents>;
  readonly states: SessionStates;
  readonly ambience: AmbienceLink | null;
  /** The agent works or speaks: the wake-up timer stops counting. */
  busy(): void;
  report(error: unknown, source: AgentSessionEvents['error']['source']): void;
  /** A tool returned an agent: hand the conversation over (see `handOver`). */
  handoff(agent: Agent, flush: () => void): Promise<void>;
}

/**
 * A turn's providers, limits, history, tools and hooks; `prefetch`: an answer prepared ahead it
 * may replay; `clock`: the latency marks of the user turn it answers.
 */
export function turnDeps(w: TurnWiring, prefetch?: Prefetch, clock: TurnClock | null = null): TurnDeps {
  const { session } = w;
  const { pipeline } = session;
  return {
    llm: prefetch ? prefetch.llm(pipeline.llm) : pipeline.llm,
    tts: prefetch ? prefetch.tts(pipeline.tts) : pipeline.tts,
    timeouts: pipeline.timeouts,
    ttsLeadSec: pipeline.ttsLeadSec,
    mixer: w.audio.mixer,
    // The session's agent at each use: a handoff mid-turn swaps history and tools.
    get chat() {
      return session.agent.chatContext;
    },
    get tools() {
      return toolMap(agentTools(session.agent));
    },
    session,
    maxToolSteps: pipeline.maxToolSteps,
    clock,
    hooks: turnHooks(w, clock),
  };
}

/** The providers and first-round request an answer would be made with now (preemptive generation). */
export function answerContext(pipeline: Pipeline, agent: Agent): AnswerContext {
  const tools = pipeline.maxToolSteps > 0 ? agentTools(agent).map((t) => t.spec) : [];
  return { llm: pipeline.llm, tts: pipeline.tts, items: agent.chatContext.items, tools };
}

/**
 * What a turn's progress means for the session: states (thinking on the LLM call,
 * speaking on the first audible sample), thinking audio, the wake-up timer, latency
 * marks, and tool and error events.
 */
export function turnHooks(d: TurnWiring, clock: TurnClock | null): TurnHooks {
  const { hub, states } = d;
  const context: AudioClock = d.audio.context;
  // The turn's metrics, once its first audio is both heard and accounted for: called by both
  // hooks (each runs once per turn), the second of them reports.
  const report = () => {
    const turn = clock?.metrics();
    if (turn) hub.emit('metrics_collected', { turn });
  };
  return {
    onLlmStart: () => {
      clock?.mark('llmStart');
      states.apply('generating');
      d.busy();
      d.ambience?.startThinking(d.session.agent.thinkingAudio);
    },
    onLlmFirstToken: (servedBy, request) => {
      clock?.mark('llmFirstToken');
      clock?.served('llm', servedBy, request);
    },
    onTtsStart: () => clock?.mark('ttsStart'),
    onFirstAudio: (servedBy, request) => {
      clock?.mark('ttsFirstAudio');
      clock?.served('tts', servedBy, request);
      d.ambience?.stopThinking();
      report();
    },
    onAudible: (frame) => {
      states.apply('agent_audio');
      d.busy();
      const c = clock;
      if (c && Number.isNaN(c.audible)) {
        // The rendered frame on the performance clock: now, minus how far the context ran past it.
        c.mark('audible', performance.now() - (context.currentTime - frame / context.sampleRate) * 1000);
        report();
      }
    },
    onToolStart: (call) => hub.emit('tool_call_started', { callId: call.callId, name: call.name, arguments: call.arguments }),
    onToolEnd: (call, result) => hub.emit('tool_call_finished', { callId: call.callId, name: call.name, result }),
    onError: (error, source) => d.report(error, source),
    onHandoff: (agent, flush) => d.handoff(agent, flush),
  };
}
