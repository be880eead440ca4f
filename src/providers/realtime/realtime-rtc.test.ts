// OpenAIRealtime over WebRTC against the local provider server's `POST /v1/realtime/calls`
// (a werift peer: PCMU both ways, the `oai-events` channel). The client here is werift's
// RTCPeerConnection given as `RTCPeerConnection` (Node has none); the voice track's RTP is
// decoded and fed to `feedOutput()` as a page's audio graph would. The page's own graph is
// proven in e2e/realtime.spec.ts.
import { describe, expect, it } from 'vitest';
import { RTCPeerConnection as WeriftPeer, MediaStreamTrack as WeriftTrack, RtpPacket, RtpHeader } from 'werift';
import type { LogEntry, RealtimeEntry, RealtimeLogBody } from '../../../local-ai/server.mjs';
import { ProviderError } from '../errors';
import { useProviderServer } from '../test-server';
import { OpenAIRealtime, type OpenAIRealtimeOptions } from './openai-realtime';
import type { RealtimeRTC } from './realtime-rtc';
import type { RealtimeEvent } from './realtime-socket';

const server = useProviderServer();
const KEY = 'sk-server-key-0123456789';
const script = (...realtime: RealtimeEntry[]) => server.handler.script({ realtime });
const calls = () => server.handler.log().requests.filter((r) => r.route === '/v1/realtime/calls') as (LogEntry & { body: RealtimeLogBody & { contentType: string; rtpAudioBytes: number } })[];
const received = (i = 0) => calls()[i]!.body.received;

async function mint(): Promise<string> {
  const res = await fetch(`${server.url}/v1/realtime/client_secrets`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ session: { type: 'realtime', model: 'gpt-realtime' } }) });
  return ((await res.json()) as { value: string }).value;
}

const Peer = WeriftPeer as unknown as NonNullable<OpenAIRealtimeOptions['RTCPeerConnection']>;
const model = (o: Partial<OpenAIRealtimeOptions> = {}) => new OpenAIRealtime({ baseURL: `${server.url}/v1`, getClientSecret: mint, transport: 'webrtc', RTCPeerConnection: Peer, voice: 'cedar', ...o });

/** What a page's graph does with the voice track: its audio, decoded, to feedOutput (24 kHz). */
async function listen(rtc: RealtimeRTC): Promise<void> {
  const track = (await rtc.remoteTrack) as unknown as WeriftTrack;
  track.onReceiveRtp.subscribe((rtp) => {
    const out = new Float32Array(rtp.payload.length * 3);
    for (let i = 0; i < rtp.payload.length; i++) out.fill(ulaw(rtp.payload[i]!) / 32768, i * 3, i * 3 + 3);
    rtc.feedOutput(out);
  });
}

function ulaw(u: number): number {
  u = ~u & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

async function read(rtc: RealtimeRTC, until: (e: RealtimeEvent) => boolean): Promise<{ events: RealtimeEvent[]; error: unknown }> {
  const events: RealtimeEvent[] = [];
  try {
    for await (const e of rtc) {
      events.push(e);
      if (until(e)) break;
    }
  } catch (error) {
    return { events, error };
  }
  return { events, error: undefined };
}

describe('OpenAIRealtime over WebRTC', () => {
  it('POSTs the offer SDP with the ek_ as Bearer to /v1/realtime/calls (201, answer SDP), then session.update on oai-events without pcm formats', async () => {
    server.handler.configure({ requireKey: KEY });
    const rtc = await model().call({ instructions: 'Be brief.' });
    const { events } = await read(rtc, (e) => e.type === 'session' && e.session.instructions === 'Be brief.');
    rtc.close();
    expect(events[0]).toMatchObject({ type: 'session', session: { type: 'realtime', object: 'realtime.session' } });
    const [c] = calls();
    expect(c).toMatchObject({ method: 'POST', status: 201, authorization: expect.stringMatching(/^Bearer ek_/) });
    expect(c!.body.contentType).toBe('application/sdp');
    expect(c!.body.query.model).toBe('gpt-realtime');
    expect(received()[0]).toMatchObject({ type: 'session.update', session: { type: 'realtime', instructions: 'Be brief.', audio: { input: { turn_detection: { type: 'server_vad' } }, output: { voice: 'cedar' } } } });
    expect((received()[0]!.session as { audio: { input: object } }).audio.input).not.toHaveProperty('format');
  });

  it('a refused secret is provider-auth with the API message (HTTP 401); an unknown ek_ too; neither retryable', async () => {
    script({ fault: { kind: 'auth' } });
    const e1 = await model().call().catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ProviderError);
    expect(e1).toMatchObject({ code: 'provider-auth', status: 401, retryable: false });
    expect((e1 as Error).message).toContain('Incorrect API key provided (scripted)');
    const e2 = await model({ getClientSecret: async () => 'ek_not_minted_here' }).call().catch((e: unknown) => e);
    expect(e2).toMatchObject({ code: 'provider-auth', status: 401 });
    expect((e2 as Error).message).not.toContain('ek_not_minted_here'); // the secret is scrubbed
  });

  it('an answer that never comes is provider-timeout after connectTimeoutMs; an abort rejects with its reason', async () => {
    script({ fault: { kind: 'hang' } });
    await expect(model({ connectTimeoutMs: 400 }).call()).rejects.toMatchObject({ code: 'provider-timeout', retryable: true });
    const ac = new AbortController();
    script({ fault: { kind: 'hang' } });
    const p = model().call({}, null, ac.signal);
    setTimeout(() => ac.abort(new Error('left')), 100);
    await expect(p).rejects.toThrow('left');
  });

  it("a response: the voice on the track becomes the response's audio between output_audio_buffer.started and stopped; response.done waits for it", async () => {
    script({ responses: [{ text: 'One two three.' }] });
    const rtc = await model().call();
    await listen(rtc);
    rtc.send({ type: 'response.create', response: {} });
    const { events, error } = await read(rtc, (e) => e.type === 'response_done');
    rtc.close();
    expect(error).toBeUndefined();
    const types = events.map((e) => e.type);
    const started = types.indexOf('audio_buffer');
    const firstAudio = types.indexOf('audio');
    expect(started).toBeGreaterThan(-1);
    expect(firstAudio).toBeGreaterThan(started);
    const stopped = events.findIndex((e) => e.type === 'audio_buffer' && e.state === 'stopped');
    expect(stopped).toBeGreaterThan(firstAudio);
    expect(types.at(-1)).toBe('response_done');
    const audio = events.filter((e): e is Extract<RealtimeEvent, { type: 'audio' }> => e.type === 'audio');
    const samples = audio.reduce((n, e) => n + e.samples.length, 0);
    let energy = 0;
    for (const e of audio) for (const x of e.samples) energy += x * x;
    // espeak says "One two three." in about a second; the track carries it (PCMU, 20 ms packets).
    expect(samples / 24000).toBeGreaterThan(0.6);
    expect(Math.sqrt(energy / samples)).toBeGreaterThan(0.02);
    const itemId = (events.find((e) => e.type === 'item_added') as { itemId: string }).itemId;
    expect(audio.every((e) => e.itemId === itemId)).toBe(true);
    expect(events.find((e) => e.type === 'transcript_done')).toMatchObject({ text: 'One two three.' });
    // The words follow the voice that carries them (as on a socket), none lost on the way.
    expect(types.indexOf('transcript_delta')).toBeGreaterThan(firstAudio);
    expect(events.filter((e) => e.type === 'transcript_delta').map((e) => (e as { delta: string }).delta).join('')).toBe('One two three.');
  });

  it('clearOutput() sends output_audio_buffer.clear: the server stops the voice (cleared) and response.done is released at once', async () => {
    script({ responses: [{ text: 'This is a long answer that goes on and on for a good while yet.' }] });
    const rtc = await model().call();
    await listen(rtc);
    rtc.send({ type: 'response.create', response: {} });
    let fed = 0;
    const { events } = await read(rtc, (e) => {
      if (e.type === 'audio' && (fed += e.samples.length) > 12000) {
        rtc.send({ type: 'response.cancel' });
        rtc.clearOutput();
      }
      return e.type === 'response_done';
    });
    rtc.close();
    expect(received().map((m) => m.type)).toEqual(expect.arrayContaining(['response.cancel', 'output_audio_buffer.clear']));
    expect(events.at(-1)).toMatchObject({ type: 'response_done', status: 'cancelled' });
    // Nothing of the voice is fed once cleared.
    const after = events.slice(events.findIndex((e) => e.type === 'audio' && (fed -= e.samples.length) <= 0) + 1);
    expect(after.some((e) => e.type === 'audio')).toBe(false);
  });

  it("the server's VAD hears the mic track (PCMU RTP): speech started/stopped, committed, the transcript and an answer", async () => {
    script({ transcripts: ['hello there'], responses: [{ text: 'Hi.' }] });
    const mic = new WeriftTrack({ kind: 'audio' });
    const rtc = await model().call({}, mic as unknown as MediaStreamTrack);
    // 0.8 s of a 220 Hz tone, then silence, as 20 ms µ-law packets at real time.
    let seq = 0;
    let n = 0;
    const timer = setInterval(() => {
      const payload = Buffer.alloc(160);
      for (let i = 0; i < 160; i++) payload[i] = n < 40 ? toUlaw(Math.round(4000 * Math.sin((2 * Math.PI * 220 * (n * 160 + i)) / 8000))) : 0xff;
      mic.writeRtp(new RtpPacket(new RtpHeader({ payloadType: 0, sequenceNumber: seq++, timestamp: n * 160, ssrc: 1234 }), payload));
      n++;
    }, 20);
    const { events } = await read(rtc, (e) => e.type === 'response_done').finally(() => clearInterval(timer));
    rtc.close();
    const types = events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['speech_started', 'speech_stopped', 'committed', 'user_transcript', 'response_started', 'response_done']));
    expect(events.find((e) => e.type === 'user_transcript')).toMatchObject({ text: 'hello there' });
    expect(calls()[0]!.body.rtpAudioBytes).toBeGreaterThan(0);
  });
});

function toUlaw(x: number): number {
  let sign = 0;
  if (x < 0) { x = -x; sign = 0x80; }
  x = Math.min(32635, x) + 0x84;
  let exp = 7;
  for (let mask = 0x4000; (x & mask) === 0 && exp > 0; exp--, mask >>= 1);
  return ~(sign | (exp << 4) | ((x >> (exp + 3)) & 0x0f)) & 0xff;
}
