// A realtime model's socket inside the TTS audio worker (issue 9): the server's audio reaches
// the mixer worklet from here, so a main thread blocked for 200 ms cannot starve the voice. The
// other events, and a copy of the audio for accounting, go to the main thread
// (piped-socket.ts), which decides what plays: an item's audio waits here until `rt-play` names
// its mixer stream, or `rt-drop` says it is not played.
import type { MixerCommand } from '../../audio/worklet-protocol';
import { toPipeError } from '../tts/pipe-error';
import type { PipeCommand, PipeEvent, RealtimeCommand } from '../tts/pipe-protocol';
import { RealtimeSocket } from './realtime-socket';

type Post = (event: PipeEvent, transfer?: Transferable[]) => void;

interface Route {
  port: MessagePort | undefined;
  stream: number;
  rate: number;
}

interface Link {
  label: string;
  socket: RealtimeSocket | null;
  /** Aborts the connection attempt (`rt-close` before it opened). */
  opening: AbortController;
  /** Per item: where its audio goes (null: nowhere), or absent (held until the main thread says). */
  routes: Map<string, Route | null>;
  held: Map<string, Float32Array[]>;
  heldSamples: number;
}

/**
 * Audio held for items not routed yet, in samples (24 kHz): a main thread that never answers
 * (it is gone) must not grow the worker without bound. 60 s.
 */
const HELD_MAX = 60 * 24000;

const links = new Map<number, Link>();

export const isRealtimeCommand = (cmd: PipeCommand): cmd is RealtimeCommand => cmd.type.startsWith('rt-');

export function realtimeCommand(cmd: RealtimeCommand, post: Post, portOf: (mixer: number) => MessagePort | undefined): void {
  if (cmd.type === 'rt-open') return void open(cmd, post);
  const l = links.get(cmd.link);
  if (!l) return;
  switch (cmd.type) {
    case 'rt-send':
      return l.socket?.send(cmd.event);
    case 'rt-append':
      return l.socket?.appendAudio(cmd.samples);
    case 'rt-play': {
      const route = { port: portOf(cmd.mixer), stream: cmd.stream, rate: cmd.rate };
      l.routes.set(cmd.item, route);
      const held = l.held.get(cmd.item) ?? [];
      release(l, cmd.item); // before the pushes: they detach the buffers (length 0)
      for (const samples of held) push(route, samples);
      return;
    }
    case 'rt-drop':
      l.routes.set(cmd.item, null);
      return release(l, cmd.item);
    case 'rt-close':
      l.opening.abort();
      l.socket?.close();
      return void links.delete(cmd.link);
  }
}

/** Posts `samples` to the mixer, transferring their buffer. */
function push(route: Route, samples: Float32Array): void {
  route.port?.postMessage({ type: 'push', id: route.stream, bus: 'voice', samples, rate: route.rate } satisfies MixerCommand, [samples.buffer]);
}

function release(l: Link, item: string): void {
  for (const samples of l.held.get(item) ?? []) l.heldSamples -= samples.length;
  l.held.delete(item);
}

async function open(cmd: Extract<RealtimeCommand, { type: 'rt-open' }>, post: Post): Promise<void> {
  const l: Link = { label: cmd.label, socket: null, opening: new AbortController(), routes: new Map(), held: new Map(), heldSamples: 0 };
  links.set(cmd.link, l);
  try {
    l.socket = await RealtimeSocket.open({ url: cmd.url, key: cmd.key, label: cmd.label, connectTimeoutMs: cmd.connectTimeoutMs, signal: l.opening.signal });
  } catch (err) {
    links.delete(cmd.link);
    if (!l.opening.signal.aborted) post({ type: 'rt-open', job: cmd.link, error: toPipeError(err, cmd.label) });
    return;
  }
  if (l.opening.signal.aborted) return l.socket.close(); // closed while it opened
  post({ type: 'rt-open', job: cmd.link });
  try {
    for await (const e of l.socket) {
      if (e.type === 'error') {
        post({ type: 'rt-event', job: cmd.link, event: { type: 'error', error: toPipeError(e.error, l.label), ...(e.eventId ? { eventId: e.eventId } : {}) } });
        continue;
      }
      if (e.type === 'audio') {
        const route = l.routes.get(e.itemId);
        if (route === null) continue; // not played: the main thread needs no copy either
        // A copy to play (held or pushed): the delta itself goes to the main thread below.
        if (route) push(route, e.samples.slice());
        else if (l.heldSamples + e.samples.length <= HELD_MAX) {
          const held = l.held.get(e.itemId) ?? [];
          held.push(e.samples.slice());
          l.held.set(e.itemId, held);
          l.heldSamples += e.samples.length;
        }
        post({ type: 'rt-event', job: cmd.link, event: e }, [e.samples.buffer]);
        continue;
      }
      post({ type: 'rt-event', job: cmd.link, event: e });
    }
    post({ type: 'rt-end', job: cmd.link });
  } catch (err) {
    post({ type: 'rt-end', job: cmd.link, error: toPipeError(err, l.label) });
  } finally {
    links.delete(cmd.link);
  }
}
