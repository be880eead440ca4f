import type { EventHub } from '../events';
import type { AgentSessionEvents, AgentState, UserState } from './session-events';

/** Holds the two states and emits `*_state_changed` only when a value changes. */
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

  setAgent(state: AgentState, reason: string): void {
    if (state === this.#agent) return;
    const previous = this.#agent;
    this.#agent = state;
    this.#hub.emit('agent_state_changed', { state, previous, at: Date.now(), reason });
  }

  setUser(state: UserState, reason: string): void {
    if (state === this.#user) return;
    const previous = this.#user;
    this.#user = state;
    this.#hub.emit('user_state_changed', { state, previous, at: Date.now(), reason });
  }
}
