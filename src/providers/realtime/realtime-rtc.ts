/**
 * One OpenAI Realtime (GA) call over WebRTC (spec/protocols.md §4): the offer SDP is POSTed to
 * `/v1/realtime/calls` with `Authorization: Bearer ek_…`, the answer SDP comes back, the mic
 * goes up as a track, the model's voice comes down as a track, and the events travel on the
 * `oai-events` data channel, parsed by the same parser as the WebSocket's.
 *
 * The voice track is not played by the browser: the app feeds what the graph renders of it to
 * {@link RealtimeRTC.feedOutput}, and while the server says a response's audio is on the track
 * (`output_audio_buffer.started` … `stopped`) it becomes that response's `audio` events, so the
 * conductor plays it on Earshot's mixer exactly as it plays a socket's audio.
 */

import { ProviderError } from '../errors';
import { errorFromResponse } from '../http';
import { EventQueue } from './event-queue';
import { parseRealtimeEvent, type RealtimeEvent, type RealtimeLink } from './realtime-socket';

export interface RealtimeRTCOptions {
  /** The calls endpoint, e.g. `https://api.openai.com/v1/realtime/calls?model=gpt-realtime`. */
  url: string;
  /** Sent as `Authorization: Bearer <key>`: an `ek_` secret in a page. */
  key: string;
  label: string;
  /** The mic as a track (Earshot's processed input); null: the call only listens. */
  micTrack?: MediaStreamTrack | null;
  /** Default `globalThis.RTCPeerConnection` (in Node: e.g. `werift`'s). */
  RTCPeerConnection?: new (config?: RTCConfiguration) => RTCPeerConnection;
  /** ms from the offer to an open event channel. Default 10000. */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
}


/**
 * ms of the voice track fed on after `output_audio_buffer.stopped`: the event can overtake the
 * last packets, which still sit in the receiver's jitter buffer (tens of ms, up to ~200).
 */
const TAIL_MS = 250;
/** A block below this peak is the silence before the voice reaches the track (not counted as heard). */
const SILENT_PEAK = 1e-4;

/** A WebRTC realtime call. Iterate it for the server's events; `send()` client events. */
export class RealtimeRTC implements RealtimeLink {
  readonly label: string;
  readonly pc: RTCPeerConnection;
  /** The model's voice track, once the answer is applied. */
  readonly remoteTrack: Promise<MediaStreamTrack>;
  #dc: RTCDataChannel;
  readonly #queue = new EventQueue();
  #closing = false;
  /** The response whose audio is on the track, and whether its voice has reached us yet. */
  #playing: { responseId: string; voiced: boolean } | null = null;
  /** Each response's audio item (from `response.output_item.added`). */
  readonly #itemOf = new Map<string, string>();
  /**
   * Transcript deltas that came before their response's voice reached the track: they follow
   * its first audio, as on a socket (where each chunk's audio comes before its words).
   */
  readonly #early = new Map<string, RealtimeEvent[]>();
  /** Responses whose voice has been fed. */
  readonly #voiced = new Set<string>();
  /** `response.done`s held until their audio has played out of the track. */
  readonly #held = new Map<string, RealtimeEvent>();
  #tail: ReturnType<typeof setTimeout> | undefined;

  private constructor(pc: RTCPeerConnection, dc: RTCDataChannel, remoteTrack: Promise<MediaStreamTrack>, label: string) {
    this.pc = pc;
    this.#dc = dc;
    this.remoteTrack = remoteTrack;
    this.label = label;
  }

  /**
   * Makes the offer, POSTs it and applies the answer; resolves once the event channel is open.
   * Rejects with `provider-auth` (401/403, the API's message), `provider-rate-limited`,
   * `provider-server`, `provider-bad-request`, `provider-timeout` or `provider-network`, or
   * the abort reason.
   */
  static async open(o: RealtimeRTCOptions): Promise<RealtimeRTC> {
    const PC = o.RTCPeerConnection ?? (globalThis as { RTCPeerConnection?: RealtimeRTCOptions['RTCPeerConnection'] }).RTCPeerConnection;
    if (!PC) throw new ProviderError('provider-network', o.label, 'no RTCPeerConnection here: use the websocket transport');
    const ms = o.connectTimeoutMs ?? 10_000;
    const limit = new AbortController();
    const timer = setTimeout(() => limit.abort(new ProviderError('provider-timeout', o.label, `no call within ${ms} ms`, { retryable: true })), ms);
    const signal = o.signal ? AbortSignal.any([o.signal, limit.signal]) : limit.signal;
    const pc = new PC();
    let gotTrack!: (t: MediaStreamTrack) => void;
    const remoteTrack = new Promise<MediaStreamTrack>((r) => (gotTrack = r));
    pc.ontrack = (e) => gotTrack(e.track);
    // One audio transceiver both ways: the mic (or nothing yet) up, the voice down.
    pc.addTransceiver(o.micTrack ?? 'audio', { direction: 'sendrecv' });
    const dc = pc.createDataChannel('oai-events');
    const call = new RealtimeRTC(pc, dc, remoteTrack, o.label);
    const opened = new Promise<void>((resolve, reject) => {
      dc.onopen = () => resolve();
      pc.onconnectionstatechange = () => {
        if (pc.connectionState === 'failed') reject(new ProviderError('provider-network', o.label, 'the call failed to connect (ICE/DTLS)', { retryable: true }));
      };
    });
    try {
      // No wait for ICE gathering: the server's answer carries its candidates, and it learns
      // ours from our checks (as OpenAI's own browser example does).
      await pc.setLocalDescription(await pc.createOffer());
      let response: Response;
      try {
        response = await fetch(o.url, { method: 'POST', body: pc.localDescription!.sdp, headers: { authorization: `Bearer ${o.key}`, 'content-type': 'application/sdp' }, signal });
      } catch (cause) {
        if (signal.aborted) throw signal.reason;
        throw new ProviderError('provider-network', o.label, `the SDP offer was not answered: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, retryable: true });
      }
      if (!response.ok) throw await errorFromResponse(o.label, response, o.key);
      const sdp = await response.text();
      if (!sdp.startsWith('v=')) throw new ProviderError('provider-protocol', o.label, `the answer is not SDP: ${sdp.slice(0, 60)}`);
      await pc.setRemoteDescription({ type: 'answer', sdp });
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        opened.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    } catch (error) {
      pc.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    call.#listen();
    return call;
  }

  /** Sends one client event on the channel (dropped once closing). */
  send(event: { type: string } & Record<string, unknown>): void {
    if (this.#closing || this.#dc.readyState !== 'open') return;
    this.#dc.send(JSON.stringify(event));
  }

  /** The mic travels as a track: nothing to append. */
  appendAudio(): void {}

  /** Stops the model's voice on the track now (`output_audio_buffer.clear`); the rest is never fed. */
  clearOutput(): void {
    if (!this.#playing) return;
    this.send({ type: 'output_audio_buffer.clear' });
    this.#stopped(this.#playing.responseId);
  }

  /**
   * The voice track as the graph rendered it (mono, 24 kHz): while a response's audio is on the
   * track it becomes that response's `audio` events (from its first voiced block on).
   */
  feedOutput(samples: Float32Array): void {
    const p = this.#playing;
    if (!p || this.#queue.done) return;
    if (!p.voiced) {
      let peak = 0;
      for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]!));
      if (peak < SILENT_PEAK) return;
      p.voiced = true;
    }
    const itemId = this.#itemOf.get(p.responseId);
    if (!itemId) return;
    this.#queue.push({ event: { type: 'audio', responseId: p.responseId, itemId, samples } });
    if (!this.#voiced.has(p.responseId)) {
      this.#voiced.add(p.responseId);
      this.#release(p.responseId);
    }
  }

  /** Called once by close() (what the app plugged into the call, e.g. the audio taps). */
  onClose: (() => void) | null = null;

  /** Hangs up; the iteration ends quietly. Idempotent. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.onClose?.();
    clearTimeout(this.#tail);
    this.#queue.push({ end: true });
    try {
      this.#dc.close();
    } catch {
      /* not open */
    }
    this.pc.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<RealtimeEvent> {
    return this.#queue[Symbol.asyncIterator]();
  }

  /** The held transcript deltas of a response go on. */
  #release(responseId: string): void {
    for (const event of this.#early.get(responseId) ?? []) this.#queue.push({ event });
    this.#early.delete(responseId);
  }

  /** The response's audio is off the track: its held words and `response.done` go on. */
  #stopped(responseId: string): void {
    if (this.#playing?.responseId === responseId) this.#playing = null;
    this.#release(responseId);
    const done = this.#held.get(responseId);
    this.#held.delete(responseId);
    if (done) this.#queue.push({ event: done });
  }

  #listen(): void {
    const dc = this.#dc;
    dc.onmessage = (ev: MessageEvent) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(String(ev.data)) as Record<string, unknown>;
      } catch (cause) {
        this.#queue.push({ error: new ProviderError('provider-protocol', this.label, `an event is not JSON: ${String(ev.data).slice(0, 60)}`, { cause }) });
        return this.close();
      }
      const event = parseRealtimeEvent(msg, this.label);
      if (!event) return;
      if (event.type === 'item_added' && event.itemType === 'message') this.#itemOf.set(event.responseId, event.itemId);
      if (event.type === 'audio_buffer') {
        const before = this.#playing?.responseId;
        clearTimeout(this.#tail);
        if (before && before !== event.responseId) this.#stopped(before);
        if (event.state === 'started') this.#playing = { responseId: event.responseId, voiced: false };
        else if (event.state === 'cleared') this.#stopped(event.responseId);
        // What is still in the jitter buffer plays on for a moment.
        else this.#tail = setTimeout(() => this.#stopped(event.responseId), TAIL_MS);
      }
      if (event.type === 'response_done' && this.#playing?.responseId === event.responseId) return void this.#held.set(event.responseId, event);
      if (event.type === 'response_done') this.#release(event.responseId);
      if ((event.type === 'transcript_delta' || event.type === 'transcript_done') && !this.#voiced.has(event.responseId)) {
        const early = this.#early.get(event.responseId) ?? [];
        this.#early.set(event.responseId, early);
        return void early.push(event);
      }
      this.#queue.push({ event });
    };
    const gone = () => {
      if (this.#closing) return this.#queue.push({ end: true });
      this.#queue.push({ error: new ProviderError('provider-network', this.label, 'the call ended (the event channel closed)', { retryable: true }) });
    };
    dc.onclose = gone;
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === 'failed' || this.pc.connectionState === 'closed') gone();
    };
  }
}
