import { ConfigError } from '../errors';
import type { ChatItem } from '../providers/types';

/** A `message` item. */
export type ChatMessage = Extract<ChatItem, { type: 'message' }>;
/** A `function_call` item: `arguments` is the raw JSON text from the LLM. */
export type FunctionCallItem = Extract<ChatItem, { type: 'function_call' }>;
/** A `function_call_output` item: `output` is JSON text. */
export type FunctionOutputItem = Extract<ChatItem, { type: 'function_call_output' }>;

/** Options of {@link ChatContext.copy}. */
export interface ChatCopyOptions {
  /** Keep `function_call` and `function_call_output` items. Default `true`. */
  includeFunctionCalls?: boolean;
  /** Keep the system message (the instructions). Default `true`. */
  includeSystemMessages?: boolean;
}

/** The serialised form, `{ items }`, as in the original's `to_dict()`. */
export interface ChatContextJSON {
  items: ChatItem[];
}

/** A new item id: `item_` + 16 hex chars. `getRandomValues` works outside secure contexts, unlike `randomUUID`. */
function newItemId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `item_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The conversation history sent to the LLM.
 *
 * Invariants, which the original broke and providers reject:
 * - at most ONE system message, always first ({@link setInstructions} replaces it);
 * - every output follows its call's group of call/output items, so a late output (after a
 *   barge-in added a user message) is still valid for OpenAI's "tool after tool_calls" rule;
 * - {@link closeOpenCalls} gives every unanswered call an error output; {@link remove}
 *   removes a call and its output together.
 *
 * Items are frozen: updates replace the object, so arrays returned by {@link copy} are
 * snapshots that later edits don't change.
 */
export class ChatContext {
  #items: ChatItem[] = [];

  /** Starts from `items` (validated like {@link fromJSON}); empty by default. */
  constructor(items: readonly ChatItem[] = []) {
    for (const item of items) this.#items.push(validate(item));
    const systems = this.#items.filter((i) => i.type === 'message' && i.role === 'system');
    // Keep the latest instructions only, at the front (the invariant above).
    this.#items = this.#items.filter((i) => !systems.includes(i));
    const last = systems.at(-1);
    if (last) this.#items.unshift(last);
  }

  /** The live list, oldest first. Read-only: change it through the methods. */
  get items(): readonly ChatItem[] {
    return this.#items;
  }

  /** The system message's text, or `undefined` when none is set. */
  get instructions(): string | undefined {
    const first = this.#items[0];
    return first?.type === 'message' && first.role === 'system' ? first.content : undefined;
  }

  /**
   * Sets the instructions: replaces the one system message at the start, or inserts it.
   * An empty `text` removes it. Never appends a second system message (the original's §2.14-9).
   */
  setInstructions(text: string): void {
    const current = this.#items[0];
    const hasSystem = current?.type === 'message' && current.role === 'system';
    if (text === '') {
      if (hasSystem) this.#items.shift();
      return;
    }
    const item = freeze<ChatMessage>({
      type: 'message',
      id: hasSystem ? current.id : newItemId(),
      role: 'system',
      content: text,
      createdAt: Date.now(),
    });
    if (hasSystem) this.#items[0] = item;
    else this.#items.unshift(item);
  }

  /**
   * Appends items of another context (validated like {@link fromJSON}), e.g. the history an
   * agent takes over. System messages and items whose id is already here are skipped.
   */
  append(items: readonly ChatItem[]): void {
    const ids = new Set(this.#items.map((i) => i.id));
    for (const item of items) {
      if ((item.type === 'message' && item.role === 'system') || ids.has(item.id)) continue;
      this.#items.push(validate(item));
    }
  }

  /**
   * Appends a message. `system` is not accepted: use {@link setInstructions}.
   * `opts.interrupted` marks an assistant message cut by a barge-in.
   */
  addMessage(role: 'user' | 'assistant' | 'developer', content: string, opts: { interrupted?: boolean } = {}): ChatMessage {
    if ((role as string) === 'system') throw new ConfigError('Use setInstructions() for the system message');
    const item: ChatMessage = { type: 'message', id: newItemId(), role, content, createdAt: Date.now() };
    if (opts.interrupted) item.interrupted = true;
    this.#items.push(freeze(item));
    return item;
  }

  /**
   * Appends a call the LLM requested. `args` is its raw JSON text. Throws if a call with this
   * `callId` is still open; an id whose call was answered may be reused (providers that
   * number calls per response do that).
   */
  addFunctionCall(callId: string, name: string, args: string): FunctionCallItem {
    if (this.openCalls().some((c) => c.callId === callId)) throw new ConfigError(`Duplicate open function call id: ${callId}`);
    const item = freeze<FunctionCallItem>({ type: 'function_call', id: newItemId(), callId, name, arguments: args, createdAt: Date.now() });
    this.#items.push(item);
    return item;
  }

  /**
   * Records the result of the open call `callId` (`output`: JSON text). It is inserted after
   * the call's group of call/output items, not necessarily at the end. Throws if no call
   * with this id is open (unknown, or already answered).
   */
  addFunctionOutput(callId: string, name: string, output: string, isError: boolean): FunctionOutputItem {
    const call = this.openCalls().find((c) => c.callId === callId);
    if (!call) throw new ConfigError(`No open function call with id ${callId}`);
    const item = freeze<FunctionOutputItem>({
      type: 'function_call_output',
      id: newItemId(),
      callId,
      name,
      output,
      isError,
      createdAt: Date.now(),
    });
    let end = this.#items.indexOf(call) + 1;
    while (end < this.#items.length && this.#items[end]?.type !== 'message') end++;
    this.#items.splice(end, 0, item);
    return item;
  }

  /** Calls that have no output yet, oldest first. */
  openCalls(): FunctionCallItem[] {
    // Outputs pair with the earliest open call of their id, so reused ids stay unambiguous.
    const open: FunctionCallItem[] = [];
    for (const i of this.#items) {
      if (i.type === 'function_call') open.push(i);
      else if (i.type === 'function_call_output') {
        const at = open.findIndex((c) => c.callId === i.callId);
        if (at >= 0) open.splice(at, 1);
      }
    }
    return open;
  }

  /**
   * Gives every call without an output an error output `{"error": note}`, so the history
   * never holds an unanswered call (providers reject that). Use when a turn is interrupted
   * mid-tool. Returns the outputs added.
   */
  closeOpenCalls(note: string): FunctionOutputItem[] {
    return this.openCalls().map((c) => this.addFunctionOutput(c.callId, c.name, JSON.stringify({ error: note }), true));
  }

  /** The item with this id, if any. */
  get(id: string): ChatItem | undefined {
    return this.#items.find((i) => i.id === id);
  }

  /** Replaces a message's `content` and/or `interrupted`. Returns the new item, or `undefined` if no message has this id. */
  updateMessage(id: string, patch: { content?: string; interrupted?: boolean }): ChatMessage | undefined {
    const at = this.#items.findIndex((i) => i.id === id);
    const old = this.#items[at];
    if (old?.type !== 'message') return undefined;
    const next: ChatMessage = { ...old };
    if (patch.content !== undefined) next.content = patch.content;
    if (patch.interrupted === true) next.interrupted = true;
    else if (patch.interrupted === false) delete next.interrupted;
    this.#items[at] = freeze(next);
    return next;
  }

  /**
   * After a barge-in: keeps only what the user heard (`heardText`, possibly empty) and marks
   * the message `interrupted`. `undefined` if no message has this id (e.g. it was removed).
   */
  truncateMessage(id: string, heardText: string): ChatMessage | undefined {
    return this.updateMessage(id, { content: heardText, interrupted: true });
  }

  /** Removes an item; a call and its output are removed together. Returns whether anything was removed. */
  remove(id: string): boolean {
    const at = this.#items.findIndex((i) => i.id === id);
    const item = this.#items[at];
    if (!item) return false;
    let partner = -1;
    if (item.type === 'function_call') {
      // Its output is the first one with this id before the id is called again.
      for (let k = at + 1; k < this.#items.length; k++) {
        const o = this.#items[k];
        if (o?.type === 'message' || o?.callId !== item.callId) continue;
        if (o.type === 'function_call_output') partner = k;
        break;
      }
    } else if (item.type === 'function_call_output') {
      for (let k = at - 1; k >= 0 && partner < 0; k--) {
        const c = this.#items[k];
        if (c?.type === 'function_call' && c.callId === item.callId) partner = k;
      }
    }
    this.#items = this.#items.filter((_, k) => k !== at && k !== partner);
    return true;
  }

  /** A new array of the (shared, frozen) items, optionally without tool items or the system message. */
  copy(opts: ChatCopyOptions = {}): ChatItem[] {
    const { includeFunctionCalls = true, includeSystemMessages = true } = opts;
    return this.#items.filter((i) =>
      i.type === 'message' ? includeSystemMessages || i.role !== 'system' : includeFunctionCalls,
    );
  }

  /** `{ items }`, for `JSON.stringify`. */
  toJSON(): ChatContextJSON {
    return { items: this.copy() };
  }

  /**
   * Restores a context from {@link toJSON}'s output or a plain item array. Throws a
   * `ConfigError` for a malformed item. Several system messages collapse to the last one, first.
   */
  static fromJSON(data: ChatContextJSON | readonly ChatItem[]): ChatContext {
    const items: unknown = Array.isArray(data) ? data : (data as Partial<ChatContextJSON> | null)?.items;
    if (!Array.isArray(items)) throw new ConfigError('ChatContext.fromJSON expects { items: [...] } or an array');
    return new ChatContext(items as ChatItem[]);
  }

  /** Removes every item; with `keepInstructions`, keeps the system message. */
  clear(opts: { keepInstructions?: boolean } = {}): void {
    const keep = opts.keepInstructions ? this.instructions : undefined;
    this.#items = [];
    if (keep !== undefined) this.setInstructions(keep);
  }
}

function freeze<T extends ChatItem>(item: T): T {
  return Object.freeze(item);
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant']);

/** Checks an untrusted item's shape and returns a frozen copy. */
function validate(raw: unknown): ChatItem {
  const r = raw as Record<string, unknown> | null;
  const str = (k: string) => typeof r?.[k] === 'string';
  const bad = (why: string) => new ConfigError(`Invalid chat item (${why}): ${safeJson(raw)}`);
  if (typeof r !== 'object' || r === null || !str('id') || typeof r.createdAt !== 'number') throw bad('id/createdAt');
  switch (r.type) {
    case 'message':
      if (!ROLES.has(r.role as string) || !str('content')) throw bad('role/content');
      if (r.interrupted !== undefined && typeof r.interrupted !== 'boolean') throw bad('interrupted');
      break;
    case 'function_call':
      if (!str('callId') || !str('name') || !str('arguments')) throw bad('callId/name/arguments');
      break;
    case 'function_call_output':
      if (!str('callId') || !str('name') || !str('output') || typeof r.isError !== 'boolean') throw bad('callId/name/output/isError');
      break;
    default:
      throw bad('type');
  }
  return freeze({ ...(r as ChatItem) });
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
}
