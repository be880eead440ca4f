/**
 * `earshot/mcp`: tools from MCP servers (streamable HTTP), for `new Agent({ mcpServers })`.
 * The MCP SDK loads on the first `connect()`, as its own chunk.
 */
export { MCPServerHTTP, type MCPServerHTTPOptions } from './server-http';
export type { MCPServer } from '../agent/mcp-server';
