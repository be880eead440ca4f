import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { functionTool, type ToolContext } from './function-tool';
import type { AgentSession } from '../session/agent-session';
import { runToolCalls, toolMap, type ToolCall } from './tool-runner';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new Error('aborted'));
    });
  });

const slow = (name: string, ms: number, value: unknown) =>
  functionTool({ name, description: '', parameters: z.object({}), execute: async () => (await sleep(ms), value) });

const call = (name: string, args = '{}', callId = `c_${name}`): ToolCall => ({ callId, name, arguments: args });
// Any object will do: the runner only passes the session through to the tools.
const ctx = (signal = new AbortController().signal) => ({ signal, session: { id: 'session' } as unknown as AgentSession });
const errorOf = (output: string) => (JSON.parse(output) as { error: string }).error;

describe('runToolCalls', () => {
  it('runs calls in parallel and returns results in call order', async () => {
    const tools = [slow('a', 100, { n: 1 }), slow('b', 100, [2])];
    // Parallel: both calls start before either ends (an order, not a wall-clock bound).
    const order: string[] = [];
    const results = await runToolCalls([call('b'), call('a')], tools, {
      ...ctx(),
      onStart: (c) => order.push(`start ${c.name}`),
      onEnd: (c) => order.push(`end ${c.name}`),
    });
    expect(order.slice(0, 2).sort()).toEqual(['start a', 'start b']);
    expect(results.map((r) => [r.callId, r.output, r.isError])).toEqual([
      ['c_b', '[2]', false],
      ['c_a', '{"n":1}', false],
    ]);
    for (const r of results) expect(r.durationMs).toBeGreaterThanOrEqual(90);
  });

  it('passes parsed arguments and the tool context', async () => {
    const seen: [unknown, ToolContext][] = [];
    const echo = functionTool({
      name: 'echo',
      description: '',
      parameters: z.object({ n: z.number() }),
      execute: (args, c) => (seen.push([args, c]), args.n * 2),
    });
    const c = ctx();
    const [r] = await runToolCalls([call('echo', '{"n":21}', 'call_1')], new Map([['echo', echo]]), c);
    expect(r).toMatchObject({ callId: 'call_1', name: 'echo', output: '42', isError: false });
    expect(seen[0]?.[0]).toEqual({ n: 21 });
    expect(seen[0]?.[1]).toEqual({ signal: c.signal, callId: 'call_1', session: c.session });
  });

  it('keeps a string result as a JSON string and turns undefined into null', async () => {
    const tools = [slow('s', 0, 'sunny "and" warm'), slow('v', 0, undefined)];
    const [s, v] = await runToolCalls([call('s'), call('v')], tools, ctx());
    expect(s?.output).toBe('"sunny \\"and\\" warm"');
    expect(JSON.parse(s?.output ?? '')).toBe('sunny "and" warm');
    expect(v).toMatchObject({ output: 'null', isError: false });
  });

  it('answers an unknown tool with an error result', async () => {
    const [r] = await runToolCalls([call('nope')], [slow('a', 0, 1)], ctx());
    expect(r).toMatchObject({ callId: 'c_nope', name: 'nope', isError: true, durationMs: expect.any(Number) });
    expect(errorOf(r?.output ?? '')).toBe('Unknown tool: nope');
  });

  it('answers arguments rejected by the zod schema with the validation message, without running the tool', async () => {
    const execute = vi.fn(() => 'ran');
    const tool = functionTool({ name: 'w', description: '', parameters: z.object({ city: z.string() }), execute });
    const [bad, broken] = await runToolCalls([call('w', '{"city":5}', '1'), call('w', '{city', '2')], [tool], ctx());
    expect(bad?.isError).toBe(true);
    expect(errorOf(bad?.output ?? '')).toMatch(/^Invalid arguments for w: city: /);
    expect(errorOf(broken?.output ?? '')).toMatch(/not valid JSON/);
    expect(execute).not.toHaveBeenCalled();
  });

  it('turns a throwing tool (sync, async, non-Error) into an error result', async () => {
    const thrower = (name: string, fn: () => unknown) => functionTool({ name, description: '', parameters: z.object({}), execute: fn });
    const tools = [
      thrower('sync', () => {
        throw new Error('boom');
      }),
      thrower('async', async () => Promise.reject(new Error('later'))),
      thrower('str', () => {
        throw 'plain';
      }),
      slow('ok', 0, 1),
    ];
    const results = await runToolCalls([call('sync'), call('async'), call('str'), call('ok')], tools, ctx());
    expect(results.map((r) => (r.isError ? errorOf(r.output) : r.output))).toEqual(['boom', 'later', 'plain', '1']);
  });

  it('turns a result JSON cannot hold into an error result', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const tools = [slow('circ', 0, circular), slow('big', 0, 10n), slow('fn', 0, () => 1)];
    const results = await runToolCalls([call('circ'), call('big'), call('fn')], tools, ctx());
    for (const r of results) {
      expect(r.isError).toBe(true);
      expect(errorOf(r.output)).toContain('not JSON');
    }
  });

  it('resolves at once on abort: finished results kept, the rest interrupted, tools see the abort', async () => {
    const ac = new AbortController();
    let toolSignal: AbortSignal | undefined;
    const hang = functionTool({
      name: 'hang',
      description: '',
      parameters: z.object({}),
      execute: async (_, c) => {
        toolSignal = c.signal;
        await sleep(10_000, c.signal);
      },
    });
    const stubborn = slow('stubborn', 300, 'late');
    const started = performance.now();
    setTimeout(() => ac.abort(), 50);
    const results = await runToolCalls([call('fast'), call('hang'), call('stubborn')], [slow('fast', 0, 1), hang, stubborn], ctx(ac.signal));
    expect(performance.now() - started).toBeLessThan(200);
    expect(results.map((r) => [r.callId, r.isError ? errorOf(r.output) : r.output])).toEqual([
      ['c_fast', '1'],
      ['c_hang', 'interrupted'],
      ['c_stubborn', 'interrupted'],
    ]);
    expect(toolSignal?.aborted).toBe(true);
    await sleep(300); // the stubborn tool finishing later changes nothing
    expect(errorOf(results[2]?.output ?? '')).toBe('interrupted');
  });

  it('does not start any tool when the signal is already aborted', async () => {
    const execute = vi.fn();
    const tool = functionTool({ name: 't', description: '', parameters: z.object({}), execute });
    const onStart = vi.fn();
    const results = await runToolCalls([call('t')], [tool], { ...ctx(AbortSignal.abort()), onStart });
    expect(execute).not.toHaveBeenCalled();
    expect(onStart).not.toHaveBeenCalled();
    expect(results[0]).toMatchObject({ isError: true, durationMs: 0 });
  });

  it('calls onStart and onEnd once per call, including failures', async () => {
    const events: string[] = [];
    await runToolCalls([call('a'), call('missing')], [slow('a', 10, 1)], {
      ...ctx(),
      onStart: (c) => events.push(`start:${c.name}`),
      onEnd: (c, r) => events.push(`end:${c.name}:${r.isError}`),
    });
    expect(events).toEqual(['start:a', 'start:missing', 'end:missing:true', 'end:a:false']);
  });

  it('returns [] for no calls', async () => {
    expect(await runToolCalls([], [], ctx())).toEqual([]);
  });
});

describe('toolMap', () => {
  it('indexes by name and rejects duplicates', () => {
    const a = slow('a', 0, 1);
    expect(toolMap([a]).get('a')).toBe(a);
    expect(() => toolMap([a, slow('a', 0, 2)])).toThrow(ConfigError);
  });
});

describe('runToolCalls: time limits', () => {
  const never = (seen: AbortSignal[]) =>
    functionTool({ name: 'never', description: 'never resolves', parameters: { type: 'object', properties: {} }, execute: (_: unknown, c: ToolContext) => (seen.push(c.signal), new Promise(() => undefined)) });

  it('a call past timeoutMs gets an error result, its signal aborts, and onTimeout is told', async () => {
    const seen: AbortSignal[] = [];
    const timeouts: string[] = [];
    const [r] = await runToolCalls([call('never')], [never(seen)], { ...ctx(), timeoutMs: 40, onTimeout: (c, e) => timeouts.push(`${c.name} ${e.code}`) });
    expect(r).toMatchObject({ name: 'never', isError: true });
    expect(errorOf(r!.output)).toBe('Tool never timed out after 40 ms');
    expect(seen[0]!.aborted).toBe(true);
    expect(timeouts).toEqual(['never tool-timeout']);
  });

  it("a tool's own timeoutMs wins over the run's", async () => {
    const seen: AbortSignal[] = [];
    const tool = functionTool({ name: 'own', description: 'd', parameters: { type: 'object', properties: {} }, timeoutMs: 30, execute: (_: unknown, c: ToolContext) => (seen.push(c.signal), new Promise(() => undefined)) });
    expect(tool.timeoutMs).toBe(30);
    const [r] = await runToolCalls([call('own')], [tool], { ...ctx(), timeoutMs: 60_000 });
    expect(errorOf(r!.output)).toBe('Tool own timed out after 30 ms');
  });

  it('other calls of the round keep their results', async () => {
    const [a, b] = await runToolCalls([call('never'), call('fast')], [never([]), slow('fast', 5, { ok: 1 })], { ...ctx(), timeoutMs: 40 });
    expect(a!.isError).toBe(true);
    expect(b).toMatchObject({ isError: false, output: '{"ok":1}' });
  });

  it('rejects a timeoutMs that is not positive at definition', () => {
    expect(() => functionTool({ name: 'bad', description: 'd', parameters: { type: 'object', properties: {} }, timeoutMs: 0, execute: () => 1 })).toThrow(ConfigError);
  });
});
