import { describe, expect, it } from 'vitest';
import { EventHub } from '../events';
import type { AgentSessionEvents, AgentState, UserState } from './session-events';
import { SessionStates, transition, type StateInput } from './states';

const AGENT: AgentState[] = ['starting', 'idle', 'listening', 'thinking', 'speaking', 'closing'];
const USER: UserState[] = ['idle', 'speaking', 'listening'];
const INPUTS: StateInput[] = ['start', 'started', 'start_failed', 'close', 'user_speech', 'user_stopped', 'user_gone', 'end_of_turn', 'transcribing', 'generating', 'agent_audio', 'turn_ended'];

/** Every (agent, user, input) and where the table takes it. */
const ALL = AGENT.flatMap((a) => USER.flatMap((u) => INPUTS.map((i) => ({ a, u, i, next: transition(a, u, i) }))));

describe('state table', () => {
  it('closing is final: nothing moves either state', () => {
    for (const { a, u, next } of ALL.filter((c) => c.a === 'closing')) expect(next).toEqual([a, u]);
  });

  it('close closes from every state; start only from idle', () => {
    for (const { a, next } of ALL.filter((c) => c.i === 'close')) expect(next[0]).toBe('closing');
    for (const { a, next } of ALL.filter((c) => c.i === 'start' && c.a !== 'closing')) expect(next[0]).toBe(a === 'idle' ? 'starting' : a);
  });

  it('the user speaks on user_speech, and stops (listening while the agent speaks, else idle) on user_stopped / user_gone', () => {
    for (const { a, next } of ALL.filter((c) => c.i === 'user_speech' && c.a !== 'closing')) {
      expect(next[1]).toBe('speaking');
      // The agent listens unless it is busy answering.
      expect(next[0]).toBe(a === 'idle' || a === 'listening' ? 'listening' : a);
    }
    for (const { a, next } of ALL.filter((c) => (c.i === 'user_stopped' || c.i === 'user_gone') && c.a !== 'closing')) {
      expect(next[1]).toBe(a === 'speaking' ? 'listening' : 'idle');
    }
  });

  it('a listening agent goes idle when nothing follows the user (user_gone), and thinks at the end of a turn', () => {
    expect(transition('listening', 'speaking', 'user_gone')).toEqual(['idle', 'idle']);
    expect(transition('listening', 'speaking', 'user_stopped')).toEqual(['listening', 'idle']);
    expect(transition('listening', 'idle', 'end_of_turn')).toEqual(['thinking', 'idle']);
    expect(transition('speaking', 'listening', 'end_of_turn')).toEqual(['speaking', 'listening']);
  });

  it('generating: thinking unless already speaking; the user idles unless speaking', () => {
    for (const { a, u, next } of ALL.filter((c) => c.i === 'generating' && c.a !== 'closing')) {
      expect(next).toEqual([a === 'speaking' ? 'speaking' : 'thinking', u === 'speaking' ? 'speaking' : 'idle']);
    }
  });

  it('agent_audio: the agent speaks and a silent user listens', () => {
    for (const { u, next } of ALL.filter((c) => c.i === 'agent_audio' && c.a !== 'closing')) expect(next).toEqual(['speaking', u === 'speaking' ? 'speaking' : 'listening']);
  });

  it('turn_ended: never leaves the agent thinking or speaking; a speaking user is listened to', () => {
    for (const { u, next } of ALL.filter((c) => c.i === 'turn_ended' && c.a !== 'closing')) expect(next).toEqual(u === 'speaking' ? ['listening', 'speaking'] : ['idle', 'idle']);
  });

  it('start_failed returns both to idle; started only leaves starting', () => {
    for (const { next } of ALL.filter((c) => c.i === 'start_failed' && c.a !== 'closing')) expect(next).toEqual(['idle', 'idle']);
    for (const { a, u, next } of ALL.filter((c) => c.i === 'started' && c.a !== 'closing')) expect(next).toEqual([a === 'starting' ? 'idle' : a, u]);
  });

  it('SessionStates emits only real changes, both states set before either event, with the input as reason', () => {
    const hub = new EventHub<AgentSessionEvents>();
    const states = new SessionStates(hub);
    const seen: string[] = [];
    hub.on('agent_state_changed', (e) => seen.push(`agent ${e.previous}→${e.state} (${e.reason}) user=${states.user}`));
    hub.on('user_state_changed', (e) => seen.push(`user ${e.previous}→${e.state} (${e.reason}) agent=${states.agent}`));
    states.apply('user_speech');
    states.apply('user_speech');
    states.apply('close', 'manual_hangup');
    states.apply('turn_ended');
    expect(seen).toEqual(['agent idle→listening (user_speech) user=speaking', 'user idle→speaking (user_speech) agent=listening', 'agent listening→closing (manual_hangup) user=speaking']);
  });
});
