import { EarshotError } from '../errors';
import type { Emitter, EventHub } from '../events';
import type { AgentSessionEvents, AgentState, UserState } from '../session/session-events';

/** Every event of `AgentSession`; a `Record` so that a new event missing here fails to compile. */
const SESSION_EVENTS: Record<keyof AgentSessionEvents & string, true> = {
  agent_state_changed: true,
  user_state_changed: true,
  agent_changed: true,
  user_speech_started: true,
  user_speech_ended: true,
  user_transcript: true,
  agent_transcript: true,
  interruption_suspected: true,
  interruption_cancelled: true,
  turn_interrupted: true,
  tool_call_started: true,
  tool_call_finished: true,
  metrics_collected: true,
  wake_up_fired: true,
  input_level_measured: true,
  output_level_measured: true,
  error: true,
  microphone_ended: true,
  microphone_recovered: true,
  session_closed: true,
  dtmf_received: true,
  voicemail_classified: true,
  voicemail_beep_detected: true,
  warm_transfer: true,
};

/** The names {@link recordEvents} records for an `AgentSession` by default (the ~30 Hz level meters are left out). */
export const SESSION_EVENT_NAMES: readonly (keyof AgentSessionEvents & string)[] = Object.keys(SESSION_EVENTS).filter(
  (n) => !n.endsWith('_level_measured'),
) as (keyof AgentSessionEvents & string)[];

/** {@link waitForEvent} or {@link EventLog.waitFor} saw no matching event in time. */
export class EventTimeoutError extends EarshotError<'event-timeout'> {
  override name = 'EventTimeoutError';
  /** The awaited event. */
  readonly event: string;
  readonly timeoutMs: number;
  constructor(event: string, timeoutMs: number, detail = '') {
    super('event-timeout', `No matching '${event}' event within ${timeoutMs} ms${detail ? `: ${detail}` : ''}`);
    this.event = event;
    this.timeoutMs = timeoutMs;
  }
}

/** One recorded event. `t`: `performance.now()` when it was emitted (ms). */
export interface LoggedEvent<E, K extends keyof E = keyof E> {
  name: K;
  payload: E[K];
  t: number;
}

/** A recorded event in plain JSON: typed arrays become `{ length }`, errors `{ name, code, message }`. */
export interface LoggedEventJSON {
  name: string;
  t: number;
  payload: unknown;
}

/** The ordered log of an emitter's events, from {@link recordEvents}. */
export interface EventLog<E extends object> {
  /** Every recorded event, in emission order. */
  readonly entries: readonly LoggedEvent<E>[];
  /** The names, in order (e.g. for `expect(log.names()).toEqual([...])`). */
  names(): (keyof E)[];
  /** The payloads of one event, in order. */
  of<K extends keyof E>(name: K): E[K][];
  /**
   * Resolves with the first event named `name` matching `predicate`, already recorded or
   * still to come; rejects with {@link EventTimeoutError} after `timeoutMs` (default 5000).
   */
  waitFor<K extends keyof E>(name: K, predicate?: (payload: E[K]) => boolean, timeoutMs?: number): Promise<E[K]>;
  /** The log as plain JSON (safe to send out of the page, e.g. through WebDriver). */
  toJSON(): LoggedEventJSON[];
  /** Stops recording. */
  stop(): void;
}

/**
 * An Earshot emitter (`AgentSession`, `AudioEngine`, `SileroVAD`, …). Naming `EventHub`
 * lets TypeScript infer the event map from the class, which it cannot do through the
 * generic methods of {@link Emitter} alone.
 */
export type AnyEmitter<E extends object> = EventHub<E> | Emitter<E>;

/**
 * Records `names` of `emitter` into an ordered {@link EventLog}. For an `AgentSession`
 * the names default to {@link SESSION_EVENT_NAMES}; any other emitter needs them.
 */
export function recordEvents<E extends object>(emitter: AnyEmitter<E>, names: readonly (keyof E)[]): EventLog<E>;
export function recordEvents(session: AnyEmitter<AgentSessionEvents>, names?: readonly (keyof AgentSessionEvents)[]): EventLog<AgentSessionEvents>;
export function recordEvents<E extends object>(emitter: AnyEmitter<E>, names?: readonly (keyof E)[]): EventLog<E> {
  const list = names ?? (SESSION_EVENT_NAMES as unknown as (keyof E)[]);
  const entries: LoggedEvent<E>[] = [];
  const waiters = new Set<(e: LoggedEvent<E>) => void>();
  const offs = list.map((name) =>
    emitter.on(name, (payload) => {
      const entry = { name, payload, t: performance.now() } as LoggedEvent<E>;
      entries.push(entry);
      for (const w of [...waiters]) w(entry);
    }),
  );
  return {
    entries,
    names: () => entries.map((e) => e.name),
    of: <K extends keyof E>(name: K) => entries.filter((e) => e.name === name).map((e) => e.payload as E[K]),
    waitFor<K extends keyof E>(name: K, predicate: (payload: E[K]) => boolean = () => true, timeoutMs = 5000): Promise<E[K]> {
      const hit = entries.find((e) => e.name === name && predicate(e.payload as E[K]));
      if (hit) return Promise.resolve(hit.payload as E[K]);
      return new Promise((resolve, reject) => {
        const waiter = (e: LoggedEvent<E>) => {
          if (e.name !== name || !predicate(e.payload as E[K])) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve(e.payload as E[K]);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new EventTimeoutError(String(name), timeoutMs, `recorded so far: ${entries.map((e) => String(e.name)).join(', ') || 'nothing'}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    toJSON: () => entries.map((e) => ({ name: String(e.name), t: e.t, payload: plain(e.payload) })),
    stop: () => {
      for (const off of offs) off();
    },
  };
}

/**
 * Resolves with the next `name` event of `emitter` whose payload matches `predicate`;
 * rejects with {@link EventTimeoutError} after `timeoutMs` (default 5000) or when
 * `signal` aborts (with its reason). Only events emitted after the call count; to see
 * earlier ones too, use a log's {@link EventLog.waitFor}.
 */
export function waitForEvent<E extends object, K extends keyof E>(
  emitter: AnyEmitter<E>,
  name: K,
  predicate: (payload: NoInfer<E[K]>) => boolean = () => true,
  timeoutMs = 5000,
  signal?: AbortSignal,
): Promise<E[K]> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const finish = () => {
      off();
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const off = emitter.on(name, (payload) => {
      if (!predicate(payload)) return;
      finish();
      resolve(payload);
    });
    const timer = setTimeout(() => {
      finish();
      reject(new EventTimeoutError(String(name), timeoutMs));
    }, timeoutMs);
    const onAbort = () => {
      finish();
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Options of {@link expectStates}. */
export interface ExpectStatesOptions {
  /** Whose states: `'agent'` (default, `agent_state_changed`) or `'user'` (`user_state_changed`). */
  of?: 'agent' | 'user';
  /** Default true: the whole sequence must equal `expected`. False: `expected` must appear in order, other states may come between. */
  exact?: boolean;
}

/**
 * Asserts the sequence of state changes recorded in `log`. Throws an `Error` naming the
 * expected and actual sequences (any test framework reports it); returns the actual
 * sequence when it matches.
 */
export function expectStates(
  log: Pick<EventLog<AgentSessionEvents>, 'of'>,
  expected: readonly (AgentState | UserState)[],
  options: ExpectStatesOptions = {},
): (AgentState | UserState)[] {
  const { of = 'agent', exact = true } = options;
  const actual = log.of(of === 'agent' ? 'agent_state_changed' : 'user_state_changed').map((c) => c.state);
  let ok: boolean;
  if (exact) ok = actual.length === expected.length && actual.every((s, i) => s === expected[i]);
  else {
    let i = 0;
    for (const s of actual) if (s === expected[i]) i++;
    ok = i === expected.length;
  }
  if (!ok) {
    throw new Error(`expected ${of} states ${exact ? '' : '(in order, with gaps) '}[${expected.join(', ')}], got [${actual.join(', ')}]`);
  }
  return actual;
}

function plain(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (ArrayBuffer.isView(value)) return { length: (value as unknown as { length?: number }).length ?? value.byteLength };
  if (value instanceof Error) {
    return { name: value.name, message: value.message, ...('code' in value ? { code: (value as { code: unknown }).code } : {}) };
  }
  if (depth > 6) return '[deep]';
  if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1));
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), plain(v, depth + 1)]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = plain(v, depth + 1);
  return out;
}
