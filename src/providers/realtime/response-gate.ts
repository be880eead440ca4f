/**
 * The model's one-response-at-a-time rule, client side. The server refuses a
 * `response.create` while a response is active (or a cancelled one is still winding down), so
 * a create waits here until the server is free; one whose utterance ended meanwhile is never
 * sent. Responses are created in request order, so each `response.created` answers the oldest
 * create, and one asked for by an utterance interrupted before it existed (an orphan) is
 * cancelled as soon as it does.
 */
export class ResponseGate {
  readonly #send: (event: { type: string } & Record<string, unknown>) => void;
  /** The server has a response in progress (created, not done). */
  #active = false;
  /** `event_id`s of creates sent and not yet answered (created or refused), oldest first. */
  readonly #creating = new Set<string>();
  /** Creates of interrupted utterances whose response was not created yet. */
  readonly #orphans = new Set<string>();
  #held: (() => void) | null = null;
  #requests = 0;
  /** Between a drop and the new connection: nothing is sent. */
  paused = false;

  constructor(send: (event: { type: string } & Record<string, unknown>) => void) {
    this.#send = send;
  }

  /**
   * Holds a create for `response` (replacing any held one) until the server is free; then,
   * if `wanted()` still holds, sends it and calls `sent` with its `event_id`.
   */
  hold(response: Record<string, unknown>, wanted: () => boolean, sent: (eventId: string) => void): void {
    this.#held = () => {
      if (!wanted()) return;
      const id = `evt_earshot_${++this.#requests}`;
      this.#creating.add(id);
      sent(id);
      this.#send({ type: 'response.create', event_id: id, response });
    };
    this.flush();
  }

  /** Sends the held create once no response is active or on its way. */
  flush(): void {
    if (this.paused || this.#active || this.#creating.size > 0 || !this.#held) return;
    const send = this.#held;
    this.#held = null;
    send();
  }

  /** An interrupted utterance's create: cancel its response once created (true if it was still pending). */
  orphan(eventId: string | null): boolean {
    if (!eventId || !this.#creating.has(eventId)) return false;
    this.#orphans.add(eventId);
    return true;
  }

  /** `response.created`: true if it is an orphan's, which is cancelled here. */
  created(responseId: string): boolean {
    this.#active = true;
    const oldest = this.#creating.values().next();
    if (!oldest.done) this.#creating.delete(oldest.value);
    const orphan = this.#orphans.values().next();
    if (orphan.done) return false;
    this.#orphans.delete(orphan.value);
    this.#send({ type: 'response.cancel', response_id: responseId });
    return true;
  }

  /** `response.done`: the server is free (the held create goes after this event's handling). */
  done(): void {
    this.#active = false;
    queueMicrotask(() => this.flush());
  }

  /** An `error` event naming `eventId`: a refused create. True if nobody waits for it (an orphan's). */
  refused(eventId: string): boolean {
    if (this.#creating.delete(eventId)) queueMicrotask(() => this.flush());
    return this.#orphans.delete(eventId);
  }

  /** A new connection: nothing is active or on its way there. */
  reset(): void {
    this.#active = false;
    this.#creating.clear();
    this.#orphans.clear();
  }
}
