import type { EventHub } from '../events';
import type { AgentSessionEvents, AgentState, UserState } from './session-events';

/** What moves the agent and user states. Each is the `reason` of the state events it causes. */
export type StateInput =
  | 'start'
  | 'started'
  | 'start_failed'
  | 'close'
  /** The VAD heard the user begin. */
  | 'user_speech'
  /** The user stopped and what they said goes on (a turn, or words over the agent). */
  | 'user_stopped'
  /** The user stopped and nothing follows (a misfire, the agent's own echo). */
  | 'user_gone'
  /** The user's turn is over: the agent will answer. */
  | 'end_of_turn'
  | 'transcribing'
  /** The LLM was asked. */
  | 'generating'
  /** The agent's first sample of a turn was played. */
  | 'agent_audio'
  | 'turn_ended';

/**
 * Every transition, one row each: `input agent-now user-now → agent-next user-next`, where
 * `*` is any state, `a|b` either, and `=` keeps the state. The first row that matches wins;
 * a pair absent here changes nothing. `closing` is final (the agent may still speak in
 * `onExit`, but the session is on its way out).
 */
const TABLE = `close * * closing =
start idle * starting =
started starting * idle =
start_failed * * idle idle
user_speech idle|listening * listening speaking
user_speech * * = speaking
user_stopped speaking * = listening
user_stopped * * = idle
user_gone speaking * = listening
user_gone listening * idle idle
user_gone * * = idle
end_of_turn listening * thinking =
transcribing * * thinking =
generating speaking speaking = =
generating speaking * = idle
generating * speaking thinking =
generating * * thinking idle
agent_audio * speaking speaking =
agent_audio * * speaking listening
turn_ended * speaking listening =
turn_ended * * idle idle`
  .split('\n')
  .map((row) => row.split(' '));

/** The next states after `input`, from the table. */
export function transition(agent: AgentState, user: UserState, input: StateInput): [AgentState, UserState] {
  if (agent === 'closing') return [agent, user];
  for (const [i, a, u, nextA, nextU] of TABLE) {
    if (i !== input || (a !== '*' && !a!.split('|').includes(agent)) || (u !== '*' && u !== user)) continue;
    return [nextA === '=' ? agent : (nextA as AgentState), nextU === '=' ? user : (nextU as UserState)];
  }
  return [agent, user];
}

/**
 * The agent and user states: the only writer of both. Inputs go through the table above;
 * `*_state_changed` is emitted only when a value changes.
 */
export class SessionStates {
  #agent: AgentState = 'idle';
  #user: UserState = 'idle';
  readonly #hub: EventHub<AgentSessionEvents>;

  constructor(hub: EventHub<AgentSessionEvents>) {
    this.#hub = hub;
  }

  get agent(): AgentState {
    return this.#agent;
  }

  get user(): UserState {
    return this.#user;
  }

  /** Applies `input`; `reason` (default: the input) goes on the events. */
  apply(input: StateInput, reason: string = input): void {
    const [agent, user] = transition(this.#agent, this.#user, input);
    const before = { agent: this.#agent, user: this.#user };
    this.#agent = agent;
    this.#user = user;
    const at = Date.now();
    if (agent !== before.agent) this.#hub.emit('agent_state_changed', { state: agent, previous: before.agent, at, reason });
    if (user !== before.user) this.#hub.emit('user_state_changed', { state: user, previous: before.user, at, reason });
  }
}
