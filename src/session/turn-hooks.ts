import type { Agent, ThinkingAudioConfig } from '../agent/agent';
import { toolMap } from '../tools/tool-runner';
import { agentTools } from './handoff';
import type { Pipeline } from './pipeline';
import type { AnswerContext } from './streaming';
import type { EventHub } from '../events';
import type { TurnClock } from '../telemetry/turn-metrics';
import type { TurnDeps, TurnHooks } from '../turn/turn';
import type { Prefetch } from '../turn/prefetch';
import type { AgentSession } from './agent-session';
import type { Ambience } from './ambience';
import type { AgentSessionEvents } from './session-events';
import type { AudioClock, SessionAudio } from './session-audio';
import type { SessionStates } from './states';
import type { WakeUpTimer } from './wake-up';

interface HookDeps {
  hub: EventHub<AgentSessionEvents>;
  states: SessionStates;
  context: AudioClock;
  clock: TurnClock | null;
  wake(): WakeUpTimer | null;
  ambience(): Ambience | null;
  thinkingAudio(): ThinkingAudioConfig | undefined;
  report(error: unknown, source: AgentSessionEvents['error']['source']): void;
  /** A tool returned an agent: hand the conversation over (see `handOver`). */
  handoff(agent: Agent, flush: () => void): Promise<void>;
}

/** What the session lends every turn (the audio engine comes per turn: it exists once started). */
export type TurnWiring = Omit<HookDeps, 'context' | 'thinkingAudio' | 'clock'> & { session: AgentSession };

/**
 * A turn's providers, limits, history, tools and hooks; `prefetch`: an answer prepared ahead it
 * may replay; `clock`: the latency marks of the user turn it answers.
 */
export function turnDeps(w: TurnWiring, engine: SessionAudio, prefetch?: Prefetch, clock: TurnClock | null = null): TurnDeps {
  const { session } = w;
  const { pipeline } = session;
  return {
    llm: prefetch ? prefetch.llm(pipeline.llm) : pipeline.llm,
    tts: prefetch ? prefetch.tts(pipeline.tts) : pipeline.tts,
    timeouts: pipeline.timeouts,
    ttsLeadSec: pipeline.ttsLeadSec,
    mixer: engine.mixer,
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
    hooks: turnHooks({ ...w, clock, context: engine.context, thinkingAudio: () => session.agent.thinkingAudio }),
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
export function turnHooks(d: HookDeps): TurnHooks {
  const { hub, states } = d;
  return {
    onLlmStart: () => {
      d.clock?.mark('llmStart');
      states.apply('generating');
      d.wake()?.pause();
      d.ambience()?.startThinking(d.thinkingAudio());
    },
    onLlmFirstToken: (servedBy) => {
      d.clock?.mark('llmFirstToken');
      d.clock?.served('llm', servedBy);
    },
    onTtsStart: () => d.clock?.mark('ttsStart'),
    onFirstAudio: (servedBy) => {
      d.clock?.mark('ttsFirstAudio');
      d.clock?.served('tts', servedBy);
      d.ambience()?.stopThinking();
    },
    onAudible: (frame) => {
      states.apply('agent_audio');
      d.wake()?.pause();
      const c = d.clock;
      if (c && Number.isNaN(c.audible)) {
        // The rendered frame on the performance clock: now, minus how far the context ran past it.
        c.mark('audible', performance.now() - (d.context.currentTime - frame / d.context.sampleRate) * 1000);
        const turn = c.metrics();
        if (turn) hub.emit('metrics_collected', { turn });
      }
    },
    onToolStart: (call) => hub.emit('tool_call_started', { callId: call.callId, name: call.name, arguments: call.arguments }),
    onToolEnd: (call, result) => hub.emit('tool_call_finished', { callId: call.callId, name: call.name, result }),
    onError: (error, source) => d.report(error, source),
    onHandoff: (agent, flush) => d.handoff(agent, flush),
  };
}
