/**
 * Runs an `AgentSession` on a realtime socket: the mic's frames go up (16 → 24 kHz pcm16),
 * the model's audio plays on the session's mixer (`voice` bus: levels, ducking, recording and
 * the output tap keep working), and the server's events become the session's states (through
 * the state table), events, history and tool calls. Barge-in is the model's VAD: on its
 * `speech_started` while the agent speaks, the voice stops at once and the item is truncated
 * at what the mixer actually rendered.
 */

import type { UtteranceHandle } from '../../agent/utterance-handle';
import type { MixerStream } from '../../audio/mixer';
import { StreamResampler } from '../../audio/dsp/resampler';
import type { TurnClock } from '../../telemetry/turn-metrics';
import { runToolCalls, toolMap, type ToolCall } from '../../tools/tool-runner';
import type { RealtimeConductor, RealtimeHost } from '../../session/realtime-hook';
import type { RealtimeLink } from './realtime-socket';
import { ResilientLink, type LinkEvent, type ReconnectOptions, type ReplayMessage } from './reconnect';
import { localTurns } from './local-turns';
import { ResponseGate } from './response-gate';
import { RealtimeUserSide } from './user-side';
import { frameUrls } from '../llm/frames';
import type { VisionFrame } from '../types';
import { REALTIME_RATE } from './realtime-socket';
import { isAbortError } from '../errors';

/** One assistant audio item of a response, as played. */
interface Voice {
  itemId: string;
  stream: MixerStream;
  /** Samples received (24 kHz). */
  received: number;
  transcript: string;
  /** The link delivers the audio into `stream` itself (from the audio worker). */
  piped: boolean;
}

/** The utterance in progress: one or more responses (a tool round continues it). */
interface Speaking {
  handle: UtteranceHandle;
  responseId: string | null;
  /** The `event_id` of our last response.create: an error event naming it refuses the response. */
  requestId: string | null;
  voices: Voice[];
  calls: ToolCall[];
  audible: boolean;
  clock: TurnClock | null;
  /** Rounds with tools so far. */
  steps: number;
}

/** Tool rounds per utterance before the model is asked to answer without tools. */
const MAX_TOOL_STEPS = 8;

/** Instructions for `say()`: the GA API cannot speak given text in the model's voice any other way. */
export function verbatim(text: string): string {
  return `Say exactly the following text, word for word, and nothing else. Do not answer it or add to it.\n\n${text}`;
}

export class RealtimeSessionConductor implements RealtimeConductor {
  readonly #host: RealtimeHost;
  readonly #socket: RealtimeLink;
  /** Bumped by a drop: what was measured on the old connection is not sent on the new one. */
  #generation = 0;
  /** Resolves once an interruption's heard text is in the history (a replay waits for it). */
  #heard: Promise<unknown> = Promise.resolve();
  readonly #serverCancels: boolean;
  /** Speech start/stop, the user's items and transcripts. */
  readonly #user: RealtimeUserSide;
  readonly #resampler = new StreamResampler(16000, REALTIME_RATE);
  readonly #offAudio: () => void;
  /** Responses whose events are ignored (interrupted ones). */
  readonly #dropped = new Set<string>();
  /** Requests waiting for the current utterance to end (the API allows one response at a time). */
  readonly #queue: (() => void)[] = [];
  #current: Speaking | null = null;
  #closed = false;
  /** The socket failed: nothing more can be said. */
  #broken = false;
  readonly #gate: ResponseGate;
  readonly #loop: Promise<void>;
  #muted = false;

  /**
   * `serverCancels`: the server's VAD cancels what it hears the user over; `transcribes`: user
   * transcripts will come; `reconnect`: how to open a new connection after a drop (none: a drop ends the session's model).
   */
  constructor(host: RealtimeHost, socket: RealtimeLink, options: { serverCancels: boolean; transcribes: boolean; reconnect?: Omit<ReconnectOptions, 'history'>; localTurns?: boolean }) {
    this.#host = host;
    this.#socket = options.reconnect ? new ResilientLink(socket, { ...options.reconnect, history: () => this.#replay() }) : socket;
    this.#gate = new ResponseGate((e) => this.#socket.send(e));
    this.#serverCancels = options.serverCancels;
    this.#user = new RealtimeUserSide(host, options.transcribes);
    host.vad.tapAudio(true);
    this.#offAudio = host.vad.on('vad_audio', (e) => this.#muted || this.#socket.appendAudio(this.#resampler.process(e.samples)));
    if (options.localTurns) this.#offLocal = localTurns(host, this);
    this.#loop = this.#run();
  }

  #offLocal: (() => void) | null = null;

  /** `listen(false)` (a caller on hold): the mic is not sent to the model, so it hears nothing; `listen()` resumes. */
  listen(on = true): void {
    this.#muted = !on;
  }

  /** Local turns: the user's speech began (audio time, s). */
  userStarted(at: number): void {
    if (this.#muted) return; // on hold: the user is not heard
    this.#event({ type: 'speech_started', itemId: '', audioStartMs: at * 1000 });
  }

  /** Local turns: the user's turn ended: the buffer becomes an item, and the model answers. */
  userEnded(at: number): void {
    if (this.#muted) return;
    this.#event({ type: 'speech_stopped', itemId: '', audioEndMs: at * 1000 });
    this.#socket.send({ type: 'input_audio_buffer.commit' });
    this.#request(this.#host.utterance(), false, {});
    if (this.#current) this.#current.clock = this.#user.clock;
  }

  get current(): UtteranceHandle | null {
    return this.#current?.handle ?? null;
  }

  say(handle: UtteranceHandle, text: string): void {
    this.#request(handle, true, { instructions: verbatim(text), tool_choice: 'none' });
  }

  /**
   * `frames`: pictures for this reply, sent first as a user item of `input_image` parts (the
   * model's conversation keeps it; Earshot's history does not). A frame that is not a picture
   * is reported (source llm) and the reply ends unanswered.
   */
  reply(handle: UtteranceHandle, instructions: string, _hold?: boolean, frames?: readonly VisionFrame[]): void {
    const base = this.#host.agent.instructions;
    const go = () => this.#request(handle, false, { instructions: base ? `${base}\n\n${instructions}` : instructions });
    if (!frames?.length) return go();
    frameUrls(frames, this.#socket.label).then(
      (urls) => {
        if (handle.done || this.#closed) return void handle.markDone();
        this.#socket.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: urls.map((url) => ({ type: 'input_image', image_url: url })) } });
        go();
      },
      (error: unknown) => {
        this.#host.report(error, 'llm');
        handle.markDone();
      },
    );
  }

  sendText(handle: UtteranceHandle, text: string): void {
    const cur = this.#current;
    if (cur && cur.handle.interruptible) this.interrupt('interrupt');
    this.#host.agent.chatContext.addMessage('user', text);
    this.#host.hub.emit('user_transcript', { text, final: true });
    this.#socket.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
    this.#request(handle, false, {});
  }

  /** Starts a response for `handle` now, or after the current utterance (not interruptible, or `replace` false). */
  #request(handle: UtteranceHandle, replace: boolean, response: Record<string, unknown>): void {
    const go = () => {
      if (handle.done || this.#closed || this.#broken) return void handle.markDone();
      this.#current = { handle, responseId: null, requestId: null, voices: [], calls: [], audible: false, clock: null, steps: 0 };
      this.#host.states.apply('generating');
      this.#host.busy();
      this.#create(this.#current, response);
    };
    const cur = this.#current;
    if (cur && replace && cur.handle.interruptible) this.interrupt('say');
    if (this.#current) this.#queue.push(go);
    else go();
  }

  interrupt(reason: 'interrupt' | 'say' | 'close' | 'barge_in'): void {
    const sp = this.#current;
    if (!sp) return;
    this.#current = null;
    if (sp.responseId && sp.responseId !== 'done') this.#dropped.add(sp.responseId);
    else if (sp.responseId === null) this.#gate.orphan(sp.requestId);
    // The server's VAD cancels a response it hears the user over; anything else we cancel (a
    // response not created yet is cancelled by id once it is: a cancel now would find none).
    if (sp.responseId !== 'done' && sp.responseId !== null && !(reason === 'barge_in' && this.#serverCancels)) this.#socket.send({ type: 'response.cancel', response_id: sp.responseId });
    for (const v of sp.voices) {
      v.stream.stop();
      if (v.piped) this.#socket.drop?.(v.itemId);
    }
    this.#socket.clearOutput?.();
    this.#host.ambience?.stopThinking(true);
    sp.handle.interrupt({ force: true });
    const rate = this.#host.audio.mixer.contextRate;
    const generation = this.#generation;
    this.#heard = Promise.all(sp.voices.map((v) => v.stream.ended)).then((ends) => {
      let heard = '';
      sp.voices.forEach((v, i) => {
        // What the mixer rendered of this item is what the user heard: the model forgets the rest.
        const ms = Math.floor((ends[i]!.renderedSamples / rate) * 1000);
        if (generation === this.#generation) this.#socket.send({ type: 'conversation.item.truncate', item_id: v.itemId, content_index: 0, audio_end_ms: ms });
        const text = cut(v.transcript, (ends[i]!.renderedSamples / rate) / (v.received / REALTIME_RATE));
        if (text) this.#host.agent.chatContext.addMessage('assistant', text, { interrupted: true });
        heard = [heard, text].filter(Boolean).join(' ');
      });
      this.#host.hub.emit('agent_transcript', { text: heard, final: true, interrupted: true });
      this.#host.hub.emit('turn_interrupted', { reason, heardText: heard });
    });
    this.#host.states.apply('turn_ended');
    if (reason !== 'say' && reason !== 'close') this.#next();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.interrupt('close');
    for (const run of this.#queue.splice(0)) run();
    this.#offAudio();
    this.#offLocal?.();
    this.#host.vad.tapAudio(false);
    this.#socket.close();
    await this.#loop;
  }

  /** Asks for a response for `sp`, once the server is free (see {@link ResponseGate}). */
  #create(sp: Speaking, response: Record<string, unknown>): void {
    sp.requestId = null;
    this.#gate.hold(response, () => this.#current === sp && !sp.handle.done, (id) => (sp.requestId = id));
  }

  async #run(): Promise<void> {
    try {
      for await (const e of this.#socket as AsyncIterable<LinkEvent>) this.#event(e);
    } catch (error) {
      if (!this.#closed && !isAbortError(error)) this.#host.report(error, 'llm');
      // Not reconnectable, or the reconnects ran out: what waits ends at once.
      this.#broken = true;
      if (!this.#closed) this.interrupt('close');
      for (const run of this.#queue.splice(0)) run();
    }
  }

  #event(e: LinkEvent): void {
    const h = this.#host;
    switch (e.type) {
      case 'dropped':
        // The conversation moves to a new connection: what played so far stays heard, the
        // answer in flight is lost with the old one (and asked again by the user's replayed audio).
        this.#generation++;
        this.#gate.paused = true;
        this.#gate.reset();
        if (this.#current) this.interrupt('interrupt');
        return;
      case 'reconnected':
        this.#gate.paused = false;
        this.#gate.flush();
        return;
      case 'speech_started':
        this.#user.event(e);
        if (this.#current?.handle.interruptible) this.interrupt('barge_in');
        return;
      case 'speech_stopped':
      case 'committed':
      case 'user_transcript':
        return this.#user.event(e);
      case 'response_started': {
        if (this.#gate.created(e.responseId)) return void this.#dropped.add(e.responseId);
        if (this.#current && this.#current.responseId === null) this.#current.responseId = e.responseId;
        else if (!this.#current) {
          // The server's VAD answered the user: a new utterance, as a user turn in the cascade.
          this.#current = { handle: h.utterance(), responseId: e.responseId, requestId: null, voices: [], calls: [], audible: false, clock: this.#user.clock, steps: 0 };
          h.states.apply('generating');
          h.busy();
        } else this.#dropped.add(e.responseId); // another response while ours runs: not ours to play
        return;
      }
      case 'audio':
        return this.#audio(e.responseId, e.itemId, e.samples);
      case 'transcript_delta': {
        const v = this.#voice(e.responseId, e.itemId);
        if (!v) return;
        v.transcript += e.delta;
        h.hub.emit('agent_transcript', { text: e.delta, final: false, interrupted: false });
        return;
      }
      case 'transcript_done': {
        const v = this.#voice(e.responseId, e.itemId);
        if (v) v.transcript = e.text;
        return;
      }
      case 'function_call':
        if (this.#mine(e.responseId)) this.#current!.calls.push({ callId: e.callId, name: e.name, arguments: e.arguments });
        return;
      case 'response_done':
        this.#gate.done();
        if (this.#mine(e.responseId)) void this.#finish(this.#current!, e.status);
        return;
      case 'error':
        // A cancel that crossed the response's end is no failure.
        if (e.error.message.includes('response_cancel_not_active')) return;
        if (e.eventId && this.#gate.refused(e.eventId)) return; // a refused request nobody waits for
        h.report(e.error, 'llm');
        // A refused response.create (rate limit, bad request) leaves the utterance with nothing coming.
        if (this.#current && this.#current.responseId === null && (!e.eventId || e.eventId === this.#current.requestId)) this.#end(this.#current);
        return;
      default:
        return;
    }
  }

  /** The history as text messages, for a new connection (once an interruption's heard text is in). */
  async #replay(): Promise<ReplayMessage[]> {
    await this.#heard;
    const out: ReplayMessage[] = [];
    for (const i of this.#host.agent.chatContext.items) {
      if (i.type === 'message' && (i.role === 'user' || i.role === 'assistant') && i.content) out.push({ role: i.role, text: i.content });
    }
    return out;
  }

  #mine(responseId: string): boolean {
    return !!this.#current && this.#current.responseId === responseId && !this.#dropped.has(responseId);
  }

  #voice(responseId: string, itemId: string): Voice | undefined {
    return this.#mine(responseId) ? this.#current!.voices.find((v) => v.itemId === itemId) : undefined;
  }

  #audio(responseId: string, itemId: string, samples: Float32Array): void {
    // Not ours: a piped link stops sending it (and holding it in the worker).
    if (!this.#mine(responseId)) return this.#socket.drop?.(itemId);
    const sp = this.#current!;
    let v = sp.voices.find((x) => x.itemId === itemId);
    if (!v) {
      const stream = this.#host.audio.mixer.createStream(REALTIME_RATE, 'voice');
      v = { itemId, stream, received: 0, transcript: '', piped: this.#socket.playTo?.(itemId, stream) ?? false };
      sp.voices.push(v);
      sp.clock?.mark('llmFirstToken');
      void stream.started.then((frame) => frame >= 0 && this.#audible(sp));
    }
    v.received += samples.length;
    if (!v.piped) v.stream.push(samples);
  }

  #audible(sp: Speaking): void {
    if (sp.audible || this.#current !== sp) return;
    sp.audible = true;
    sp.clock?.mark('audible');
    sp.clock?.mark('ttsFirstAudio'); // the model's voice: heard as it is accounted for
    this.#host.states.apply('agent_audio');
    this.#host.ambience?.stopThinking();
  }

  /** The server finished a response: play it out, then run its tools (and continue) or end. */
  async #finish(sp: Speaking, status: string): Promise<void> {
    sp.responseId = 'done';
    for (const v of sp.voices) {
      if (v.piped) this.#socket.endPlayback?.(v.stream);
      else v.stream.end();
    }
    await Promise.all(sp.voices.map((v) => v.stream.ended));
    if (this.#current !== sp) return; // interrupted while it played
    const chat = this.#host.agent.chatContext;
    for (const v of sp.voices) if (v.transcript) chat.addMessage('assistant', v.transcript);
    const heard = sp.voices.map((v) => v.transcript).filter(Boolean).join(' ');
    if (heard) this.#host.hub.emit('agent_transcript', { text: heard, final: true, interrupted: false });
    sp.voices = [];
    if (sp.calls.length && status === 'completed') return this.#tools(sp);
    this.#end(sp);
  }

  async #tools(sp: Speaking): Promise<void> {
    const h = this.#host;
    const calls = sp.calls.splice(0);
    for (const c of calls) h.agent.chatContext.addFunctionCall(c.callId, c.name, c.arguments);
    const results = await runToolCalls(calls, toolMap(h.agent.tools), {
      signal: sp.handle.signal,
      session: h.session,
      timeoutMs: h.timeouts.toolMs || undefined,
      onStart: (c) => h.hub.emit('tool_call_started', { callId: c.callId, name: c.name, arguments: c.arguments }),
      onEnd: (c, result) => h.hub.emit('tool_call_finished', { callId: c.callId, name: c.name, result }),
      onTimeout: (_c, error) => h.report(error, 'tool'),
    });
    for (const r of results) {
      h.agent.chatContext.addFunctionOutput(r.callId, r.name, r.output, r.isError);
      this.#socket.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: r.callId, output: r.output } });
    }
    if (this.#current !== sp || sp.handle.done) return;
    sp.responseId = null;
    sp.steps++;
    this.#create(sp, sp.steps >= MAX_TOOL_STEPS ? { tool_choice: 'none' } : {});
  }

  #end(sp: Speaking): void {
    if (this.#current !== sp) return;
    this.#current = null;
    const m = sp.clock?.metrics();
    if (m) this.#host.hub.emit('metrics_collected', { turn: m });
    this.#host.ambience?.stopThinking();
    sp.handle.markDone();
    this.#host.states.apply('turn_ended');
    this.#next();
  }

  #next(): void {
    const run = this.#queue.shift();
    if (run) run();
    else if (!this.#current) this.#host.idle();
  }
}

/** The first `fraction` of `text`, cut at a word boundary (the transcript has no word times). */
export function cut(text: string, fraction: number): string {
  if (!(fraction < 1)) return text.trim();
  if (!(fraction > 0)) return '';
  const words = text.trim().split(/\s+/);
  return words.slice(0, Math.round(words.length * fraction)).join(' ');
}
