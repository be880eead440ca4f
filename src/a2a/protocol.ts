// One agent's side of A2A (the seed's `A2AProtocol`): register a card, handle messages by
// type, send and ask. A registered agent with an `llm` answers `query` messages itself,
// headless (see answerHeadless), unless the app handles them.
import { Agent, type AgentOptions } from '../agent/agent';
import type { LLM } from '../providers/types';
import type { AgentSession } from '../session/agent-session';
import { answerHeadless, type HeadlessOptions } from './headless';
import { A2AError, agentRegistry, type A2AMessage, type A2ATarget, type AgentCard, type AgentRegistry } from './registry';

/** What a message handler gets besides the message. */
export interface A2AHandlerContext {
  /** Aborts when the asker gives up (its turn was interrupted, its timeout passed). */
  signal: AbortSignal;
  /** The asking session, when the ask came from one (e.g. through {@link consultTool}). */
  session: AgentSession | null;
}

/**
 * Handles one message type. What it returns is the reply: a string (its content), an object
 * with `content` (and `metadata`), or nothing (an empty reply). A throw fails the ask (`a2a-failed`).
 */
export type A2AHandler = (message: A2AMessage, ctx: A2AHandlerContext) => unknown;

export interface A2AProtocolOptions extends Partial<Omit<HeadlessOptions, 'llm'>> {
  /** Answers `query` messages headless with this LLM and the agent's instructions and tools (when no handler is set for `query`). */
  llm?: LLM;
  /** Default: the page's {@link agentRegistry}. */
  registry?: AgentRegistry;
}

export interface AskOptions {
  /** Message type. Default `query`. */
  type?: string;
  /** No reply after this long rejects with `a2a-timeout` (and aborts the recipient's work), ms. Default 30 000. */
  timeoutMs?: number;
  /** Aborting it (e.g. a barge-in: the tool's `ctx.signal`) stops the recipient's work and rejects with its reason. */
  signal?: AbortSignal;
  metadata?: Record<string, unknown>;
  /** The asking session, passed to the recipient's handler and tools. */
  session?: AgentSession | null;
}

/** Default limit of {@link A2AProtocol.ask}, ms. */
export const ASK_TIMEOUT_MS = 30_000;

const byAgent = new WeakMap<Agent, A2AProtocol>();
let sequence = 0;
const nextId = () => `a2a_${Date.now().toString(36)}_${++sequence}`;

/** The protocol made for `agent`, if any (`new A2AProtocol(agent)` or an {@link A2AAgent}). */
export function a2aOf(agent: Agent): A2AProtocol | undefined {
  return byAgent.get(agent);
}

/**
 * An agent's A2A side. Register a card to be found and asked; ask others by id, domain or
 * capability. Registered agents are unregistered when their session closes.
 */
export class A2AProtocol {
  readonly agent: Agent;
  readonly registry: AgentRegistry;
  readonly #o: A2AProtocolOptions;
  readonly #handlers = new Map<string, A2AHandler>();
  #card: AgentCard | null = null;
  /** Headless answers run one after another: they share the agent's history. */
  #chain: Promise<unknown> = Promise.resolve();
  #watched: AgentSession | null = null;
  #offClose: (() => void) | null = null;

  constructor(agent: Agent, options: A2AProtocolOptions = {}) {
    this.agent = agent;
    this.#o = options;
    this.registry = options.registry ?? agentRegistry;
    byAgent.set(agent, this);
  }

  /** The registered card, or null. */
  get card(): AgentCard | null {
    return this.#card && { ...this.#card };
  }

  /**
   * Registers the agent (its card's `name` defaults to `agent.name`). A `config-invalid`
   * A2AError when another agent has the id. Registering again replaces the card.
   */
  register(card: Omit<AgentCard, 'name'> & { name?: string }): void {
    const full: AgentCard = { name: this.agent.name, ...card };
    if (this.#card && this.#card.id !== full.id) this.registry.unregister(this.#card.id);
    this.registry.register(full, this);
    this.#card = full;
    this.watch(this.agent.session);
  }

  /** Leaves the registry (also done when the agent's session closes). */
  unregister(): void {
    if (this.#card && this.registry.card(this.#card.id)) this.registry.unregister(this.#card.id);
    this.#card = null;
    this.#offClose?.();
    this.#offClose = this.#watched = null;
  }

  /** Unregisters when `session` closes (called on register and when the agent joins a session). */
  watch(session: AgentSession | null): void {
    if (!session || session === this.#watched || !this.#card) return;
    this.#offClose?.();
    this.#watched = session;
    this.#offClose = session.on('session_closed', () => this.unregister());
  }

  /** Handles messages of `type` (one handler per type; a new one replaces it). Returns a remover. */
  onMessage(type: string, handler: A2AHandler): () => void {
    this.#handlers.set(type, handler);
    return () => this.offMessage(type, handler);
  }

  offMessage(type: string, handler?: A2AHandler): void {
    if (!handler || this.#handlers.get(type) === handler) this.#handlers.delete(type);
  }

  findByDomain(domain: string): AgentCard[] {
    return this.registry.findByDomain(domain);
  }

  findByCapability(capability: string): AgentCard[] {
    return this.registry.findByCapability(capability);
  }

  /** Sends a message and resolves when the recipient has handled it (its reply is dropped). Fails as {@link ask} does. */
  async sendMessage(to: A2ATarget, type: string, content: string, metadata?: Record<string, unknown>): Promise<A2AMessage> {
    const reply = await this.ask(to, content, { type, ...(metadata ? { metadata } : {}) });
    return reply;
  }

  /**
   * Sends `content` to `to` and resolves with its reply. Rejects with an A2AError:
   * `a2a-unknown-agent`, `a2a-timeout` (after `timeoutMs`), `a2a-failed` (the recipient threw
   * or handles no such type); or with the signal's reason when `signal` aborts. Either way
   * the recipient's work is aborted.
   */
  ask(to: A2ATarget, content: string, options: AskOptions = {}): Promise<A2AMessage> {
    const from = this.#card?.id ?? this.agent.name;
    const signal = options.signal;
    return new Promise<A2AMessage>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const { card, protocol } = this.registry.resolve(to, from);
      const message: A2AMessage = { id: nextId(), from, to: card.id, type: options.type ?? 'query', content, timestamp: Date.now(), ...(options.metadata ? { metadata: options.metadata } : {}) };
      const own = new AbortController();
      const limit = options.timeoutMs ?? ASK_TIMEOUT_MS;
      const finish = (error: unknown, reply?: A2AMessage) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (!own.signal.aborted) own.abort(error ?? new DOMException('answered', 'AbortError'));
        if (error) reject(error);
        else resolve(reply!);
      };
      const onAbort = () => finish(signal!.reason);
      const timer = setTimeout(() => finish(new A2AError('a2a-timeout', `A2A: ${card.id} gave no reply within ${limit} ms`)), limit);
      signal?.addEventListener('abort', onAbort, { once: true });
      protocol.#receive(message, own.signal, options.session ?? null).then(
        (reply) => finish(null, reply),
        (cause) => finish(own.signal.aborted ? own.signal.reason : new A2AError('a2a-failed', `A2A: ${card.id} failed to answer: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })),
      );
    });
  }

  async #receive(message: A2AMessage, signal: AbortSignal, session: AgentSession | null): Promise<A2AMessage> {
    const handler = this.#handlers.get(message.type);
    const llm = this.#o.llm;
    let result: unknown;
    if (handler) result = await handler({ ...message }, { signal, session });
    else if (message.type === 'query' && llm) {
      const run = this.#chain.then(() => answerHeadless(this.agent, message.content, { ...this.#o, llm }, signal, session));
      this.#chain = run.catch(() => undefined);
      result = await run;
    } else throw new Error(`no handler for "${message.type}" messages`);
    const r = typeof result === 'object' && result !== null ? (result as { content?: unknown; metadata?: Record<string, unknown> }) : { content: result };
    return {
      id: nextId(),
      from: message.to,
      to: message.from,
      type: 'response',
      content: r.content === undefined || r.content === null ? '' : String(r.content),
      inReplyTo: message.id,
      timestamp: Date.now(),
      ...(r.metadata ? { metadata: r.metadata } : {}),
    };
  }
}

export interface A2AAgentOptions extends AgentOptions, A2AProtocolOptions {}

/**
 * An {@link Agent} with `a2a` (the seed's `agent.a2a`). With `llm` it can answer `query`
 * messages by itself, headless: a specialist needs no session, mic or TTS.
 *
 * ```ts
 * const billing = new A2AAgent({ name: 'billing', instructions: 'You answer billing questions.', tools: [lookupInvoice], llm });
 * billing.a2a.register({ id: 'billing', domain: 'billing', capabilities: ['invoices'] });
 * ```
 */
export class A2AAgent extends Agent {
  readonly a2a: A2AProtocol;

  constructor(options: A2AAgentOptions) {
    super(options);
    this.a2a = new A2AProtocol(this, options);
    // The session sets `agent.session` (on construction and on a handover): watch it so a
    // registered agent leaves the registry when that session closes.
    let session = this.session;
    Object.defineProperty(this, 'session', {
      configurable: true,
      enumerable: true,
      get: () => session,
      set: (s: AgentSession | null) => {
        session = s;
        this.a2a.watch(s);
      },
    });
  }
}
