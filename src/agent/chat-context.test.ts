import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../errors';
import type { ChatItem } from '../providers/types';
import { ChatContext } from './chat-context';

const shape = (items: readonly ChatItem[]) =>
  items.map((i) => (i.type === 'message' ? `${i.role}:${i.content}` : i.type === 'function_call' ? `call:${i.callId}` : `out:${i.callId}`));

describe('ChatContext messages', () => {
  it('adds messages with item_ ids, createdAt and the interrupted flag', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1234);
    const ctx = new ChatContext();
    const a = ctx.addMessage('user', 'hi');
    const b = ctx.addMessage('assistant', 'hel', { interrupted: true });
    vi.restoreAllMocks();
    expect(a).toMatchObject({ type: 'message', role: 'user', content: 'hi', createdAt: 1234 });
    expect(a.id).toMatch(/^item_[0-9a-f]{16}$/);
    expect(a.id).not.toBe(b.id);
    expect('interrupted' in a).toBe(false);
    expect(b.interrupted).toBe(true);
    expect(shape(ctx.items)).toEqual(['user:hi', 'assistant:hel']);
  });

  it('rejects a system message through addMessage (instructions have their own setter)', () => {
    const ctx = new ChatContext();
    expect(() => ctx.addMessage('system' as 'user', 'x')).toThrow(ConfigError);
  });

  it('keeps exactly one system message, first, when instructions change', () => {
    const ctx = new ChatContext();
    ctx.addMessage('user', 'q');
    ctx.setInstructions('be brief');
    const id = ctx.items[0]?.id;
    ctx.addMessage('assistant', 'a');
    ctx.setInstructions('be verbose');
    expect(shape(ctx.items)).toEqual(['system:be verbose', 'user:q', 'assistant:a']);
    expect(ctx.items[0]?.id).toBe(id);
    expect(ctx.instructions).toBe('be verbose');
    ctx.setInstructions('');
    expect(shape(ctx.items)).toEqual(['user:q', 'assistant:a']);
    expect(ctx.instructions).toBeUndefined();
  });

  it('truncates a message after a barge-in and updates messages immutably', () => {
    const ctx = new ChatContext();
    const m = ctx.addMessage('assistant', 'The weather in Paris is sunny and warm.');
    const snapshot = ctx.copy();
    const t = ctx.truncateMessage(m.id, 'The weather in Paris');
    expect(t).toMatchObject({ id: m.id, content: 'The weather in Paris', interrupted: true });
    expect(ctx.get(m.id)).toEqual(t);
    expect(snapshot[0]).toMatchObject({ content: 'The weather in Paris is sunny and warm.' });
    expect(() => {
      (ctx.items[0] as { content: string }).content = 'mutated';
    }).toThrow(TypeError);
    expect(ctx.updateMessage(m.id, { interrupted: false })).not.toHaveProperty('interrupted');
    expect(ctx.truncateMessage('item_missing', 'x')).toBeUndefined();
  });

  it('copy() filters function items and the system message; defaults keep all', () => {
    const ctx = new ChatContext();
    ctx.setInstructions('sys');
    ctx.addMessage('user', 'q');
    ctx.addFunctionCall('c1', 'get', '{}');
    ctx.addFunctionOutput('c1', 'get', '1', false);
    ctx.addMessage('assistant', 'a');
    expect(shape(ctx.copy())).toEqual(['system:sys', 'user:q', 'call:c1', 'out:c1', 'assistant:a']);
    expect(shape(ctx.copy({ includeFunctionCalls: false }))).toEqual(['system:sys', 'user:q', 'assistant:a']);
    expect(shape(ctx.copy({ includeSystemMessages: false, includeFunctionCalls: false }))).toEqual(['user:q', 'assistant:a']);
    const copy = ctx.copy();
    copy.pop();
    expect(ctx.items).toHaveLength(5);
  });

  it('clear() empties, optionally keeping the instructions', () => {
    const ctx = new ChatContext();
    ctx.setInstructions('sys');
    ctx.addMessage('user', 'q');
    ctx.clear({ keepInstructions: true });
    expect(shape(ctx.items)).toEqual(['system:sys']);
    ctx.clear();
    expect(ctx.items).toHaveLength(0);
  });
});

describe('ChatContext function calls', () => {
  it('inserts a late output after its call group, before a later user message', () => {
    const ctx = new ChatContext();
    ctx.addMessage('user', 'weather?');
    ctx.addFunctionCall('a', 'get', '{}');
    ctx.addFunctionCall('b', 'get', '{}');
    ctx.addFunctionOutput('b', 'get', '"b"', false);
    ctx.addMessage('user', 'hello?');
    ctx.addFunctionOutput('a', 'get', '"a"', false);
    expect(shape(ctx.items)).toEqual(['user:weather?', 'call:a', 'call:b', 'out:b', 'out:a', 'user:hello?']);
  });

  it('rejects an output for an unknown call, a second output and a duplicate open call id', () => {
    const ctx = new ChatContext();
    expect(() => ctx.addFunctionOutput('x', 'get', '1', false)).toThrow(ConfigError);
    ctx.addFunctionCall('x', 'get', '{}');
    expect(() => ctx.addFunctionCall('x', 'get', '{}')).toThrow(/Duplicate/);
    ctx.addFunctionOutput('x', 'get', '1', false);
    expect(() => ctx.addFunctionOutput('x', 'get', '2', false)).toThrow(/No open function call/);
  });

  it('allows a call id to be reused once answered (ids numbered per response)', () => {
    const ctx = new ChatContext();
    ctx.addFunctionCall('call_0', 'a', '{}');
    ctx.addFunctionOutput('call_0', 'a', '1', false);
    ctx.addMessage('user', 'again');
    const second = ctx.addFunctionCall('call_0', 'b', '{}');
    expect(ctx.openCalls()).toEqual([second]);
    ctx.addFunctionOutput('call_0', 'b', '2', false);
    expect(shape(ctx.items)).toEqual(['call:call_0', 'out:call_0', 'user:again', 'call:call_0', 'out:call_0']);
    expect(ctx.items[4]).toMatchObject({ name: 'b', output: '2' });
    ctx.remove(second.id);
    expect(shape(ctx.items)).toEqual(['call:call_0', 'out:call_0', 'user:again']);
    expect(ctx.items[1]).toMatchObject({ name: 'a', output: '1' });
  });

  it('closeOpenCalls() answers every unanswered call with an error output', () => {
    const ctx = new ChatContext();
    ctx.addFunctionCall('a', 'slow', '{}');
    ctx.addFunctionCall('b', 'fast', '{}');
    ctx.addFunctionOutput('b', 'fast', '1', false);
    ctx.addMessage('user', 'stop');
    const added = ctx.closeOpenCalls('interrupted by the user');
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ callId: 'a', name: 'slow', isError: true });
    expect(JSON.parse(added[0]?.output ?? '')).toEqual({ error: 'interrupted by the user' });
    expect(ctx.openCalls()).toEqual([]);
    expect(shape(ctx.items)).toEqual(['call:a', 'call:b', 'out:b', 'out:a', 'user:stop']);
    expect(ctx.closeOpenCalls('again')).toEqual([]);
  });

  it('remove() removes a call together with its output', () => {
    const ctx = new ChatContext();
    const u = ctx.addMessage('user', 'q');
    const call = ctx.addFunctionCall('a', 'get', '{}');
    ctx.addFunctionOutput('a', 'get', '1', false);
    const call2 = ctx.addFunctionCall('b', 'get', '{}');
    const out2 = ctx.addFunctionOutput('b', 'get', '2', false);
    expect(ctx.remove(call.id)).toBe(true);
    expect(shape(ctx.items)).toEqual(['user:q', 'call:b', 'out:b']);
    expect(ctx.remove(out2.id)).toBe(true);
    expect(ctx.get(call2.id)).toBeUndefined();
    expect(ctx.remove(u.id)).toBe(true);
    expect(ctx.remove(u.id)).toBe(false);
    expect(ctx.items).toHaveLength(0);
  });
});

describe('ChatContext serialisation', () => {
  it('round-trips through JSON.stringify as { items }', () => {
    const ctx = new ChatContext();
    ctx.setInstructions('sys');
    ctx.addMessage('user', 'q');
    ctx.addFunctionCall('a', 'get', '{"x":1}');
    ctx.addFunctionOutput('a', 'get', '{"error":"no"}', true);
    ctx.addMessage('assistant', 'par', { interrupted: true });
    const json = JSON.parse(JSON.stringify(ctx)) as { items: ChatItem[] };
    expect(Object.keys(json)).toEqual(['items']);
    const back = ChatContext.fromJSON(json);
    expect(back.items).toEqual(ctx.items);
    expect(ChatContext.fromJSON(json.items).items).toEqual(ctx.items);
  });

  it('fromJSON collapses several system messages to the last one, first', () => {
    const items: ChatItem[] = [
      { type: 'message', id: 'i1', role: 'system', content: 'old', createdAt: 1 },
      { type: 'message', id: 'i2', role: 'user', content: 'q', createdAt: 2 },
      { type: 'message', id: 'i3', role: 'system', content: 'new', createdAt: 3 },
    ];
    expect(shape(ChatContext.fromJSON(items).items)).toEqual(['system:new', 'user:q']);
  });

  it.each([
    ['not a list', { nope: 1 }],
    ['bad type', [{ type: 'image', id: 'x', createdAt: 1 }]],
    ['bad role', [{ type: 'message', id: 'x', role: 'tool', content: 'c', createdAt: 1 }]],
    ['missing isError', [{ type: 'function_call_output', id: 'x', callId: 'c', name: 'n', output: '1', createdAt: 1 }]],
    ['missing id', [{ type: 'message', role: 'user', content: 'c', createdAt: 1 }]],
  ])('fromJSON rejects %s with a ConfigError', (_, data) => {
    expect(() => ChatContext.fromJSON(data as never)).toThrow(ConfigError);
  });
});
