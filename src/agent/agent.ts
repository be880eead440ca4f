import { ChatContext } from './chat-context';
import type { FunctionTool } from '../tools/function-tool';
import { toolMap } from '../tools/tool-runner';
import type { AudioSource } from '../session/audio-source';
import type { AgentSession } from '../session/agent-session';
import type { HandoffContext, MCPServer } from './mcp-server';
import { AGENT_BRAND } from './brand';

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
  /** Who this agent is, in handoff results ("transferred to billing") and `agent_changed`. Default `agent`. */
  name?: string;
  /** A tool may return another `Agent` to hand the conversation over to it. */
  tools?: FunctionTool<any>[];
  /**
   * Servers whose tools the LLM may call beside `tools` (e.g. `earshot/mcp`'s `MCPServerHTTP`).
   * The session connects them on start (a failure fails `start()`) or when this agent takes
   * over, and closes them on close or when it hands over.
   */
  mcpServers?: MCPServer[];
  /**
   * What this agent keeps of the conversation when it takes over from another: `full`
   * (default: every message and tool call), `summary` (a short summary the LLM writes; the
   * last few messages if that fails) or `none`. `session.updateAgent(agent, { context })` overrides it.
   */
  handoffContext?: HandoffContext;
  thinkingAudio?: ThinkingAudioConfig;
  /**
   * Called when the session starts, before user input is accepted (e.g. to greet), and when
   * this agent takes over a conversation. What it returns is awaited: returning
   * `session.say(…)`'s handle waits for the greeting to play.
   */
  onEnter?: (agent: Agent) => void | PromiseLike<unknown>;
  /** Called by `close()`, while audio still works (e.g. to say goodbye), and when this agent hands over. Awaited like `onEnter`. */
  onExit?: (agent: Agent) => void | PromiseLike<unknown>;
}

/**
 * Who the assistant is: instructions, tools, its chat history and hooks. Subclass it and
 * override `onEnter`/`onExit`, or pass them as options.
 */
export class Agent {
  readonly [AGENT_BRAND] = true;
  readonly name: string;
  readonly chatContext = new ChatContext();
  readonly mcpServers: readonly MCPServer[];
  readonly handoffContext: HandoffContext;
  #tools: FunctionTool<any>[] = [];
  thinkingAudio: ThinkingAudioConfig | undefined;
  #instructions = '';
  readonly #onEnter: AgentOptions['onEnter'];
  readonly #onExit: AgentOptions['onExit'];
  /** The session running this agent (set by `new AgentSession(agent, …)`). */
  session: AgentSession | null = null;

  constructor(options: AgentOptions) {
    this.name = options.name ?? 'agent';
    this.mcpServers = [...(options.mcpServers ?? [])];
    this.handoffContext = options.handoffContext ?? 'full';
    this.tools = options.tools ?? [];
    this.thinkingAudio = options.thinkingAudio;
    this.#onEnter = options.onEnter;
    this.#onExit = options.onExit;
    this.instructions = options.instructions;
  }

  /**
   * The tools the LLM may call (the MCP servers' tools come beside them). Setting them checks the names: a duplicate throws a
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
