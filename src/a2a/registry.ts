// The page's agent registry: one in-memory bus per page (the seed's singleton AgentRegistry),
// where agents are found by id, domain or capability. Nothing leaves the page.
import { EarshotError } from '../errors';
import type { A2AProtocol } from './protocol';

/** What an agent tells the others about itself (the seed's `AgentCard`). */
export interface AgentCard {
  /** Unique in the page. */
  id: string;
  name: string;
  /** e.g. `billing`, `weather`; {@link AgentRegistry.findByDomain} matches it. */
  domain?: string;
  /** e.g. `['refunds', 'invoices']`; {@link AgentRegistry.findByCapability} matches them. */
  capabilities?: readonly string[];
  description?: string;
  metadata?: Record<string, unknown>;
}

/** A message between two agents of the page (the seed's `A2AMessage`). */
export interface A2AMessage {
  id: string;
  /** The sender's card id. */
  from: string;
  /** The recipient's card id. */
  to: string;
  /** e.g. `query`, `response`; handlers are registered per type. */
  type: string;
  content: string;
  /** The message this one answers (a reply). */
  inReplyTo?: string;
  /** Epoch ms. */
  timestamp: number;
  metadata?: Record<string, unknown>;
}

export type A2AErrorCode = 'a2a-unknown-agent' | 'a2a-timeout' | 'a2a-failed' | 'config-invalid';

/**
 * An A2A failure: `a2a-unknown-agent` (no such id, or nobody with that domain/capability),
 * `a2a-timeout` (no reply in time), `a2a-failed` (the recipient's handler threw; `cause` holds it),
 * `config-invalid` (a taken id, a protocol not registered). An aborted ask rejects with the signal's reason.
 */
export class A2AError extends EarshotError<A2AErrorCode> {
  override name = 'A2AError';
}

/** Who may be asked: a card id, or the first agent registered with that domain or capability. */
export type A2ATarget = string | { domain: string } | { capability: string };

/** The agents registered in this page. Use the shared {@link agentRegistry}. */
export class AgentRegistry {
  readonly #agents = new Map<string, { card: AgentCard; protocol: A2AProtocol }>();

  /** Adds an agent; a `config-invalid` A2AError when its id is taken by another. */
  register(card: AgentCard, protocol: A2AProtocol): void {
    const had = this.#agents.get(card.id);
    if (had && had.protocol !== protocol) throw new A2AError('config-invalid', `A2A: an agent with id "${card.id}" is already registered`);
    this.#agents.set(card.id, { card: { ...card }, protocol });
  }

  unregister(id: string): void {
    this.#agents.delete(id);
  }

  /** Every card, in registration order (copies). */
  get cards(): AgentCard[] {
    return [...this.#agents.values()].map((a) => ({ ...a.card }));
  }

  card(id: string): AgentCard | undefined {
    const a = this.#agents.get(id);
    return a && { ...a.card };
  }

  findByDomain(domain: string): AgentCard[] {
    return this.cards.filter((c) => c.domain === domain);
  }

  findByCapability(capability: string): AgentCard[] {
    return this.cards.filter((c) => c.capabilities?.includes(capability));
  }

  /** The protocol of `target`, or an `a2a-unknown-agent` A2AError. */
  resolve(target: A2ATarget, except?: string): { card: AgentCard; protocol: A2AProtocol } {
    const id = typeof target === 'string' ? target : ('domain' in target ? this.findByDomain(target.domain) : this.findByCapability(target.capability)).find((c) => c.id !== except)?.id;
    const found = id === undefined ? undefined : this.#agents.get(id);
    if (!found) throw new A2AError('a2a-unknown-agent', `A2A: no agent ${typeof target === 'string' ? `"${target}"` : JSON.stringify(target)} is registered`);
    return found;
  }
}

/** The page's registry (the seed's singleton). */
export const agentRegistry = new AgentRegistry();
