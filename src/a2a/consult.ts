// A tool that consults another agent of the page: the voice agent's LLM calls it, the other
// agent answers (headless, with its own LLM and tools), and the answer comes back as the tool
// result: the voice agent's LLM words what is said, the specialist's text never reaches a TTS.
import { functionTool, type FunctionTool } from '../tools/function-tool';
import type { A2ATarget } from './registry';
import { a2aOf, A2AProtocol, ASK_TIMEOUT_MS } from './protocol';

export interface ConsultToolOptions {
  /** Who is asked: a card id, `{ domain }` or `{ capability }` (looked up at each call). */
  to: A2ATarget;
  /** Tool name. Default `consult_specialist`. */
  name?: string;
  /** Tells the LLM when to consult. Default: from the target's card description when it is registered. */
  description?: string;
  /** The asking side. Default: the protocol of the session's agent in charge (`A2AAgent`, or `new A2AProtocol(agent)`). */
  from?: A2AProtocol;
  /** No reply after this long: an `a2a-timeout` error result, ms. Default 30 000. */
  timeoutMs?: number;
}

/**
 * `consult_specialist(question)`: sends `question` as a `query` message and returns the reply's
 * content as the tool result. A barge-in aborts the consultation (the tool's signal); an
 * unknown agent, a timeout or a failure become error results the LLM reads.
 */
export function consultTool(options: ConsultToolOptions): FunctionTool<{ question: string }> {
  const timeoutMs = options.timeoutMs ?? ASK_TIMEOUT_MS;
  const target = typeof options.to === 'string' ? options.to : JSON.stringify(options.to);
  return functionTool<{ question: string }>({
    name: options.name ?? 'consult_specialist',
    description: options.description ?? `Asks another agent (${target}) a question and returns its answer. Use it for questions that agent knows better.`,
    parameters: { type: 'object', properties: { question: { type: 'string', description: 'The question, self-contained.' } }, required: ['question'], additionalProperties: false },
    // A little over the ask's own limit, so that its typed timeout is what the LLM reads.
    timeoutMs: timeoutMs + 1000,
    async execute({ question }, ctx) {
      const from = options.from ?? a2aOf(ctx.session.agent) ?? new A2AProtocol(ctx.session.agent);
      const reply = await from.ask(options.to, question, { timeoutMs, signal: ctx.signal, session: ctx.session });
      return reply.content;
    },
  });
}
