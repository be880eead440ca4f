import type { FunctionTool } from '../tools/function-tool';

/**
 * A server of tools the session connects on `start()` and closes on `close()`, such as
 * `earshot/mcp`'s `MCPServerHTTP`. The core only calls these three members, so it never
 * loads an MCP SDK itself.
 */
export interface MCPServer {
  /**
   * Connects and lists the tools (those allowed). Rejects with an `EarshotError`; an abort
   * of `signal` (the session closed meanwhile) rejects too and leaves nothing open.
   */
  connect(signal?: AbortSignal): Promise<readonly FunctionTool<any>[]>;
  /** The tools as last listed (a server's `tools/list_changed` refreshes them); empty when not connected. */
  readonly tools: readonly FunctionTool<any>[];
  /** Ends the session (streamable HTTP: a DELETE). Never rejects; bounded by the server's own timeout. */
  close(): Promise<void>;
}

/** What the chat history of an agent taking over starts with: everything, a summary, or nothing. */
export type HandoffContext = 'full' | 'summary' | 'none';
