import type { Agent } from './agent';

/**
 * Marks an `Agent`, so a tool's result is recognised as a handoff by the tool runner
 * without importing the class (which imports the runner), and across copies of Earshot.
 */
export const AGENT_BRAND: unique symbol = Symbol.for('earshot.agent') as never;

/** True when `value` is an `Agent` (a tool returned one: hand the conversation over). */
export function isAgent(value: unknown): value is Agent {
  return typeof value === 'object' && value !== null && (value as { [AGENT_BRAND]?: unknown })[AGENT_BRAND] === true;
}
