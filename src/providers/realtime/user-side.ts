/**
 * The user's side of a realtime model's server events, for the conductor: the model's VAD (or
 * Earshot's, with local turns) starting and stopping the user's speech, the user's item taking
 * its place in the history, and its transcript filling it in. The agent's side (responses,
 * voices, tools) stays in conductor.ts.
 */

import { TurnClock } from '../../telemetry/turn-metrics';
import type { RealtimeHost } from '../../session/realtime-hook';
import type { RealtimeEvent } from './realtime-socket';

/** The server events about the user. */
export type UserEvent = Extract<RealtimeEvent, { type: 'speech_started' | 'speech_stopped' | 'committed' | 'user_transcript' }>;

export class RealtimeUserSide {
  readonly #host: RealtimeHost;
  readonly #transcribes: boolean;
  /** The current speech's start (ms of audio). */
  #start = 0;
  /** User items: server item id → history id. */
  readonly #items = new Map<string, string>();
  /** The clock of the last user turn, started when the user stopped (its answer's metrics). */
  clock: TurnClock | null = null;

  /** `transcribes`: user transcripts will come (else the history gets no user messages). */
  constructor(host: RealtimeHost, transcribes: boolean) {
    this.#host = host;
    this.#transcribes = transcribes;
  }

  event(e: UserEvent): void {
    const h = this.#host;
    switch (e.type) {
      case 'speech_started':
        this.#start = e.audioStartMs;
        h.userSpoke();
        h.hub.emit('user_speech_started', { at: e.audioStartMs / 1000 });
        h.states.apply('user_speech');
        return;
      case 'speech_stopped':
        h.hub.emit('user_speech_ended', { at: e.audioEndMs / 1000, durationSec: (e.audioEndMs - this.#start) / 1000 });
        h.states.apply('user_stopped');
        h.states.apply('end_of_turn');
        this.clock = Object.assign(new TurnClock(), { speechEnd: performance.now(), endpoint: performance.now() });
        h.ambience?.startThinking(h.agent.thinkingAudio);
        return;
      case 'committed':
        if (!this.#transcribes) return; // no words will come: the history has no user message to hold
        // Holds the user's place in the history until the transcript comes (often after the answer began).
        this.#items.set(e.itemId, h.agent.chatContext.addMessage('user', '').id);
        return;
      case 'user_transcript': {
        const id = this.#items.get(e.itemId);
        if (id) h.agent.chatContext.updateMessage(id, { content: e.text });
        else h.agent.chatContext.addMessage('user', e.text);
        h.hub.emit('user_transcript', { text: e.text, final: true });
        return;
      }
    }
  }
}
