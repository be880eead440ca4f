// The audio worker's half of a realtime socket (worker-side.ts), driven as the worker's
// onmessage drives it, against the local stand-in's /v1/realtime over a real socket: what reaches
// the mixer port, what goes back to the main thread, and when.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MixerCommand } from '../../audio/worklet-protocol';
import { NodeWebSocket } from '../stt/deepgram-test-kit';
import type { PipeEvent, PipedRealtimeEvent, RealtimeCommand } from '../tts/pipe-protocol';
import { useProviderServer } from '../test-server';
import { realtimeCommand } from './worker-side';

const server = useProviderServer();

// The worker's global WebSocket (Node 20 has none).
const had = (globalThis as { WebSocket?: unknown }).WebSocket;
beforeAll(() => void ((globalThis as { WebSocket?: unknown }).WebSocket = NodeWebSocket));
afterAll(() => void ((globalThis as { WebSocket?: unknown }).WebSocket = had));

let nextLink = 1;

/** An ek_ secret from the stand-in's example token endpoint, as a page gets one. */
const secret = async () => ((await (await fetch(`${server.url}/token`, { method: 'POST' })).json()) as { value: string }).value;
const url = () => `${server.url.replace(/^http/, 'ws')}/v1/realtime?model=gpt-realtime`;

/** One link in a fresh "worker": its posts to the main thread, and the mixer worklet's side of its port. */
function worker() {
  const link = nextLink++;
  const posted: PipeEvent[] = [];
  const pushed: Extract<MixerCommand, { type: 'push' }>[] = [];
  const channel = new MessageChannel();
  channel.port2.onmessage = (e: MessageEvent<MixerCommand>) => void (e.data.type === 'push' && pushed.push(e.data));
  const run = (cmd: RealtimeCommand) => realtimeCommand(cmd, (e) => posted.push(e), (mixer) => (mixer === 1 ? channel.port1 : undefined));
  const events = () => posted.flatMap((p) => (p.type === 'rt-event' ? [p.event] : []));
  const audio = () => events().filter((e): e is Extract<PipedRealtimeEvent, { type: 'audio' }> => e.type === 'audio');
  const until = (done: () => boolean) => vi.waitFor(() => expect(done()).toBe(true), { timeout: 10_000, interval: 10 });
  const close = () => {
    run({ type: 'rt-close', link });
    channel.port1.close();
    channel.port2.close();
  };
  return { link, posted, pushed, run, events, audio, until, close };
}

const concat = (parts: Float32Array[]) => {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};

describe('a realtime socket in the audio worker', { timeout: 20_000 }, () => {
  it("holds an item's audio until rt-play names its stream, then pushes all of it, in order, at 24 kHz; the main thread gets a copy of each delta", async () => {
    server.handler.script({ realtime: [{ responses: [{ text: 'The train leaves the station at nine.' }] }] });
    const w = worker();
    w.run({ type: 'rt-open', link: w.link, url: url(), key: await secret(), label: 'OpenAI Realtime', connectTimeoutMs: 5000 });
    await w.until(() => w.posted.some((p) => p.type === 'rt-open'));
    expect(w.posted[0]).toEqual({ type: 'rt-open', job: w.link });
    w.run({ type: 'rt-send', link: w.link, event: { type: 'response.create' } });
    await w.until(() => w.audio().length >= 3);
    // Not routed yet: nothing reached the mixer.
    await new Promise((r) => setTimeout(r, 50));
    expect(w.pushed).toEqual([]);
    const item = w.audio()[0]!.itemId;
    w.run({ type: 'rt-play', link: w.link, item, mixer: 1, stream: 7, rate: 24000 });
    await w.until(() => w.events().some((e) => e.type === 'response_done'));
    await w.until(() => w.pushed.reduce((n, p) => n + p.samples.length, 0) === w.audio().reduce((n, e) => n + e.samples.length, 0));
    expect(new Set(w.pushed.map((p) => `${p.id} ${p.bus} ${p.rate}`))).toEqual(new Set(['7 voice 24000']));
    expect(concat(w.pushed.map((p) => p.samples))).toEqual(concat(w.audio().map((e) => e.samples)));
    expect(w.audio().length).toBeGreaterThan(5);
    w.close();
  });

  it('rt-drop: the held audio is let go, the rest of the item is neither pushed nor posted; server events still arrive', async () => {
    server.handler.script({ realtime: [{ responses: [{ text: 'The train leaves the station at nine and stops in every town along the coast.' }], chunkDelayMs: 20 }] });
    const w = worker();
    w.run({ type: 'rt-open', link: w.link, url: url(), key: await secret(), label: 'OpenAI Realtime', connectTimeoutMs: 5000 });
    await w.until(() => w.posted.some((p) => p.type === 'rt-open'));
    w.run({ type: 'rt-send', link: w.link, event: { type: 'response.create' } });
    await w.until(() => w.audio().length >= 1);
    w.run({ type: 'rt-drop', link: w.link, item: w.audio()[0]!.itemId });
    const copies = w.audio().length;
    await w.until(() => w.events().some((e) => e.type === 'response_done'));
    expect(w.audio().length).toBeLessThanOrEqual(copies + 1); // at most one delta was already on its way
    expect(w.events().filter((e) => e.type === 'transcript_delta').length).toBeGreaterThan(3);
    expect(w.pushed).toEqual([]);
    w.close();
  });

  it('a refused connection is an rt-open with a typed, serialized error; rt-close ends a link quietly', async () => {
    const w = worker();
    w.run({ type: 'rt-open', link: w.link, url: url(), key: 'ek_wrong', label: 'OpenAI Realtime', connectTimeoutMs: 5000 });
    await w.until(() => w.posted.length > 0);
    expect(w.posted).toEqual([{ type: 'rt-open', job: w.link, error: expect.objectContaining({ code: 'provider-auth', status: 401, retryable: false }) }]);

    const ok = worker();
    ok.run({ type: 'rt-open', link: ok.link, url: url(), key: await secret(), label: 'OpenAI Realtime', connectTimeoutMs: 5000 });
    await ok.until(() => ok.events().some((e) => e.type === 'session'));
    ok.close();
    await ok.until(() => ok.posted.some((p) => p.type === 'rt-end'));
    expect(ok.posted.at(-1)).toEqual({ type: 'rt-end', job: ok.link });
  });
});
