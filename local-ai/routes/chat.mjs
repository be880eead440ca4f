// POST /v1/chat/completions (protocols.md §1): scripted replies or faults, else the demo brain.
import { argPieces, demoBrain, textPieces } from '../brain.mjs';
import { defaultErrorBody, FAULT_GRACE_MS, hang, openAiError, sendStatusFault } from '../faults.mjs';
import { parseJson, rand, readBody, sleep, startSse, writeEvent } from '../http.mjs';
import { checkChatContent } from '../vision.mjs';

/** @param {{ state(): any, authorized(ctx: any): boolean }} env */
export async function chatCompletions(ctx, env) {
  const state = env.state();
  const body = parseJson(ctx, await readBody(ctx.req));
  if (body === undefined) return;
  ctx.entry.body = body;
  if (!env.authorized(ctx)) return;
  if (typeof body?.model !== 'string' || !body.model) return ctx.json(400, openAiError('you must provide a model parameter', 'invalid_request_error', null, 'model'));
  if (!Array.isArray(body.messages)) return ctx.json(400, openAiError("Missing required parameter: 'messages'.", 'invalid_request_error', 'missing_required_parameter', 'messages'));
  // Content parts (text, image_url) checked as the API does, before the script is used.
  const contentProblem = checkChatContent(body.messages);
  if (contentProblem) return ctx.json(400, openAiError(contentProblem, 'invalid_request_error', 'invalid_value', 'messages'));
  const script = state.llm.shift();
  if (script?.delayMs) await sleep(script.delayMs, ctx.signal);
  if (ctx.signal.aborted) return;
  const fault = script?.fault;
  if (fault?.kind === 'status') return sendStatusFault(ctx, fault);
  if (fault?.kind === 'hang') return hang(ctx);
  const reply = script ? { text: script.text ?? '', toolCalls: script.toolCalls ?? [] } : demoBrain(body);
  const calls = reply.toolCalls.map((c) => ({ id: c.id ?? `call_${rand(24)}`, name: c.name, args: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}) }));
  const id = `chatcmpl-${rand(24)}`;
  const created = Math.floor(Date.now() / 1000);
  const finishReason = calls.length ? 'tool_calls' : 'stop';
  const pieces = textPieces(reply.text);
  const usage = { prompt_tokens: Math.ceil(JSON.stringify(body.messages).length / 4), completion_tokens: pieces.length + calls.reduce((s, c) => s + argPieces(c.args).length, 0) };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  const base = { id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: 'fp_earshot' };

  if (body.stream !== true) {
    if (fault?.kind === 'cut') return ctx.destroy();
    if (fault?.kind === 'midstream-error') return ctx.json(500, { error: fault.error ?? defaultErrorBody(500).error });
    const tool_calls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } }));
    return ctx.json(200, { ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: reply.text || (calls.length ? null : ''), refusal: null, ...(calls.length ? { tool_calls } : {}), annotations: [] }, logprobs: null, finish_reason: finishReason }], usage });
  }

  const chunk = (delta, finish = null) => JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  /** @type {{ payload: string, text?: string }[]} */
  const events = [];
  const first = calls[0];
  if (!pieces.length && first) {
    events.push({ payload: chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: first.id, type: 'function', function: { name: first.name, arguments: '' } }], refusal: null }) });
  } else events.push({ payload: chunk({ role: 'assistant', content: '', refusal: null }) });
  for (const p of pieces) events.push({ payload: chunk({ content: p }), text: p });
  calls.forEach((c, index) => {
    if (index > 0 || pieces.length) events.push({ payload: chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }) });
    for (const a of argPieces(c.args)) events.push({ payload: chunk({ tool_calls: [{ index, function: { arguments: a } }] }) });
  });
  const tail = [chunk({}, finishReason)];
  if (body.stream_options?.include_usage) tail.push(JSON.stringify({ ...base, choices: [], usage }));
  tail.push('[DONE]');

  startSse(ctx);
  const limit = fault && fault.kind !== 'status' ? Math.max(0, fault.afterChars ?? 0) : Infinity;
  let chars = 0;
  let n = 0;
  // A timer turn between events unless the stand-in's pauses are off (config.streamPauses) and none is scripted.
  const gap = () => (script?.chunkDelayMs || ctx.pauses !== false ? sleep(script?.chunkDelayMs ?? 0, ctx.signal) : undefined);
  for (const ev of events) {
    if (ev.text !== undefined && chars + [...ev.text].length > limit) {
      const partial = [...ev.text].slice(0, limit - chars).join('');
      if (partial && !(await writeEvent(ctx, n++, chunk({ content: partial })))) return;
      break;
    }
    if (ev.text !== undefined) chars += [...ev.text].length;
    if (!(await writeEvent(ctx, n++, ev.payload))) return;
    await gap();
  }
  // A fault whose afterChars exceeds the text still fires, after the last delta/fragment.
  if (fault && fault.kind !== 'status') {
    await sleep(FAULT_GRACE_MS, ctx.signal); // let the partial text reach the client before the failure
    if (fault.kind === 'cut') return ctx.destroy();
    if (fault.kind === 'stall') return hang(ctx);
    await writeEvent(ctx, n++, JSON.stringify({ error: fault.error ?? defaultErrorBody(500).error }));
    return ctx.end();
  }
  for (const payload of tail) {
    if (!(await writeEvent(ctx, n++, payload))) return;
    await gap();
  }
  ctx.end();
}
