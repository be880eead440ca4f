// The parts of @modelcontextprotocol/sdk the client uses, in one module so the ES build puts
// them (and zod, which the SDK checks messages with) in one chunk that loads on the first
// connect(), never with the core. Typed here by the little Earshot uses, so Earshot's
// published declarations do not import the SDK's (nor, through them, zod's).
import { Client as SdkClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as SdkTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** Per-request options of the SDK (ms). */
export interface McpRequestOptions {
  signal?: AbortSignal;
  timeout?: number;
}

/** A validator the SDK calls for tools' output schemas. */
export interface McpSchemaValidator {
  getValidator<T>(schema: any): (input: unknown) => { valid: true; data: T; errorMessage: undefined } | { valid: false; data: undefined; errorMessage: string };
}

export interface McpClientOptions {
  jsonSchemaValidator: McpSchemaValidator;
  listChanged: { tools: { onChanged(error: Error | null, tools: unknown[] | null): void } };
}

export interface McpTransport {
  readonly sessionId: string | undefined;
  /** DELETE of the session. */
  terminateSession(): Promise<void>;
  start(): Promise<void>;
  send(message: any): Promise<void>;
  close(): Promise<void>;
}

export interface McpClient {
  connect(transport: McpTransport, options?: McpRequestOptions): Promise<void>;
  listTools(params?: { cursor?: string }, options?: McpRequestOptions): Promise<{ tools: unknown[]; nextCursor?: string | undefined }>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }, resultSchema?: undefined, options?: McpRequestOptions): Promise<unknown>;
  close(): Promise<void>;
}

export const Client: new (info: { name: string; version: string }, options: McpClientOptions) => McpClient = SdkClient as never;
export const StreamableHTTPClientTransport: new (url: URL, options: { requestInit?: RequestInit; fetch?: typeof fetch }) => McpTransport = SdkTransport as never;

// The casts above, checked: the SDK's classes must fit the shapes Earshot uses (erased by the build).
((client: SdkClient, transport: SdkTransport): [McpClient, McpTransport] => [client, transport]) satisfies unknown;
