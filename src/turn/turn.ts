import type { Mixer } from '../audio/mixer';
import type { Agent } from '../agent/agent';
import type { ChatContext } from '../agent/chat-context';
import type { UtteranceHandle } from '../agent/utterance-handle';
import { isAbortError } from '../providers/errors';
import { withTimeouts } from '../providers/timeout';
import type { ChatItem, LLM, LLMChunk, LLMRequest, RequestMeta, TTS, VisionFrame } from '../providers/types';
import type { AgentSession } from '../session/agent-session';
import type { Timeouts } from '../session/pipeline';
import type { TurnClock } from '../telemetry/turn-metrics';
import type { FunctionTool } from '../tools/function-tool';
import { runToolCalls, type ToolCall, type ToolResult } from '../tools/tool-runner';
import { SentenceChunker, stripMarkdown } from './sentence-chunker';
import { servedBy, TextQueue } from './text-queue';
import { Speech, type SpeechResult } from './speech-output';

/** What a turn reports as it goes; the session turns these into states, events and metrics. */
export interface TurnHooks {
  onLlmStart(): void;
  /** `servedBy`: the label of the LLM that answered (a fallback chain's member); `request`: its request (its `meta`). */
  onLlmFirstToken(servedBy: string, request?: LLMRequest | null): void;
  /** The turn's first TTS request went out. */
  onTtsStart(): void;
  /** First TTS audio of the turn reached the mixer (TTS time to first byte). */
  onFirstAudio(servedBy: string, request?: { meta?: RequestMeta } | null): void;
  /** First sample of the turn was rendered; `frame` is the context frame. */
  onAudible(frame: number): void;
  onToolStart(call: ToolCall): void;
  onToolEnd(call: ToolCall, result: ToolResult): void;
  onError(error: unknown, source: 'llm' | 'tts' | 'tool'): void;
  /**
   * A tool returned `agent`: hand over before the next round (whose history and tools are
   * the new agent's). `flush` records speech said so far into the old agent's history.
   */
  onHandoff(agent: Agent, flush: () => void): Promise<void>;
}

export interface TurnDeps {
  llm: LLM;
  tts: TTS;
  /** Time limits for the LLM, TTS and tools (ms). */
  timeouts: Timeouts;
  /** Seconds of audio the TTS may run ahead of playback. */
  ttsLeadSec: number;
  mixer: Mixer;
  /** Read at each use: a handoff mid-turn swaps it. */
  readonly chat: ChatContext;
  /** Read at each round: a handoff mid-turn swaps them. */
  readonly tools: ReadonlyMap<string, FunctionTool<any>>;
  session: AgentSession;
  /** LLM rounds with tools before a final round without them. Default 8. */
  maxToolSteps: number;
  hooks: TurnHooks;
  /** The latency marks of the user turn this one answers (null for `say()`/`reply()`). */
  clock: TurnClock | null;
}

export interface TurnOutcome {
  speech: SpeechResult;
  interrupted: boolean;
}

interface Said {
  tag: string;
  text: string;
  addToChat: boolean;
  messageId?: string;
  /** The LLM stream broke off inside this text: it is stored marked `interrupted`. */
  cut?: boolean;
}

let tagCounter = 0;
const nextTag = () => `seg${++tagCounter}`;

/**
 * One utterance of the agent from start to played out: either fixed text/audio (`say`)
 * or a generation (LLM rounds, parallel tools, text streamed to TTS sentence by sentence).
 * On interruption it stops audio at once, aborts LLM, TTS and tools, and writes to the
 * history only what the listener heard; every tool call still gets an output.
 */
export class Turn {
  readonly handle: UtteranceHandle;
  readonly speech: Speech;
  readonly #deps: TurnDeps;
  readonly #said: Said[] = [];
  /** Messages from `say()` inside a tool, added after the tool outputs (OpenAI needs outputs right after calls). */
  #deferred: Said[] = [];
  #inTools = false;
  /** The LLM stream broke off: the outcome counts as interrupted. */
  #cut = false;

  constructor(deps: TurnDeps, handle: UtteranceHandle) {
    this.#deps = deps;
    this.handle = handle;
    this.speech = new Speech(
      deps.mixer,
      deps.tts,
      handle.signal,
      {
        onSynthesisStart: () => deps.hooks.onTtsStart(),
        onFirstAudio: (servedBy, request) => deps.hooks.onFirstAudio(servedBy, request),
        onError: (err) => deps.hooks.onError(err, 'tts'),
      },
      { leadSec: deps.ttsLeadSec, firstByteMs: deps.timeouts.ttsFirstByteMs, stallMs: deps.timeouts.ttsStallMs },
    );
    // -1: the speech ended without a sample played; the agent never was `speaking`.
    void this.speech.started.then((frame) => {
      if (frame >= 0 && !this.handle.signal.aborted) deps.hooks.onAudible(frame);
    });
  }

  /** Tools of this turn are running: a `say()` now joins the turn instead of replacing it. */
  get inTools(): boolean {
    return this.#inTools;
  }

  /** The latency marks of the user turn this one answers, if any. */
  get clock(): TurnClock | null {
    return this.#deps.clock;
  }

  /** Speaks fixed text (or audio standing for it), then ends. */
  async say(text: string, options: { audio?: { samples: Float32Array; sampleRate: number }; addToChat: boolean }): Promise<TurnOutcome> {
    this.addSpeech(text, options);
    this.speech.end();
    return this.#finish();
  }

  /**
   * Adds speech to this turn while it runs (a tool's `say()`); resolves when it has
   * played. Its history message lands after the tool outputs of the current round.
   */
  addSpeech(text: string, options: { audio?: { samples: Float32Array; sampleRate: number }; addToChat: boolean }): Promise<void> {
    const said: Said = { tag: nextTag(), text, addToChat: options.addToChat };
    this.#said.push(said);
    if (this.#inTools) this.#deferred.push(said);
    else this.#record(said);
    return options.audio
      ? this.speech.play(options.audio.samples, options.audio.sampleRate, text, said.tag)
      : this.speech.say(stripMarkdown(text), said.tag);
  }

  /**
   * Runs LLM rounds on the history (plus transient `instructions`, never stored) until
   * an answer without tool calls, then waits for playout.
   */
  async generate(instructions?: string, frames?: readonly VisionFrame[]): Promise<TurnOutcome> {
    const { llm, hooks, maxToolSteps, timeouts } = this.#deps;
    const deps = this.#deps;
    const signal = this.handle.signal;
    const flush = () => {
      for (const said of this.#deferred.splice(0)) this.#record(said);
    };
    try {
      for (let step = 0; !signal.aborted; step++) {
        const tools = deps.tools;
        const allowTools = tools.size > 0 && step < maxToolSteps;
        const calls = await this.#round(llm, instructions, allowTools, frames);
        if (calls.length === 0 || signal.aborted) break;
        const chat = deps.chat;
        for (const c of calls) chat.addFunctionCall(c.callId, c.name, c.arguments);
        this.#inTools = true;
        try {
          const results = await runToolCalls(calls, tools, {
            signal,
            session: deps.session,
            onStart: (c) => hooks.onToolStart(c),
            onEnd: (c, r) => hooks.onToolEnd(c, r),
            timeoutMs: timeouts.toolMs,
            onTimeout: (_, error) => hooks.onError(error, 'tool'),
          });
          for (const r of results) chat.addFunctionOutput(r.callId, r.name, r.output, r.isError);
          // Still "in tools": what the agents say in onExit/onEnter joins this turn.
          const to = results.find((r) => r.handoff)?.handoff;
          if (to) await hooks.onHandoff(to, flush);
        } finally {
          this.#inTools = false;
        }
        flush();
      }
    } catch (err) {
      if (!isAbortError(err) && !signal.aborted) hooks.onError(err, 'llm');
    } finally {
      flush();
      // Calls recorded but never answered (an abort between recording and running) get an output.
      deps.chat.closeOpenCalls('interrupted');
    }
    this.speech.end();
    return this.#finish();
  }

  /** Stops now: audio fades out, LLM/TTS/tools abort. Resolves when accounted for. */
  interrupt(): void {
    this.handle.interrupt({ force: true });
    this.speech.stop();
  }

  async #round(llm: LLM, instructions: string | undefined, allowTools: boolean, frames?: readonly VisionFrame[]): Promise<ToolCall[]> {
    const { chat, tools, hooks } = this.#deps;
    const signal = this.handle.signal;
    const items: ChatItem[] = [...chat.items];
    if (instructions) items.push({ type: 'message', id: 'transient', role: 'system', content: instructions, createdAt: Date.now() });
    const chunker = new SentenceChunker();
    const said: Said = { tag: nextTag(), text: '', addToChat: true };
    const calls: ToolCall[] = [];
    // A TTS that takes streamed text gets the round's sentences as one context (prosody
    // carries across them); others get one request per sentence.
    let streamed: TextQueue | null = null;
    const speak = (segments: string[]) => {
      for (const s of segments) {
        if (!this.#deps.tts.stream) void this.speech.say(stripMarkdown(s), said.tag);
        else {
          if (!streamed) void this.speech.sayStream((streamed = new TextQueue()), said.tag);
          streamed.push(`${stripMarkdown(s)} `);
        }
      }
    };
    hooks.onLlmStart();
    let first = true;
    let broken = false;
    const { llmFirstTokenMs, llmStallMs } = this.#deps.timeouts;
    try {
      let request: LLMRequest | null = null;
      const open = (s: AbortSignal): AsyncIterable<LLMChunk> =>
        llm.chat((request = { items, tools: allowTools ? [...tools.values()].map((t) => t.spec) : [], signal: s, frames, ...(allowTools ? {} : { toolChoice: 'none' as const }) }));
      const stream = withTimeouts(open, signal, { provider: llm.label, what: 'first token', firstMs: llmFirstTokenMs, stallMs: llmStallMs });
      for await (const chunk of stream) {
        if (signal.aborted) break;
        if (first && (chunk.type === 'text' || chunk.type === 'tool_call')) {
          first = false;
          hooks.onLlmFirstToken(servedBy(llm, request), request);
        }
        if (chunk.type === 'text') {
          said.text += chunk.delta;
          speak(chunker.push(chunk.delta));
        } else if (chunk.type === 'tool_call') calls.push({ callId: chunk.callId, name: chunk.name, arguments: chunk.arguments });
        // The last sentence goes to the TTS at the model's finish, not after usage and the stream's end;
        // with no tool to run, nothing follows it, so the audio path may end the speech by itself.
        else if (chunk.type === 'finish') {
          speak(chunker.flush());
          if (!calls.length) this.speech.end();
        }
      }
    } catch (err) {
      broken = true;
      throw err;
    } finally {
      // Even when the stream fails mid-way, speak and record what did arrive, but never a
      // half word: the text is kept marked `interrupted`, cut to what was spoken.
      if (!signal.aborted) {
        speak(broken ? dropPartialWord(chunker.flush(), said.text) : chunker.flush());
        // On abort the context is cancelled through the signal instead.
        (streamed as TextQueue | null)?.end();
      }
      if (broken && said.text.trim()) {
        said.cut = true;
        this.#cut = true;
      }
      if (said.text.trim()) {
        this.#said.push(said);
        this.#record(said);
      }
    }
    return signal.aborted ? [] : calls;
  }

  #record(said: Said): void {
    if (!said.addToChat || !said.text.trim()) return;
    said.messageId = this.#deps.chat.addMessage('assistant', said.text.trim(), said.cut ? { interrupted: true } : {}).id;
  }

  async #finish(): Promise<TurnOutcome> {
    const result = await this.speech.result;
    // A broken LLM or TTS stream: what was heard is kept, marked like an interruption.
    const interrupted = result.interrupted || this.handle.interrupted || result.cut || this.#cut;
    if (interrupted) {
      // History holds what the listener heard, not what was generated.
      for (const said of this.#said) {
        if (!said.messageId) continue;
        const heard = result.heardByTag.get(said.tag) ?? '';
        const squash = (t: string) => t.replace(/\s+/g, ' ').trim();
        if (!heard) this.#deps.chat.remove(said.messageId);
        else if (squash(heard) !== squash(stripMarkdown(said.text))) this.#deps.chat.truncateMessage(said.messageId, heard);
      }
    }
    // The session marks the handle done once its states are settled, so awaiting code sees them.
    return { speech: result, interrupted };
  }
}

/**
 * The last segments of a stream that broke off: a trailing word is dropped unless the raw
 * text shows it ended (whitespace or punctuation after it), so the TTS never says half a word.
 */
export function dropPartialWord(segments: string[], raw: string): string[] {
  if (segments.length === 0 || /[\s.,;:!?…)"'”’\]]$/u.test(raw)) return segments;
  const last = segments[segments.length - 1]!.replace(/\s*\S+$/u, '');
  return last ? [...segments.slice(0, -1), last] : segments.slice(0, -1);
}
