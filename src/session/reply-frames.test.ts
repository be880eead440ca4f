// reply(instructions, { frames }): the frames reach the LLM request (this reply's every round,
// never the history), and an LLM that takes no images makes reply() throw before any request.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LLM, LLMChunk, LLMRequest, VisionFrame } from '../providers/types';
import { functionTool } from '../tools/function-tool';
import { kit } from './session-test-kit';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** An LLM that records each request's frames and answers with a line. */
function seeingLlm(vision: boolean | undefined) {
  const frames: (readonly VisionFrame[] | undefined)[] = [];
  const llm: LLM = {
    label: 'test:eyes',
    ...(vision === undefined ? {} : { vision }),
    async *chat(request: LLMRequest): AsyncIterable<LLMChunk> {
      frames.push(request.frames);
      yield { type: 'text', delta: 'A red square.' };
    },
  };
  return { llm, frames };
}

describe('reply({ frames })', () => {
  it('gives the frames to a vision LLM with this reply only; the history keeps the text', async () => {
    const { llm, frames } = seeingLlm(true);
    const k = kit({ llm });
    await k.session.start();
    const picture = new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' });
    const handle = k.session.reply('Say what you see.', { frames: [picture] });
    await k.until(() => handle.done);
    expect(frames).toEqual([[picture]]);
    expect(k.history()).toEqual(['assistant: A red square.']);
    // The next answer carries no frames.
    const next = k.session.reply('Again.');
    await k.until(() => next.done);
    expect(frames[1]).toBeUndefined();
    await k.session.close();
  });

  it('a tool round in the reply sends the same frames again (the model answers after the tool)', async () => {
    const seen: (readonly VisionFrame[] | undefined)[] = [];
    const llm: LLM = {
      label: 'test:eyes',
      vision: true,
      async *chat(request: LLMRequest): AsyncIterable<LLMChunk> {
        seen.push(request.frames);
        if (seen.length === 1) yield { type: 'tool_call', callId: 'c1', name: 'zoom', arguments: '{}' };
        else yield { type: 'text', delta: 'A cat.' };
      },
    };
    const zoom = functionTool({ name: 'zoom', description: '', parameters: { type: 'object', properties: {} }, execute: () => 'zoomed' });
    const k = kit({ llm, agent: { tools: [zoom] } });
    await k.session.start();
    const frames = ['https://example.com/cat.jpg'];
    const handle = k.session.reply('Say what you see.', { frames });
    await k.until(() => handle.done);
    expect(seen).toEqual([frames, frames]);
    expect(seen[1]).toBe(seen[0]);
    await k.session.close();
  });

  it.each([
    ['vision: false', false],
    ['no vision field', undefined],
  ])('an LLM with %s: reply() throws a ConfigError and no request is made; the session goes on', async (_, vision) => {
    const { llm, frames } = seeingLlm(vision);
    const k = kit({ llm });
    await k.session.start();
    expect(() => k.session.reply('Say what you see.', { frames: ['https://example.com/a.png'] })).toThrow(expect.objectContaining({ code: 'config-invalid', message: 'test:eyes has no vision' }));
    await k.run(200);
    expect(frames).toEqual([]);
    const handle = k.session.reply('Say hello.');
    await k.until(() => handle.done);
    expect(frames).toHaveLength(1);
    await k.session.close();
  });
});
