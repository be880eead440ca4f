// An agent's tool servers (connect on start or takeover, close on close or handover) and
// the handover itself: old agent's onExit, servers swapped, history carried, new agent's onEnter.
import type { Agent } from '../agent/agent';
import type { HandoffContext, MCPServer } from '../agent/mcp-server';
import { ConfigError, EarshotError } from '../errors';
import type { LLM } from '../providers/types';
import type { FunctionTool } from '../tools/function-tool';
import type { AgentSession } from './agent-session';
import type { Lifecycle } from './lifecycle';
import { extras } from '../lazy';

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

const duplicate = (name: string) => new ConfigError(`Duplicate tool name: ${name} (offered by an MCP server and by another tool)`);

/**
 * Connects the agent's MCP servers (the code loads with the core's extras, only for an
 * agent that has servers). Rejects with the first failure, or a `ConfigError` for a tool
 * name offered twice.
 */
export function connectServers(agent: Agent): Promise<void> {
  return agent.mcpServers.length ? extras().then((m) => m.connectServers(agent, duplicate)) : Promise.resolve();
}

/** Closes servers in parallel, bounded in time. Never rejects. */
function closeServers(servers: readonly MCPServer[]): Promise<void> {
  // Servers were connected by the loaded module, so a load failure here means none is open.
  return servers.length ? extras().then((m) => m.closeServers(servers), () => {}) : Promise.resolve();
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
    try {
      const { handOver: run } = await extras();
      await run({ from, to, context, flush, llm: host.llm(), signal: host.signal(), report, duplicate, released: () => generation !== released, swap, emit: host.emit });
    } catch (cause) {
      // Only the module's load can throw here (handOver reports hook errors itself).
      report(cause);
    } finally {
      target = null;
    }
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
