import { ChatContext } from './chat-context';
import type { FunctionTool } from '../tools/function-tool';
import { toolMap } from '../tools/tool-runner';
import type { AudioSource } from '../session/audio-source';
import type { AgentSession } from '../session/agent-session';

/** Sound played while the agent thinks (LLM and tools at work). */
export interface ThinkingAudioConfig {
  /** URL of an audio file, or decoded samples. */
  source: AudioSource;
  /** Linear gain, default 0.3. */
  volume?: number;
  /** Start only if no agent audio has come after this long, ms. Default 250: a fast reply gets no blip. */
  delayMs?: number;
  /** Once started, play at least this long, ms. Default 600. */
  minPlayMs?: number;
}

export interface AgentOptions {
  /** The system prompt. */
  instructions: string;
  tools?: FunctionTool<any>[];
  thinkingAudio?: ThinkingAudioConfig;
  /**
   * Called when the session starts, before user input is accepted (e.g. to greet). What it
   * returns is awaited: returning `session.say(…)`'s handle waits for the greeting to play.
   */
  onEnter?: (agent: Agent) => void | PromiseLike<unknown>;
  /** Called by `close()`, while audio still works (e.g. to say goodbye). Awaited like `onEnter`. */
  onExit?: (agent: Agent) => void | PromiseLike<unknown>;
}

/**
 * Who the assistant is: instructions, tools, its chat history and hooks. Subclass it and
 * override `onEnter`/`onExit`, or pass them as options.
 */
export class Agent {
  readonly chatContext = new ChatContext();
  #tools: FunctionTool<any>[] = [];
  thinkingAudio: ThinkingAudioConfig | undefined;
  #instructions = '';
  readonly #onEnter: AgentOptions['onEnter'];
  readonly #onExit: AgentOptions['onExit'];
  /** The session running this agent (set by `new AgentSession(agent, …)`). */
  session: AgentSession | null = null;

  constructor(options: AgentOptions) {
    this.tools = options.tools ?? [];
    this.thinkingAudio = options.thinkingAudio;
    this.#onEnter = options.onEnter;
    this.#onExit = options.onExit;
    this.instructions = options.instructions;
  }

  /**
   * The tools the LLM may call. Setting them checks the names: a duplicate throws a
   * `ConfigError` (the LLM could not tell the two apart), here rather than mid-turn.
   */
  get tools(): FunctionTool<any>[] {
    return this.#tools;
  }

  set tools(tools: FunctionTool<any>[]) {
    toolMap(tools);
    this.#tools = [...tools];
  }

  /** The system prompt. Setting it replaces the one system message (it never adds a second). */
  get instructions(): string {
    return this.#instructions;
  }

  set instructions(text: string) {
    this.#instructions = text;
    this.chatContext.setInstructions(text);
  }

  /** Runs when the session starts; user input is accepted after it returns. */
  async onEnter(): Promise<void> {
    await this.#onEnter?.(this);
  }

  /** Runs when the session closes, before audio is released. */
  async onExit(): Promise<void> {
    await this.#onExit?.(this);
  }
}
