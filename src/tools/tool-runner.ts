import type { Agent } from '../agent/agent';
import { isAgent } from '../agent/brand';
import { ConfigError, EarshotError } from '../errors';
import { withDeadline } from '../providers/timeout';
import type { FunctionTool, ToolContext } from './function-tool';

/** One call requested by the LLM (an `LLMChunk` of type `tool_call` fits). */
export interface ToolCall {
  callId: string;
  name: string;
  /** Raw JSON text from the LLM. */
  arguments: string;
}

/** The outcome of one call, ready for `ChatContext.addFunctionOutput`. */
export interface ToolResult {
  callId: string;
  name: string;
  /** JSON text: the tool's result, or `{"error": "..."}` when `isError`. */
  output: string;
  isError: boolean;
  /** Wall time from start to result, in ms (fractional); 0 for calls never started. */
  durationMs: number;
  /** The tool returned this agent: the session hands the conversation over to it. */
  handoff?: Agent;
}

/** Context of {@link runToolCalls}. */
export interface RunToolsContext {
  /** Aborting it resolves the run at once; unfinished calls get `{"error":"interrupted"}`. */
  signal: AbortSignal;
  /** Passed to tools as `ToolContext.session`. */
  session: ToolContext['session'];
  /** Called as each call starts (not for calls skipped because the signal was already aborted). */
  onStart?(call: ToolCall): void;
  /** Called once per started call with its result, including error and interrupted results. */
  onEnd?(call: ToolCall, result: ToolResult): void;
  /**
   * Limit per call, ms (a tool's own `timeoutMs` wins). A call past it gets an error result,
   * its signal aborts, and whatever it returns later is ignored. Default: none.
   */
  timeoutMs?: number;
  /** Called when a call ran out of time (before `onEnd`). */
  onTimeout?(call: ToolCall, error: EarshotError): void;
}

// `any`: a registry holds tools of different argument types; each tool parses its own args.
type AnyTool = FunctionTool<any>;

/** Indexes tools by name. Throws a `ConfigError` on a duplicate name (the LLM could not tell them apart). */
export function toolMap(tools: ReadonlyMap<string, AnyTool> | readonly AnyTool[]): ReadonlyMap<string, AnyTool> {
  if (!Array.isArray(tools)) return tools as ReadonlyMap<string, AnyTool>;
  const map = new Map<string, AnyTool>();
  for (const t of tools as readonly AnyTool[]) {
    if (map.has(t.name)) throw new ConfigError(`Duplicate tool name: ${t.name}`);
    map.set(t.name, t);
  }
  return map;
}

/**
 * Runs the calls of one LLM round **in parallel** and returns one result per call, in the
 * order of `calls`. It never rejects because of a tool: an unknown tool, invalid arguments,
 * a throw, or a result that JSON cannot hold each become an error result, so every call in
 * the history gets an output (the original left failed calls without one).
 *
 * If `signal` aborts, it resolves at once: finished calls keep their results, the others
 * get `{"error":"interrupted"}`. The tools see the same aborted signal; whatever they return
 * later is ignored.
 */
export async function runToolCalls(
  calls: readonly ToolCall[],
  tools: ReadonlyMap<string, AnyTool> | readonly AnyTool[],
  ctx: RunToolsContext,
): Promise<ToolResult[]> {
  const byName = toolMap(tools);
  const { signal } = ctx;
  const results: (ToolResult | undefined)[] = calls.map(() => undefined);
  const starts: (number | undefined)[] = calls.map(() => undefined);

  const finish = (i: number, call: ToolCall, output: string, isError: boolean, handoff?: Agent): void => {
    if (results[i]) return;
    const started = starts[i];
    const durationMs = started === undefined ? 0 : now() - started;
    const result: ToolResult = { callId: call.callId, name: call.name, output, isError, durationMs, ...(handoff ? { handoff } : {}) };
    results[i] = result;
    if (started !== undefined) notify(() => ctx.onEnd?.(call, result));
  };

  if (!signal.aborted) {
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const running = calls.map(async (call, i) => {
      starts[i] = now();
      notify(() => ctx.onStart?.(call));
      const [output, isError, handoff] = await runOne(call, byName.get(call.name), ctx);
      // After an abort the slot is already filled with "interrupted": keep that.
      if (!signal.aborted) finish(i, call, output, isError, handoff);
    });
    await Promise.race([Promise.all(running), aborted]);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
  return calls.map((call, i) => {
    finish(i, call, JSON.stringify({ error: 'interrupted' }), true);
    return results[i] as ToolResult;
  });
}

/** Runs one call; resolves to `[outputJson, isError, handoff?]`, never rejects. */
async function runOne(call: ToolCall, tool: AnyTool | undefined, ctx: RunToolsContext): Promise<[string, boolean, Agent?]> {
  const fail = (message: string): [string, boolean] => [JSON.stringify({ error: message }), true];
  if (!tool) return fail(`Unknown tool: ${call.name}`);
  const parsed = await tool.parse(call.arguments);
  if (!parsed.ok) return fail(parsed.error);
  let value: unknown;
  const limit = tool.timeoutMs ?? ctx.timeoutMs ?? 0;
  let timedOut: EarshotError | null = null;
  try {
    value = await withDeadline(
      async (signal) => tool.execute(parsed.args, { signal, callId: call.callId, session: ctx.session }),
      ctx.signal,
      limit,
      () => (timedOut = new EarshotError('tool-timeout', `Tool ${call.name} timed out after ${limit} ms`)),
    );
  } catch (err) {
    if (timedOut) {
      const error: EarshotError = timedOut;
      notify(() => ctx.onTimeout?.(call, error));
      return fail(error.message);
    }
    return fail(err instanceof Error ? err.message || err.name : String(err));
  }
  // A handoff: the LLM reads that it happened; the session swaps the agent after this round.
  if (isAgent(value)) return [JSON.stringify(`Transferred to ${value.name}`), false, value];
  try {
    // `undefined` (a void tool) becomes `null`, as Python's json.dumps(None) did.
    const json = value === undefined ? 'null' : JSON.stringify(value);
    // JSON.stringify returns undefined for a function or a symbol.
    if (typeof json !== 'string') return fail(`Tool ${call.name} returned a value that is not JSON (${typeof value})`);
    return [json, false];
  } catch (err) {
    return fail(`Tool ${call.name} returned a value that is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Runs an observer callback. A throwing observer must not break the turn nor lose results,
 * so its error is rethrown in a microtask, where the page's error reporting sees it.
 */
function notify(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}

function now(): number {
  return performance.now();
}
