// OpenAIRealtime and RealtimeSocket against the local provider server's `/v1/realtime` (GA
// events, espeak audio, server VAD on the appended audio's energy), over a real socket.
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createTokenEndpoint } from '../../../local-ai/token-endpoint.mjs';
import type { RealtimeEntry, RealtimeLogBody, LogEntry } from '../../../local-ai/server.mjs';
import { ProviderError } from '../errors';
import { NodeWebSocket } from '../stt/deepgram-test-kit';
import { useProviderServer } from '../test-server';
import { OpenAIRealtime, type OpenAIRealtimeOptions } from './openai-realtime';
import type { RealtimeEvent, RealtimeSocket } from './realtime-socket';

const server = useProviderServer();
const KEY = 'sk-server-key-0123456789';
const script = (...realtime: RealtimeEntry[]) => server.handler.script({ realtime });
const sockets = () => server.handler.log().requests.filter((r) => r.route === '/v1/realtime') as (LogEntry & { body: RealtimeLogBody })[];
const received = (i = 0) => sockets()[i]!.body.received;

/** What the app's server does: mint an ek_ with the standard key. */
async function mint(): Promise<string> {
  const res = await fetch(`${server.url}/v1/realtime/client_secrets`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ expires_after: { anchor: 'created_at', seconds: 60 }, session: { type: 'realtime', model: 'gpt-realtime' } }) });
  const body = (await res.json()) as { value: string };
  return body.value;
}

const model = (o: Partial<OpenAIRealtimeOptions> = {}) => new OpenAIRealtime({ baseURL: `${server.url}/v1`, getClientSecret: mint, WebSocket: NodeWebSocket, voice: 'cedar', ...o });

/** Reads events until `until(e)` is true (inclusive) or the socket ends; returns them and any error. */
async function read(socket: RealtimeSocket, until: (e: RealtimeEvent) => boolean): Promise<{ events: RealtimeEvent[]; error: unknown }> {
  const events: RealtimeEvent[] = [];
  try {
    for await (const e of socket) {
      events.push(e);
      if (until(e)) break;
    }
  } catch (error) {
    return { events, error };
  }
  return { events, error: undefined };
}

/** `sec` of a 220 Hz tone at RMS 0.1 then `silenceSec` of silence, 24 kHz. */
function voice(sec: number, silenceSec: number): Float32Array {
  const out = new Float32Array(Math.round((sec + silenceSec) * 24000));
  for (let i = 0; i < sec * 24000; i++) out[i] = 0.1414 * Math.sin((2 * Math.PI * 220 * i) / 24000);
  return out;
}

describe('OpenAIRealtime', () => {
  it('connects with an ek_ client secret (subprotocols realtime + openai-insecure-api-key) and sends a GA session.update', async () => {
    server.handler.configure({ requireKey: KEY });
    const socket = await model().connect({ instructions: 'Be brief.', tools: [{ name: 'time', description: 'the time', parameters: { type: 'object', properties: {} } }] });
    const { events } = await read(socket, (e) => e.type === 'session' && (e.session.instructions as string) === 'Be brief.');
    socket.close();
    expect(events[0]).toMatchObject({ type: 'session', session: { type: 'realtime', object: 'realtime.session' } });
    const [c] = sockets();
    expect(c!.status).toBe(101);
    expect(c!.body.protocols).toEqual(['realtime', expect.stringMatching(/^openai-insecure-api-key\.ek_/)]);
    expect(c!.body.query.model).toBe('gpt-realtime');
    expect(received()[0]).toEqual({
      type: 'session.update',
      session: {
        type: 'realtime', output_modalities: ['audio'], instructions: 'Be brief.', tool_choice: 'auto',
        audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: { model: 'gpt-4o-mini-transcribe' }, turn_detection: { type: 'server_vad' } }, output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'cedar' } },
        tools: [{ type: 'function', name: 'time', description: 'the time', parameters: { type: 'object', properties: {} } }],
      },
    });
  });

  it('the example token endpoint mints an ek_ with the server key; the page connects with it; a wrong server key is a 502', async () => {
    server.handler.configure({ requireKey: KEY });
    const serve = (apiKey: string) =>
      new Promise<{ url: string; close: () => void }>((resolve) => {
        const http = createServer(createTokenEndpoint({ apiKey, baseURL: `${server.url}/v1`, seconds: 60 }));
        http.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(http.address() as { port: number }).port}`, close: () => http.close() }));
      });
    const app = await serve(KEY);
    try {
      const getClientSecret = async () => ((await (await fetch(app.url, { method: 'POST' })).json()) as { value: string }).value;
      const socket = await model({ getClientSecret }).connect();
      socket.close();
      expect(sockets()[0]!.status).toBe(101);
      const minted = server.handler.log().requests.find((r) => r.route === '/v1/realtime/client_secrets');
      expect(minted).toMatchObject({ status: 200, authorization: 'Bearer sk-...6789' });
    } finally {
      app.close();
    }
    const bad = await serve('sk-wrong-key-000000000');
    try {
      const res = await fetch(bad.url, { method: 'POST' });
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: string }).error).toContain('401');
    } finally {
      bad.close();
    }
  });

  it('a refused secret fails the connect with provider-auth (HTTP 401 at the handshake), not retryable', async () => {
    const error = await model({ getClientSecret: async () => 'ek_not_minted' }).connect().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'provider-auth', status: 401, retryable: false });
    expect(sockets().map((s) => s.status)).toEqual([401]);
  });

  it('a failing getClientSecret() is provider-auth; an aborted connect rejects with the abort', async () => {
    await expect(model({ getClientSecret: () => Promise.reject(new Error('no session cookie')) }).connect()).rejects.toMatchObject({ code: 'provider-auth', message: expect.stringContaining('no session cookie') });
    const ac = new AbortController();
    const p = model({ getClientSecret: async () => (ac.abort(), mint()) }).connect({}, ac.signal);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a handshake that never answers fails with provider-timeout after connectTimeoutMs', async () => {
    script({ fault: { kind: 'hang' } });
    await expect(model({ connectTimeoutMs: 300 }).connect()).rejects.toMatchObject({ code: 'provider-timeout', retryable: true });
  });

  it('response.create: audio deltas (24 kHz pcm16 decoded), the transcript, then response.done completed', async () => {
    script({ responses: [{ text: 'It is noon.' }] });
    const socket = await model().connect();
    socket.send({ type: 'response.create', response: {} });
    const { events } = await read(socket, (e) => e.type === 'response_done');
    socket.close();
    const samples = events.flatMap((e) => (e.type === 'audio' ? [e.samples.length] : [])).reduce((a, b) => a + b, 0);
    expect(samples / 24000).toBeGreaterThan(0.5);
    const peak = Math.max(...events.flatMap((e) => (e.type === 'audio' ? [Math.max(...e.samples)] : [])));
    expect(peak).toBeGreaterThan(0.05);
    expect(peak).toBeLessThanOrEqual(1);
    expect(events.filter((e) => e.type === 'transcript_delta').map((e) => (e as { delta: string }).delta).join('')).toBe('It is noon.');
    expect(events.find((e) => e.type === 'transcript_done')).toMatchObject({ text: 'It is noon.' });
    expect(events.at(-1)).toMatchObject({ type: 'response_done', status: 'completed' });
  });

  it("the server's VAD hears appended audio: speech started/stopped, committed, the transcript, and an answer", async () => {
    script({ transcripts: ['What time is it?'], responses: [{ text: 'Noon.' }] });
    const socket = await model().connect();
    const audio = voice(0.8, 1);
    for (let i = 0; i < audio.length; i += 2400) socket.appendAudio(audio.subarray(i, i + 2400));
    const { events } = await read(socket, (e) => e.type === 'response_done');
    socket.close();
    const types = events.map((e) => e.type).filter((t) => t !== 'audio' && t !== 'transcript_delta' && t !== 'session');
    expect(types).toEqual(['speech_started', 'speech_stopped', 'committed', 'user_transcript', 'response_started', 'item_added', 'transcript_done', 'response_done']);
    const started = events.find((e) => e.type === 'speech_started') as { audioStartMs: number };
    const stopped = events.find((e) => e.type === 'speech_stopped') as { audioEndMs: number };
    expect(started.audioStartMs).toBe(0); // the 300 ms prefix padding reaches back past 0
    expect(stopped.audioEndMs).toBeCloseTo(800, -2);
    expect(events.find((e) => e.type === 'user_transcript')).toMatchObject({ text: 'What time is it?' });
    expect(sockets()[0]!.body.audioBytes).toBe(audio.length * 2);
  });

  it('a function call: arguments in one event, then function_call_output + response.create continue', async () => {
    script({ responses: [{ toolCalls: [{ name: 'book', arguments: { people: 2 }, id: 'call_1' }] }, { text: 'Booked.' }] });
    const socket = await model().connect();
    socket.send({ type: 'response.create', response: {} });
    const first = await read(socket, (e) => e.type === 'response_done');
    expect(first.events.find((e) => e.type === 'function_call')).toMatchObject({ callId: 'call_1', name: 'book', arguments: '{"people":2}' });
    socket.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_1', output: '"ok"' } });
    socket.send({ type: 'response.create', response: {} });
    const second = await read(socket, (e) => e.type === 'response_done');
    socket.close();
    expect(second.events.find((e) => e.type === 'transcript_done')).toMatchObject({ text: 'Booked.' });
    expect(received().map((m) => m.type)).toEqual(['session.update', 'response.create', 'conversation.item.create', 'response.create']);
  });

  it('truncate is acknowledged (conversation.item.truncated) and logged with its audio_end_ms', async () => {
    const socket = await model().connect();
    socket.send({ type: 'conversation.item.truncate', item_id: 'item_x', content_index: 0, audio_end_ms: 1234 });
    const { events } = await read(socket, (e) => e.type === 'truncated');
    socket.close();
    expect(events.at(-1)).toEqual({ type: 'truncated', itemId: 'item_x', audioEndMs: 1234 });
    expect(received()[1]).toMatchObject({ type: 'conversation.item.truncate', audio_end_ms: 1234 });
  });

  it('a socket closed mid-response ends the iteration with a retryable provider-network error (close code as status)', async () => {
    script({ responses: [{ text: 'One two three four five six.' }], fault: { kind: 'close', afterChunks: 2 } });
    const socket = await model().connect();
    socket.send({ type: 'response.create', response: {} });
    const { events, error } = await read(socket, () => false);
    expect(events.filter((e) => e.type === 'audio')).toHaveLength(2);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'provider-network', status: 1011, retryable: true });
  });

  it('a malformed frame is provider-protocol', async () => {
    script({ responses: [{ text: 'One two three four five six.' }], fault: { kind: 'malformed', afterChunks: 1 } });
    const socket = await model().connect();
    socket.send({ type: 'response.create', response: {} });
    const { error } = await read(socket, () => false);
    expect(error).toMatchObject({ code: 'provider-protocol' });
  });

  it('a rate-limit error event arrives in-band as provider-rate-limited with the retry hint; the socket stays usable', async () => {
    script({ responses: [{ text: 'Hi.' }], fault: { kind: 'rate-limit' } });
    const socket = await model().connect();
    socket.send({ type: 'response.create', response: {} });
    const first = await read(socket, (e) => e.type === 'error');
    const err = (first.events.at(-1) as { error: ProviderError }).error;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: 'provider-rate-limited', retryable: true, retryAfterMs: 1200 });
    socket.send({ type: 'response.create', response: {} });
    const second = await read(socket, (e) => e.type === 'response_done');
    socket.close();
    expect(second.events.at(-1)).toMatchObject({ status: 'completed' });
  });

  it('chat() is not for a realtime model: a ConfigError', async () => {
    const it = model().chat()[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toMatchObject({ code: 'config-invalid' });
  });
});
