// The handover itself, and the MCP servers' connect and close: loaded on first use with the
// core's other extras (src/extras.ts, src/lazy.ts). It imports no values, so that file stands
// alone: what it needs of the session comes in `HandoverStep`.
import type { Agent } from '../agent/agent';
import type { HandoffContext, MCPServer } from '../agent/mcp-server';
import type { ChatItem, LLM } from '../providers/types';

/** How long closing an agent's servers may hold a handover or close(), ms. */
const SERVER_CLOSE_MS = 3000;
/** Messages kept when a summary cannot be made. */
const FALLBACK_MESSAGES = 6;
/** How long the summary may take, ms; past it the last messages are carried instead. */
const SUMMARY_MS = 8000;

/** One handover, and what it needs of the session (handoff.ts). */
export interface HandoverStep {
  from: Agent;
  to: Agent;
  context: HandoffContext;
  /** Runs before the swap (speech of `onExit` goes into the old history). */
  flush?: (() => void) | undefined;
  llm: LLM;
  /** The running turn's signal: a barge-in cuts a summary short. */
  signal: AbortSignal;
  report(error: unknown): void;
  /** The error for a tool name offered twice (errors are the core's classes: no value imports here). */
  duplicate(name: string): Error;
  /** The session was released meanwhile: nobody takes over. */
  released(): boolean;
  swap(agent: Agent): void;
  emit(previous: Agent, agent: Agent, context: HandoffContext): void;
}

/**
 * The old agent's `onExit` (it may still speak), its MCP servers closed, the new one's
 * connected (a failure is reported; the agent goes on without their tools), the history
 * carried over, the swap, `agent_changed`, then the new agent's `onEnter`. Hook errors are
 * reported, not thrown: a handover always completes.
 */
export async function handOver(s: HandoverStep): Promise<void> {
  const { from, to, report } = s;
  await Promise.resolve().then(() => from.onExit()).catch(report);
  s.flush?.();
  await closeServers(from.mcpServers.filter((server) => !to.mcpServers.includes(server)));
  await connectServers(to, s.duplicate).catch(report);
  // The session closed meanwhile: what was connected closes again.
  if (s.released()) return closeServers(to.mcpServers);
  await carryContext(from, to, s.context, s.llm, s.signal);
  s.swap(to);
  s.emit(from, to, s.context);
  await Promise.resolve().then(() => to.onEnter()).catch(report);
}

/**
 * Connects the agent's servers in parallel. Rejects with the first failure (and closes
 * them all), or with `duplicate(name)` when a server offers a name already taken: the LLM
 * could not tell the two tools apart.
 */
export async function connectServers(agent: Agent, duplicate: (name: string) => Error): Promise<void> {
  const servers = agent.mcpServers;
  try {
    const lists = await Promise.all(servers.map((s) => s.connect()));
    const names = new Set(agent.tools.map((t) => t.name));
    for (const tool of lists.flat()) {
      if (names.has(tool.name)) throw duplicate(tool.name);
      names.add(tool.name);
    }
  } catch (err) {
    await closeServers(servers);
    throw err;
  }
}

/** Closes servers in parallel, within {@link SERVER_CLOSE_MS}. Never rejects. */
export function closeServers(servers: readonly MCPServer[]): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, SERVER_CLOSE_MS)));
  return Promise.race([Promise.allSettled(servers.map((s) => s.close())).then(() => {}), late]).finally(() => clearTimeout(timer));
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
  const summary = await summarize(messages, llm, signal).catch(() => null);
  if (summary) to.chatContext.addMessage('developer', `Summary of the conversation so far, before you took over: ${summary}`);
  else to.chatContext.append(messages.slice(-FALLBACK_MESSAGES));
}

/** Asks the LLM for a short summary of `messages`; null when it gives none within {@link SUMMARY_MS}. */
async function summarize(messages: readonly ChatItem[], llm: LLM, parent: AbortSignal): Promise<string | null> {
  const transcript = messages.map((m) => (m.type === 'message' ? `${m.role}: ${m.content}` : '')).join('\n');
  const own = new AbortController();
  const timer = setTimeout(() => own.abort(), SUMMARY_MS);
  const signal = AbortSignal.any([parent, own.signal]);
  const now = Date.now();
  let text = '';
  const request: ChatItem[] = [
    { type: 'message', id: 'summary-system', role: 'system', content: 'Summarize this conversation in at most three sentences, for another assistant who takes over. Keep names, numbers and open requests.', createdAt: now },
    { type: 'message', id: 'summary-user', role: 'user', content: transcript, createdAt: now },
  ];
  try {
    for await (const chunk of llm.chat({ items: request, tools: [], signal, toolChoice: 'none' })) {
      if (signal.aborted) return null;
      if (chunk.type === 'text') text += chunk.delta;
    }
  } finally {
    clearTimeout(timer);
  }
  return signal.aborted ? null : text.trim() || null;
}
