// An agent's tool servers (connect on start or takeover, close on close or handover) and
// the handover itself: old agent's onExit, servers swapped, history carried, new agent's onEnter.
import type { Agent } from '../agent/agent';
import type { HandoffContext, MCPServer } from '../agent/mcp-server';
import { ConfigError, EarshotError } from '../errors';
import type { ChatItem, LLM } from '../providers/types';
import type { FunctionTool } from '../tools/function-tool';
import type { AgentSession } from './agent-session';
import { within, type Lifecycle } from './lifecycle';

/** How long closing an agent's servers may hold a handover or close(), ms. */
const SERVER_CLOSE_MS = 3000;
/** Messages kept when a summary cannot be made. */
const FALLBACK_MESSAGES = 6;

/** The agent's function tools, then its servers' tools; a later tool with a taken name is left out. */
export function agentTools(agent: Agent): FunctionTool<any>[] {
  const tools = [...agent.tools];
  const names = new Set(tools.map((t) => t.name));
  for (const server of agent.mcpServers) {
    for (const t of server.tools) {
      if (names.has(t.name)) continue;
      names.add(t.name);
      tools.push(t);
    }
  }
  return tools;
}

/**
 * Connects the agent's servers in parallel. Rejects with the first failure (and closes
 * them all), or with a `ConfigError` when a server offers a name already taken: the LLM
 * could not tell the two tools apart.
 */
export async function connectServers(agent: Agent): Promise<void> {
  const servers = agent.mcpServers;
  if (servers.length === 0) return;
  try {
    const lists = await Promise.all(servers.map((s) => s.connect()));
    const names = new Set(agent.tools.map((t) => t.name));
    for (const tool of lists.flat()) {
      if (names.has(tool.name)) throw new ConfigError(`Duplicate tool name: ${tool.name} (offered by an MCP server and by another tool)`);
      names.add(tool.name);
    }
  } catch (err) {
    await closeServers(agent.mcpServers);
    throw err;
  }
}

/** Closes servers in parallel, within {@link SERVER_CLOSE_MS}. Never rejects. */
export function closeServers(servers: readonly MCPServer[]): Promise<void> {
  return within(Promise.allSettled(servers.map((s) => s.close())), SERVER_CLOSE_MS);
}

/** What a handover needs from the session. */
export interface HandoverHost {
  /** Set as `agent.session` of the agent in charge. */
  session: AgentSession;
  /** The LLM that writes a `summary`. */
  llm(): LLM;
  /** The running turn's signal: a barge-in cuts a summary short. */
  signal(): AbortSignal;
  report(error: unknown): void;
  emit(previous: Agent, agent: Agent, context: HandoffContext): void;
}

/** The session's agent in charge, and its handovers (one after another). */
export interface Agents {
  readonly agent: Agent;
  /**
   * Hands the conversation to `to`: the old agent's `onExit` (it may still speak), its MCP
   * servers closed, `to`'s connected (a failure is reported; the agent goes on without their
   * tools), the history carried over as `context` says, the swap, `agent_changed`, then
   * `to.onEnter()`. Hook errors are reported, not thrown: a handover always completes.
   * `flush` runs before the swap (speech of `onExit` goes into the old history).
   */
  run(to: Agent, context: HandoffContext, flush?: () => void): Promise<void>;
  /** `session.updateAgent()`: before start only a swap; after close a `closed` rejection. */
  update(to: Agent, context: HandoffContext | undefined, life: Lifecycle): Promise<void>;
  /** Closes the MCP servers of the agent in charge and of one being handed to (session teardown). */
  release(): Promise<void>;
}

/** Makes the session's {@link Agents}, starting with `first` in charge. */
export function sessionAgents(first: Agent, host: HandoverHost): Agents {
  let agent = first;
  let target: Agent | null = null;
  // Counts releases: a handover that connected servers after one closes them again.
  let released = 0;
  let chain = Promise.resolve();
  const report = (e: unknown) => host.report(e);
  const swap = (a: Agent) => void ((agent = a).session = host.session);
  const handOver = async (to: Agent, context: HandoffContext, flush?: () => void): Promise<void> => {
    const from = agent;
    if (from === to) return;
    const generation = released;
    target = to;
    await Promise.resolve().then(() => from.onExit()).catch(report);
    flush?.();
    await closeServers(from.mcpServers.filter((s) => !to.mcpServers.includes(s)));
    await connectServers(to).catch(report);
    target = null;
    // The session closed meanwhile: what was connected closes again, and nobody takes over.
    if (generation !== released) return closeServers(to.mcpServers);
    await carryContext(from, to, context, host.llm(), host.signal());
    swap(to);
    host.emit(from, to, context);
    await Promise.resolve().then(() => to.onEnter()).catch(report);
  };
  const run = (to: Agent, context: HandoffContext, flush?: () => void) => (chain = chain.then(() => handOver(to, context, flush)));
  swap(first);
  return {
    get agent() {
      return agent;
    },
    run,
    release: () => (released++, closeServers([...agent.mcpServers, ...(target?.mcpServers ?? [])])),
    update: (to, context, life) =>
      life.phase === 'new'
        ? Promise.resolve(swap(to))
        : new Promise((resolve, reject) => life.whenReady(() => void run(to, context ?? to.handoffContext).then(resolve), () => reject(new EarshotError('closed', 'updateAgent() after close()')))),
  };
}

/**
 * Adds to `to`'s history what it keeps of `from`'s (after what it already has, its own
 * instructions first): every item (`full`), a developer message with a summary the LLM
 * writes (`summary`; the last few messages when that fails or is aborted), or nothing.
 */
export async function carryContext(from: Agent, to: Agent, context: HandoffContext, llm: LLM, signal: AbortSignal): Promise<void> {
  const items = from.chatContext.copy({ includeSystemMessages: false });
  if (context === 'none' || items.length === 0) return;
  if (context === 'full') {
    to.chatContext.append(items);
    return;
  }
  const messages = items.filter((i): i is Extract<ChatItem, { type: 'message' }> => i.type === 'message' && (i.role === 'user' || i.role === 'assistant'));
  // Loaded on demand (its own chunk): only a `summary` handover needs it.
  const summary = await import('./handoff-summary').then((m) => m.summarize(messages, llm, signal)).catch(() => null);
  if (summary) to.chatContext.addMessage('developer', `Summary of the conversation so far, before you took over: ${summary}`);
  else to.chatContext.append(messages.slice(-FALLBACK_MESSAGES));
}
