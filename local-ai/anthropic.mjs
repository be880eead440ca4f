// Anthropic Messages specifics of the local provider server (protocols.md §7): error bodies,
// the request checks the real API applies (so a client that maps chat items wrongly gets the
// same 400 it would get from Anthropic), and the translation that lets the demo brain answer.
import { rand } from './http.mjs';
import { checkImageBlock } from './vision.mjs';

/** `{type:"error", error:{type, message}, request_id}`, as Anthropic sends it; `requestId` null: none (an `event: error`). */
export function anthropicError(type, message, requestId = `req_${rand(24)}`, details) {
  return { type: 'error', error: { type, message, ...(details ? { details } : {}) }, ...(requestId ? { request_id: requestId } : {}) };
}

const TYPES = { 400: 'invalid_request_error', 401: 'authentication_error', 402: 'billing_error', 403: 'permission_error', 404: 'not_found_error', 413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error', 504: 'timeout_error', 529: 'overloaded_error' };
const MESSAGES = {
  invalid_request_error: 'Invalid request (scripted fault).',
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'model: claude-nonexistent',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.',
  api_error: 'Internal server error',
  timeout_error: 'Request timed out',
  overloaded_error: 'Overloaded',
};

/**
 * Sends a scripted status fault the Anthropic way: the error body for `fault.status` (or
 * `fault.body`), `request-id`, `fault.headers`. `code: 'enforced_spend_limit_reached'` on a
 * 429 adds `error.details.error_code` (a 429 that must not be retried).
 */
export function sendAnthropicFault(ctx, fault, requestId) {
  const type = TYPES[fault.status] ?? (fault.status >= 500 ? 'api_error' : 'invalid_request_error');
  const details = fault.code ? { error_code: fault.code } : undefined;
  const headers = { 'request-id': requestId, ...(fault.status === 429 ? { 'anthropic-ratelimit-requests-remaining': '0' } : {}) };
  for (const [k, v] of Object.entries(fault.headers ?? {})) headers[k.toLowerCase()] = String(v);
  ctx.json(fault.status, fault.body ?? anthropicError(type, MESSAGES[type], requestId, details), headers);
}

const blocksOf = (m) => (typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : Array.isArray(m.content) ? m.content : []);

/**
 * The request checks of the real API that a client's mapping can trip over. Anthropic now
 * merges consecutive same-role turns itself; this server insists on strict alternation (the
 * older, stricter rule) so a client that sends it is right either way.
 * @returns The `invalid_request_error` message, or null when the request is acceptable.
 */
export function checkMessagesRequest(body) {
  if (typeof body?.model !== 'string' || !body.model) return 'model: Field required';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Field required';
  if (!Array.isArray(body.messages)) return 'messages: Field required';
  if (body.messages.length === 0) return 'messages: at least one message is required';
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) return 'system: Input should be a valid string';
  for (const [i, t] of (body.tools ?? []).entries()) {
    if (typeof t?.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(t.name)) return `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`;
    if (t.input_schema?.type !== 'object') return `tools.${i}.custom.input_schema.type: Field required`;
  }
  if (body.tool_choice !== undefined && !['auto', 'any', 'tool', 'none'].includes(body.tool_choice?.type)) return "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'";
  const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
  const toolBlock = (m) => blocksOf(m).some((b) => b?.type === 'tool_use' || b?.type === 'tool_result');
  if (!hasTools && body.messages.some(toolBlock)) return 'Requests which include tool_use or tool_result blocks must define tools.';
  let toolUses = [];
  for (const [i, m] of body.messages.entries()) {
    if (m?.role !== 'user' && m?.role !== 'assistant') {
      return m?.role === 'system'
        ? 'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.'
        : `messages.${i}.role: Input should be 'user' or 'assistant'`;
    }
    if (i === 0 && m.role !== 'user') return 'messages: first message must use the "user" role';
    if (i > 0 && m.role === body.messages[i - 1].role) return `messages: roles must alternate between "user" and "assistant", but found multiple "${m.role}" roles in a row`;
    const blocks = blocksOf(m);
    const last = i === body.messages.length - 1;
    if (blocks.length === 0 || (typeof m.content === 'string' && m.content === '' && !(last && m.role === 'assistant'))) {
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    }
    const results = [];
    let textSeen = false;
    for (const [j, b] of blocks.entries()) {
      if (b?.type === 'text') {
        if (typeof b.text !== 'string' || b.text === '') return `messages.${i}.content.${j}.text: text content blocks must be non-empty`;
        textSeen = true;
      } else if (b?.type === 'image') {
        const problem = checkImageBlock(b, m.role, `messages.${i}.content.${j}`);
        if (problem) return problem;
        textSeen = true; // tool_result blocks lead the turn, before images too
      } else if (b?.type === 'tool_use') {
        if (m.role !== 'assistant') return `messages.${i}.content.${j}: tool_use blocks may only appear in assistant messages`;
        if (typeof b.id !== 'string' || typeof b.name !== 'string' || typeof b.input !== 'object' || b.input === null || Array.isArray(b.input)) {
          return `messages.${i}.content.${j}.tool_use.input: Input should be a valid dictionary`;
        }
      } else if (b?.type === 'tool_result') {
        if (m.role !== 'user') return `messages.${i}.content.${j}: tool_result blocks may only appear in user messages`;
        if (textSeen) return `messages.${i}.content: tool_result blocks must come first in the content array, before any text`;
        results.push(b.tool_use_id);
      } else return `messages.${i}.content.${j}.type: Input tag '${b?.type}' found using 'type' does not match any of the expected tags`;
    }
    if (last && m.role === 'assistant' && typeof blocks.at(-1)?.text === 'string' && /\s$/.test(blocks.at(-1).text)) {
      return 'messages: final assistant content cannot end with trailing whitespace';
    }
    const stray = results.filter((id) => !toolUses.includes(id));
    if (stray.length) return `messages.${i}.content.0: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    const unanswered = toolUses.filter((id) => !results.includes(id));
    if (unanswered.length) return `messages.${i - 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    toolUses = m.role === 'assistant' ? blocks.filter((b) => b.type === 'tool_use').map((b) => b.id) : [];
  }
  if (toolUses.length) return `messages.${body.messages.length - 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${toolUses.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
  return null;
}

/** A Messages body in Chat Completions shape, so the demo brain (brain.mjs) can answer it. */
export function asChatBody(body) {
  const messages = [];
  for (const m of body.messages) {
    const blocks = blocksOf(m);
    for (const b of blocks) {
      if (b.type === 'tool_result') {
        const content = typeof b.content === 'string' ? b.content : (b.content ?? []).map((c) => c.text ?? '').join('');
        messages.push({ role: 'tool', tool_call_id: b.tool_use_id, content });
      }
    }
    const text = blocks.filter((b) => b.type === 'text').map((b) => b.text).join('\n');
    const calls = blocks.filter((b) => b.type === 'tool_use').map((b) => ({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input) } }));
    const images = blocks.filter((b) => b.type === 'image').map((b) => ({ type: 'image_url', image_url: { url: b.source.type === 'url' ? b.source.url : `data:${b.source.media_type};base64,${b.source.data}` } }));
    const content = images.length ? [...(text ? [{ type: 'text', text }] : []), ...images] : text;
    if (text || calls.length || images.length) messages.push({ role: m.role, content, ...(calls.length ? { tool_calls: calls } : {}) });
  }
  return { messages, tools: (body.tools ?? []).map((t) => ({ type: 'function', function: { name: t.name } })) };
}
