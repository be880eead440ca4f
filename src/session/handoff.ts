// An agent's tool servers (connect on start or takeover, close on close or handover) and
// the handover itself: old agent's onExit, servers swapped, history carried, new agent's onEnter.
import type { Agent } from '../agent/agent';
import type { HandoffContext, MCPServer } from '../agent/mcp-server';
import { ConfigError, EarshotError } from '../errors';
import type { LLM } from '../providers/types';
import type { FunctionTool } from '../tools/function-tool';
import type { AgentSession } from './agent-session';
import { within, type Lifecycle } from './lifecycle';
import { SCRIPT_URL } from '../assets';

/** How long closing an agent's servers may hold a handover or close(), ms. */
const SERVER_CLOSE_MS = 3000;

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
    try {
      const { handOver: run } = await loadHandover();
      await run({ from, to, context, flush, llm: host.llm(), signal: host.signal(), report, closeServers, connectServers, released: () => generation !== released, swap, emit: host.emit });
    } catch (cause) {
      // Only the module's load can throw here (handOver reports hook errors itself).
      report(new EarshotError('asset-load-failed', 'Could not load the handover module', { cause }));
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

/** Defined by every build (scripts/build-lib.mjs, vite.config.ts, vitest.config.ts). */
declare const __EARSHOT_IIFE__: boolean;

/**
 * The handover's module, on the first handover: a chunk of the ES build; the script-tag build
 * cannot split, so it imports the ES build's standalone `handover.js` from beside itself.
 */
function loadHandover(): Promise<typeof import('./handover')> {
  return __EARSHOT_IIFE__ ? import(/* @vite-ignore */ new URL('handover.js', SCRIPT_URL ?? location.href).href) : import('./handover');
}
