// POST /v1/messages (protocols.md §7): Anthropic's streaming Messages API, from the same
// `llm` script queue as /v1/chat/completions (one entry per request, whichever route takes
// it), else the demo brain. Every event is `event: <type>` + one `data:` JSON line; text and
// tool input arrive in content blocks; `ping` events are sprinkled in; writes split at odd
// offsets. Faults: Anthropic error bodies (401, 429 + retry-after, 529 overloaded_error…),
// `event: error` mid-stream, a cut connection, a stall, a hang, a slow first byte.
import { argPieces, demoBrain, textPieces } from '../brain.mjs';
import { FAULT_GRACE_MS, hang } from '../faults.mjs';
import { maskSecret, parseJson, rand, readBody, sleep, startSse, writeEvent } from '../http.mjs';
import { anthropicError, asChatBody, checkMessagesRequest, sendAnthropicFault } from '../anthropic.mjs';

/** @param {{ state(): any }} env */
export async function messages(ctx, env) {
  const state = env.state();
  const { req } = ctx;
  // Anthropic names it `request-id`; the client must not rely on OpenAI's `x-request-id`.
  const requestId = ctx.entry.id;
  ctx.res.removeHeader('x-request-id');
  ctx.res.setHeader('request-id', requestId);
  const header = (name) => (typeof req.headers[name] === 'string' ? req.headers[name] : undefined);
  const apiKey = header('x-api-key');
  const bearer = /^Bearer\s+(.+)$/i.exec(header('authorization') ?? '')?.[1]?.trim();
  ctx.entry.headers = Object.fromEntries(
    Object.entries({ 'x-api-key': apiKey && maskSecret(apiKey), 'anthropic-version': header('anthropic-version'), 'anthropic-dangerous-direct-browser-access': header('anthropic-dangerous-direct-browser-access'), 'anthropic-beta': header('anthropic-beta') }).filter(([, v]) => v !== undefined),
  );
  const body = parseJson(ctx, await readBody(req));
  if (body === undefined) return;
  ctx.entry.body = body;
  const fail = (status, type, message) => ctx.json(status, anthropicError(type, message, requestId));
  const key = state.config.requireKey;
  if (key && apiKey !== key && bearer !== key) return fail(401, 'authentication_error', apiKey || bearer ? 'invalid x-api-key' : 'x-api-key header is required');
  if (!header('anthropic-version')) return fail(400, 'invalid_request_error', 'anthropic-version: header is required');
  const problem = checkMessagesRequest(body);
  if (problem) return fail(400, 'invalid_request_error', problem);

  const script = state.llm.shift();
  if (script?.delayMs) await sleep(script.delayMs, ctx.signal);
  if (ctx.signal.aborted) return;
  const fault = script?.fault;
  if (fault?.kind === 'status') return sendAnthropicFault(ctx, fault, requestId);
  if (fault?.kind === 'hang') return hang(ctx);
  const reply = script ? { text: script.text ?? '', toolCalls: script.toolCalls ?? [] } : demoBrain(asChatBody(body));
  if (body.stream !== true) return fail(400, 'invalid_request_error', 'the local provider server only streams: set "stream": true');

  const pieces = textPieces(reply.text);
  const calls = reply.toolCalls.map((c) => ({ id: c.id ?? `toolu_01${rand(22)}`, name: c.name, args: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}) }));
  const inputTokens = Math.ceil(JSON.stringify([body.system ?? '', body.messages, body.tools ?? []]).length / 4);
  let outputTokens = 0;
  /** @type {{ event: string, data: object, text?: string }[]} */
  const events = [];
  const push = (data, text) => events.push({ event: data.type, data, ...(text !== undefined ? { text } : {}) });
  push({ type: 'message_start', message: { id: `msg_01${rand(22)}`, type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1, service_tier: 'standard' } } });
  let index = 0;
  if (script?.extraEvents) {
    // Event and block types this client has never heard of: the API says it may add them.
    push({ type: 'future_event', detail: 'clients must ignore unknown event types' });
    push({ type: 'content_block_start', index, content_block: { type: 'future_block', payload: {} } });
    push({ type: 'content_block_delta', index, delta: { type: 'future_delta', payload: 'x' } });
    push({ type: 'content_block_stop', index: index++ });
  }
  if (script?.thinking) {
    push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
    for (const p of textPieces(script.thinking)) push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: p } });
    push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: `Eq${rand(40)}==` } });
    push({ type: 'content_block_stop', index: index++ });
  }
  if (pieces.length || !calls.length) {
    push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    push({ type: 'ping' });
    for (const p of pieces) push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: p } }, p);
    push({ type: 'content_block_stop', index: index++ });
    outputTokens += pieces.length;
  }
  for (const [k, c] of calls.entries()) {
    push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } });
    // The first fragment is often empty on the real API.
    const fragments = ['', ...argPieces(c.args)];
    // max_tokens inside the last tool's input: half its fragments, and the block never stops.
    const cut = script?.maxTokensInTool && k === calls.length - 1;
    for (const a of cut ? fragments.slice(0, Math.ceil(fragments.length / 2)) : fragments) push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: a } });
    if (!cut) push({ type: 'content_block_stop', index: index++ });
    outputTokens += argPieces(c.args).length;
  }
  const stopReason = script?.maxTokensInTool ? 'max_tokens' : calls.length ? 'tool_use' : 'end_turn';
  push({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } });
  push({ type: 'message_stop' });

  startSse(ctx);
  const limit = fault ? Math.max(0, fault.afterChars ?? 0) : Infinity;
  let chars = 0;
  let n = 0;
  const gap = () => sleep(script?.chunkDelayMs ?? 0, ctx.signal);
  // Recorded Anthropic streams sometimes pad `data:` lines with trailing spaces.
  const send = (ev) => writeEvent(ctx, n++, `${JSON.stringify(ev.data)}${ev.event === 'message_stop' ? '   ' : ''}`, ev.event);
  for (const ev of events) {
    if (ev.text !== undefined && chars + [...ev.text].length > limit) {
      const partial = [...ev.text].slice(0, limit - chars).join('');
      if (partial && !(await send({ event: ev.event, data: { ...ev.data, delta: { type: 'text_delta', text: partial } } }))) return;
      break;
    }
    if (fault && ev.event === 'message_delta') break; // the fault comes before the message ends
    if (ev.text !== undefined) chars += [...ev.text].length;
    if (!(await send(ev))) return;
    await gap();
  }
  if (fault) {
    await sleep(FAULT_GRACE_MS, ctx.signal); // let the partial text reach the client before the failure
    if (fault.kind === 'cut') return ctx.destroy();
    if (fault.kind === 'stall') return hang(ctx);
    const e = /** @type {{ type?: string, message?: string }} */ (fault.error ?? {});
    await send({ event: 'error', data: anthropicError(e.type ?? 'overloaded_error', e.message ?? 'Overloaded', null) });
    return ctx.end();
  }
  ctx.end();
}
