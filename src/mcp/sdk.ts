// The parts of @modelcontextprotocol/sdk the client uses, in one module so the ES build puts
// them (and zod, which the SDK validates messages with) in one chunk that loads on the first
// connect(), never with the core.
export { Client } from '@modelcontextprotocol/sdk/client/index.js';
export { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
export { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
