// A specialist's answer without audio: the same LLM rounds and tool runner as a spoken turn
// (tools in parallel, every call answered, time limits, abort), but the text is only returned:
// nothing goes to a TTS or a mixer.
import type { Agent } from '../agent/agent';
import { isAbortError } from '../providers/errors';
import { withTimeouts } from '../providers/timeout';
import type { LLM, LLMChunk } from '../providers/types';
import { agentTools } from '../session/handoff';
import { DEFAULT_TIMEOUTS, type Timeouts } from '../session/pipeline';
import type { AgentSession } from '../session/agent-session';
import { runToolCalls, toolMap, type ToolCall } from '../tools/tool-runner';

export interface HeadlessOptions {
  llm: LLM;
  /** LLM rounds with tools before a last round without them. Default 8. */
  maxToolSteps?: number;
  /** LLM first-token/stall and tool limits, ms (defaults: the pipeline's, `DEFAULT_TIMEOUTS`). */
  timeouts?: Partial<Pick<Timeouts, 'llmFirstTokenMs' | 'llmStallMs' | 'toolMs'>>;
}

/**
 * Adds `question` to `agent`'s history as a user message, runs LLM rounds (with the agent's
 * instructions and tools) until an answer without tool calls, adds that answer and returns
 * it. `session` is what the tools see as `ctx.session` (the asking session). Rejects with
 * the signal's reason when aborted (the calls left open get an `interrupted` output).
 */
export async function answerHeadless(agent: Agent, question: string, o: HeadlessOptions, signal: AbortSignal, session: AgentSession | null): Promise<string> {
  const { llm } = o;
  const t = { ...DEFAULT_TIMEOUTS, ...o.timeouts };
  const maxSteps = o.maxToolSteps ?? 8;
  const chat = agent.chatContext;
  chat.addMessage('user', question);
  try {
    for (let step = 0; ; step++) {
      signal.throwIfAborted();
      const tools = toolMap(agentTools(agent));
      const allow = tools.size > 0 && step < maxSteps;
      const open = (s: AbortSignal): AsyncIterable<LLMChunk> =>
        llm.chat({ items: [...chat.items], tools: allow ? [...tools.values()].map((x) => x.spec) : [], signal: s, ...(allow ? {} : { toolChoice: 'none' as const }) });
      let text = '';
      const calls: ToolCall[] = [];
      for await (const chunk of withTimeouts(open, signal, { provider: llm.label, what: 'first token', firstMs: t.llmFirstTokenMs, stallMs: t.llmStallMs })) {
        if (chunk.type === 'text') text += chunk.delta;
        else if (chunk.type === 'tool_call') calls.push({ callId: chunk.callId, name: chunk.name, arguments: chunk.arguments });
      }
      signal.throwIfAborted();
      if (calls.length === 0) {
        chat.addMessage('assistant', text);
        return text;
      }
      for (const c of calls) chat.addFunctionCall(c.callId, c.name, c.arguments);
      // A headless agent has no session of its own: its tools get the asking one.
      const results = await runToolCalls(calls, tools, { signal, session: (session ?? agent.session) as AgentSession, timeoutMs: t.toolMs });
      for (const r of results) chat.addFunctionOutput(r.callId, r.name, r.output, r.isError);
    }
  } catch (err) {
    // withTimeouts ends quietly on the caller's abort: make it the caller's reason.
    if (signal.aborted || isAbortError(err)) throw signal.reason ?? err;
    throw err;
  } finally {
    chat.closeOpenCalls('interrupted');
  }
}
