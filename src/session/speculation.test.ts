import { describe, expect, it } from 'vitest';
import type { ChatItem, LLM, LLMChunk, LLMRequest, TTS, TTSRequest } from '../providers/types';
import { Speculation } from './speculation';

// Preemptive generation with fake providers that record their requests: what is
// requested ahead, what an adopting turn replays, and what a discarded one aborts.
function providers(reply = 'Sure. It is ten thirty. Anything else?') {
  const llmCalls: LLMRequest[] = [];
  const ttsCalls: TTSRequest[] = [];
  const llm: LLM = {
    label: 'fake:llm',
    async *chat(request) {
      llmCalls.push(request);
      for (const word of reply.split(/(?<= )/)) {
        await new Promise((r) => setTimeout(r, 2));
        if (request.signal.aborted) return;
        yield { type: 'text', delta: word } satisfies LLMChunk;
      }
    },
  };
  const tts: TTS = {
    label: 'fake:tts',
    sampleRate: 24000,
    async *synthesize(request) {
      ttsCalls.push(request);
      yield new Float32Array(240).fill(request.text.length / 100);
    },
  };
  return { llm, tts, llmCalls, ttsCalls };
}

const history: ChatItem[] = [{ type: 'message', id: 's', role: 'system', content: 'Be terse.', createdAt: 0 }];
const asTurn = (text: string): ChatItem[] => [...history, { type: 'message', id: 'u1', role: 'user', content: text, createdAt: 1 }];
const drain = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('Speculation', () => {
  it('asks the LLM at once and the TTS for the first sentence; an adopting turn replays both, then goes live', async () => {
    const p = providers();
    const s = new Speculation('What time is it?', { llm: p.llm, tts: p.tts, items: history, tools: [] });
    await new Promise((r) => setTimeout(r, 50));
    expect(p.llmCalls).toHaveLength(1);
    expect(p.llmCalls[0]!.items.at(-1)).toMatchObject({ role: 'user', content: 'What time is it?' });
    expect(p.llmCalls[0]!.toolChoice).toBe('none'); // as the turn asks when there are no tools
    expect(p.ttsCalls.map((c) => c.text)).toEqual(['Sure.']);

    s.adopt();
    const llm = s.llm(p.llm);
    const tts = s.tts(p.tts);
    const signal = new AbortController().signal;
    const text = (await drain(llm.chat({ items: asTurn('What time is it?'), tools: [], signal, toolChoice: 'none' }))).map((c) => (c.type === 'text' ? c.delta : '')).join('');
    expect(text).toBe('Sure. It is ten thirty. Anything else?');
    expect(await drain(tts.synthesize({ text: 'Sure.', signal }))).toHaveLength(1);
    await drain(tts.synthesize({ text: 'It is ten thirty.', signal }));
    // Nothing asked twice: one LLM call in all, and the second sentence went to the TTS live.
    expect(p.llmCalls).toHaveLength(1);
    expect(p.ttsCalls.map((c) => c.text)).toEqual(['Sure.', 'It is ten thirty.']);
  });

  it('not adopted (or a different request): the real providers answer, and discard() aborts what was asked ahead', async () => {
    const p = providers('One. Two. Three. Four. Five. Six. Seven. Eight.');
    const s = new Speculation('What time is it?', { llm: p.llm, tts: p.tts, items: history, tools: [] });
    const llm = s.llm(p.llm);
    const signal = new AbortController().signal;
    await drain(llm.chat({ items: asTurn('What time is it?'), tools: [], signal }));
    expect(p.llmCalls).toHaveLength(2); // not adopted: a live request
    s.adopt();
    await drain(llm.chat({ items: asTurn('What time is it now?'), tools: [], signal }));
    expect(p.llmCalls).toHaveLength(3); // adopted, but another text: live again
    s.discard();
    expect(p.llmCalls[0]!.signal.aborted).toBe(true);
  });

  it('discarded before adoption: the request made ahead is aborted, and adopt() can no longer take it', async () => {
    const p = providers();
    const s = new Speculation('Hello', { llm: p.llm, tts: p.tts, items: history, tools: [] });
    s.discard();
    s.adopt();
    expect(p.llmCalls[0]!.signal.aborted).toBe(true);
    const signal = new AbortController().signal;
    await drain(s.llm(p.llm).chat({ items: asTurn('Hello'), tools: [], signal }));
    expect(p.llmCalls).toHaveLength(2);
  });

  it("the adopting turn's abort stops the held requests", async () => {
    const p = providers('One. Two. Three. Four. Five. Six. Seven. Eight. Nine. Ten.');
    const s = new Speculation('Count', { llm: p.llm, tts: p.tts, items: history, tools: [] });
    s.adopt();
    const cut = new AbortController();
    const it = s.llm(p.llm).chat({ items: asTurn('Count'), tools: [], signal: cut.signal })[Symbol.asyncIterator]();
    await it.next();
    cut.abort();
    expect(p.llmCalls[0]!.signal.aborted).toBe(true);
  });
});
