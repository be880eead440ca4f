// Frames to vision LLMs, against the real local provider server (no fetch mocks): OpenAI's
// `image_url` parts and Anthropic's `image` blocks on the wire, checked by the server as the
// real APIs check them, and described back by its demo brain.
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../../local-ai/server.mjs';
import type { ChatItem, LLMChunk, VisionFrame } from '../types';
import { AnthropicLLM } from './anthropic';
import { OpenAILLM, type OpenAILLMOptions } from './openai';
import { useProviderServer } from '../test-server';

const server = useProviderServer();

const requests = async (): Promise<LogEntry[]> => (await (await fetch(`${server.url}/__control/log`)).json()).requests;
const openai = (o: Partial<OpenAILLMOptions> = {}) => new OpenAILLM({ model: 'gpt-test', baseURL: `${server.url}/v1`, apiKey: 'sk-test-key-00000001', ...o });
const anthropic = () => new AnthropicLLM({ model: 'claude-test', baseURL: `${server.url}/v1`, apiKey: 'sk-ant-test-0001' });
const items: ChatItem[] = [
  { type: 'message', id: 'u1', role: 'user', content: 'Look at this.', createdAt: 0 },
  { type: 'message', id: 't', role: 'system', content: 'Say what you see.', createdAt: 0 },
];

/** 1×1 PNG and GIF files. */
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const GIF_B64 = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

async function run(iter: AsyncIterable<LLMChunk>) {
  let text = '';
  let error: unknown;
  try {
    for await (const c of iter) if (c.type === 'text') text += c.delta;
  } catch (err) {
    error = err;
  }
  return { text, error };
}

describe('frames to an OpenAI-compatible LLM', () => {
  it('a PNG Blob and a GIF data URL go up as one last user message of image_url parts; the server reads them', async () => {
    const frames: VisionFrame[] = [new Blob([bytes(PNG_B64)], { type: 'image/png' }), `data:image/gif;base64,${GIF_B64}`];
    const r = await run(openai().chat({ items, frames, tools: [], signal: new AbortController().signal }));
    expect(r.error).toBeUndefined();
    const [req] = await requests();
    const messages = (req!.body as { messages: { role: string; content: unknown }[] }).messages;
    expect(messages.map((m) => m.role)).toEqual(['user', 'system', 'user']);
    expect(messages[2]!.content).toEqual([
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}` } },
      { type: 'image_url', image_url: { url: `data:image/gif;base64,${GIF_B64}` } },
    ]);
    expect(r.text).toContain('I see 2 pictures: a 1 by 1 pixel PNG picture, a 1 by 1 pixel GIF picture');
  });

  it('imageDetail is sent with every picture; an http URL is passed as it is', async () => {
    await run(openai({ imageDetail: 'low' }).chat({ items, frames: ['https://example.com/cat.jpg'], tools: [], signal: new AbortController().signal }));
    const [req] = await requests();
    expect((req!.body as { messages: { content: unknown }[] }).messages.at(-1)!.content).toEqual([{ type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } }]);
  });

  it('the server rejects what the API rejects: a data URL whose bytes are not its type → provider-bad-request', async () => {
    const r = await run(openai({ maxRetries: 0 }).chat({ items, frames: [`data:image/jpeg;base64,${PNG_B64}`], tools: [], signal: new AbortController().signal }));
    expect(r.error).toMatchObject({ name: 'ProviderError', code: 'provider-bad-request', message: expect.stringContaining('does not match the provided media type image/jpeg') });
  });

  it.each([
    ['a text Blob', new Blob(['hello'], { type: 'text/plain' }), "a Blob of type 'text/plain' is not an image"],
    ['a video with no frame yet', { readyState: 0, videoWidth: 0, videoHeight: 0 }, 'the <video> has no frame yet'],
    ['an object that is no picture', { foo: 1 }, 'not a picture'],
    ['a string that is no URL', 'cat.png', 'a string frame must be an http(s) URL or a base64 data URL'],
  ])('%s: a ConfigError naming the frame, before any request', async (_, frame, message) => {
    const r = await run(openai().chat({ items, frames: [frame as VisionFrame], tools: [], signal: new AbortController().signal }));
    expect(r.error).toMatchObject({ name: 'ConfigError', code: 'config-invalid', message: expect.stringContaining(`openai:gpt-test: frame 0: ${message}`) });
    expect(await requests()).toEqual([]);
  });

  it('says whether it takes frames (option vision, default true)', () => {
    expect(openai().vision).toBe(true);
    expect(openai({ vision: false }).vision).toBe(false);
  });
});

describe('frames to Anthropic', () => {
  it('become image blocks (base64 source; url source for a URL) of the last user turn, which the server accepts and reads', async () => {
    const frames: VisionFrame[] = [new Blob([bytes(PNG_B64)], { type: 'image/png' }), 'https://example.com/cat.jpg'];
    const r = await run(anthropic().chat({ items, frames, tools: [], signal: new AbortController().signal }));
    expect(r.error).toBeUndefined();
    const [req] = await requests();
    const body = req!.body as { system: string; messages: { role: string; content: unknown[] }[] };
    expect(body.system).toBe('Say what you see.');
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look at this.' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
    expect(r.text).toContain('I see 2 pictures: a 1 by 1 pixel PNG picture, a picture on the web');
  });
});
