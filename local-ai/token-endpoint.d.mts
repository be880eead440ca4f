import type { IncomingMessage, ServerResponse } from 'node:http';

/** An example app endpoint that mints OpenAI Realtime `ek_` client secrets for a page (see token-endpoint.mjs). */
export function createTokenEndpoint(options: {
  apiKey: string;
  baseURL?: string | ((req: IncomingMessage) => string);
  session?: object;
  seconds?: number;
}): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
