// The kit of the realtime-session tests: a whole AgentSession on OpenAIRealtime against the
// local stand-in, in Node. VirtualAudio renders the real mixer, ScriptedVAD taps "the mic" (a
// tone the stand-in's server VAD hears), and the model's espeak voice plays through Earshot's
// mixer. Real timers: the socket is real. The tests are spread over three files so that Vitest
// runs them side by side (they wait on the socket and the audio clock, not the CPU).
import { afterEach, expect, vi } from 'vitest';
import type { RealtimeEntry, RealtimeLogBody, LogEntry } from '../../../local-ai/server.mjs';
import { Agent, type AgentOptions } from '../../agent/agent';
import type { MixerStream } from '../../audio/mixer';
import { AgentSession, type AgentSessionOptions } from '../../session/agent-session';
import { Pipeline } from '../../session/pipeline';
import type { AgentSessionEvents } from '../../session/session-events';
import { ScriptedVAD } from '../../testing/scripted-vad';
import { VirtualAudio } from '../../testing/virtual-audio';
import { NodeWebSocket } from '../stt/deepgram-test-kit';
import { useProviderServer } from '../test-server';
import { OpenAIRealtime, type OpenAIRealtimeOptions } from './openai-realtime';

/** Starts the stand-in for this file and leaves every session a test opened after it. */
export function useRealtimeSessions() {
  const server = useProviderServer();
  const sockets = () => server.handler.log().requests.filter((r) => r.route === '/v1/realtime') as (LogEntry & { body: RealtimeLogBody })[];
  const received = () => sockets()[0]?.body.received ?? [];
  let open: AgentSession<VirtualAudio>[] = [];
  afterEach(async () => {
    await Promise.all(open.map((s) => s.leave()));
    open = [];
  });

  function kit(entry: RealtimeEntry, agent: Partial<AgentOptions> = {}, options: AgentSessionOptions<VirtualAudio> = {}, model: Partial<OpenAIRealtimeOptions> = {}) {
    server.handler.script({ realtime: [entry] });
    const vad = new ScriptedVAD();
    const audio = new VirtualAudio();
    const mint = () => fetch(`${server.url}/token`, { method: 'POST' }).then((r) => r.json() as Promise<{ value: string }>).then((j) => j.value);
    const llm = new OpenAIRealtime({ baseURL: `${server.url}/v1`, getClientSecret: mint, WebSocket: NodeWebSocket, ...model });
    const session = new AgentSession(new Agent({ instructions: 'Be brief.', ...agent }), new Pipeline({ llm, vad }), { ...options, audioEngine: () => audio });
    open.push(session);
    const log: string[] = [];
    const events: { [K in keyof AgentSessionEvents]?: AgentSessionEvents[K][] } = {};
    session.on('agent_state_changed', (e) => log.push(`agent:${e.state}`));
    session.on('user_state_changed', (e) => log.push(`user:${e.state}`));
    for (const name of ['wake_up_fired', 'turn_interrupted', 'tool_call_started', 'tool_call_finished', 'metrics_collected', 'user_transcript', 'error', 'session_closed'] as const) {
      session.on(name, (e: unknown) => ((events[name] ??= []) as unknown[]).push(e));
    }
    // The voice streams the conductor opens, to read what the mixer rendered of each.
    const streams: MixerStream[] = [];
    const create = audio.mixer.createStream.bind(audio.mixer);
    audio.mixer.createStream = (rate, bus) => {
      const s = create(rate, bus);
      streams.push(s);
      return s;
    };
    const until = (done: () => boolean, timeout = 15_000) => vi.waitFor(() => expect(done(), log.join(' ')).toBe(true), { timeout, interval: 20 });
    const history = () =>
      session.getContextHistory({ includeFunctionCalls: true }).map((i) => {
        if (i.type === 'message') return `${i.role}: ${i.content}${i.interrupted ? ' [interrupted]' : ''}`;
        if (i.type === 'function_call') return `call ${i.name} ${i.arguments}`;
        return `output ${i.name}: ${i.output}`;
      });
    return { session, vad, audio, log, events, streams, until, history };
  }

  return { server, sockets, received, kit };
}

/** Index after the last sample above `floor` in `x[from, to)`, or `from`. */
export function lastSound(x: Float32Array, from: number, to: number, floor = 1e-4): number {
  for (let i = Math.min(to, x.length) - 1; i >= from; i--) if (Math.abs(x[i]!) > floor) return i + 1;
  return from;
}
