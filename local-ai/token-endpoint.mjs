// An example app endpoint for OpenAI Realtime in a page: the app's server holds the standard
// key and hands the page a short-lived `ek_…` client secret (`POST /v1/realtime/client_secrets`,
// spec/protocols.md §4.1), so no key is ever in the page. Node's http (or connect/Vite/Express)
// handler; `npm run dev` mounts it at /token, minting from the local stand-in. In an app,
// authenticate the user before minting, and keep `seconds` short.
//   createTokenEndpoint({ apiKey: process.env.OPENAI_API_KEY })

/**
 * @param {{ apiKey: string, baseURL?: string | ((req: import('node:http').IncomingMessage) => string),
 *   session?: object, seconds?: number }} options
 *   `baseURL` default `https://api.openai.com/v1`; `session` default `{ type: 'realtime', model: 'gpt-realtime' }`
 *   (the settings the secret's sessions start with); `seconds` the secret's life (10–7200, default 600).
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => Promise<void>}
 *   Answers `POST` with `{ value, expires_at }` (JSON, not cached); 502 when the mint fails.
 */
export function createTokenEndpoint({ apiKey, baseURL = 'https://api.openai.com/v1', session = { type: 'realtime', model: 'gpt-realtime' }, seconds = 600 }) {
  const reply = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  return async function token(req, res) {
    if (req.method !== 'POST') return reply(res, 405, { error: 'POST only' });
    const base = typeof baseURL === 'function' ? baseURL(req) : baseURL;
    try {
      const r = await fetch(`${base.replace(/\/+$/, '')}/realtime/client_secrets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ expires_after: { anchor: 'created_at', seconds }, session }),
      });
      const body = await r.json().catch(() => ({}));
      if (!r.ok || typeof body.value !== 'string') return reply(res, 502, { error: `client_secrets answered ${r.status}: ${body?.error?.message ?? 'no secret'}` });
      reply(res, 200, { value: body.value, expires_at: body.expires_at });
    } catch (e) {
      reply(res, 502, { error: `client_secrets failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  };
}
