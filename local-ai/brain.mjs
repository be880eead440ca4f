// Text helpers of the fake chat endpoint, and the offline demo's rule-based "brain".
import { describeImage } from './vision.mjs';

/** Splits text into word-ish deltas (leading space kept, long words cut at 6 chars), like tokens. */
export function textPieces(text) {
  const pieces = text.match(/\s*\S{1,6}|\s+$/gu) ?? [];
  return pieces.join('') === text ? pieces : [text];
}
/** Argument JSON cut at deliberately awkward offsets (inside keys, escapes, numbers). */
export function argPieces(args) {
  const sizes = [4, 7, 3, 9, 2, 5];
  const out = [];
  for (let i = 0, k = 0; i < args.length; k++) { out.push(args.slice(i, i + sizes[k % sizes.length])); i += sizes[k % sizes.length]; }
  return out;
}
function messageText(m) {
  if (typeof m?.content === 'string') return m.content;
  if (Array.isArray(m?.content)) return m.content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('');
  return '';
}

/**
 * THE DEMO BRAIN — NOT AN AI. A handful of fixed rules so the offline demo can hold a
 * (very) small conversation and exercise one tool round trip. Plug in a real LLM for anything else.
 * @returns {{ text: string, toolCalls: ScriptToolCall[] }}
 */
export function demoBrain(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const last = messages.at(-1);
  if (last?.role === 'tool') {
    const call = messages.flatMap((m) => (Array.isArray(m?.tool_calls) ? m.tool_calls : [])).find((c) => c?.id === last.tool_call_id);
    if (call?.function?.name === 'get_time') {
      let time;
      try { const r = JSON.parse(messageText(last)); time = typeof r?.time === 'string' ? r.time : undefined; } catch { /* not JSON */ }
      const hhmm = time ? (/\d{1,2}:\d{2}/.exec(time)?.[0] ?? time) : new Date().toTimeString().slice(0, 5);
      return { text: `It is ${hhmm} right now.`, toolCalls: [] };
    }
    if (call?.function?.name === 'lookup_order') {
      let order;
      try { order = JSON.parse(JSON.parse(messageText(last))); } catch { /* an error or plain text */ }
      if (typeof order?.status === 'string') return { text: `Order ${order.orderId} is ${order.status}${order.eta ? `, expected ${order.eta}` : ''}.`, toolCalls: [] };
      return { text: `I could not find that order.`, toolCalls: [] };
    }
  }
  const lastUser = [...messages].reverse().find((m) => m?.role === 'user');
  const said = lastUser ? messageText(lastUser).trim() : '';
  const hasGetTime = Array.isArray(body?.tools) && body.tools.some((t) => t?.function?.name === 'get_time');
  if (last?.role === 'user' && /\btime\b/i.test(said) && hasGetTime) return { text: '', toolCalls: [{ name: 'get_time', arguments: {} }] };
  // An MCP tool (local-ai/mcp.mjs): "where is order A 1001?"
  const orderId = /\border\b\D*([a-z])[\s-]*(\d{3,})/i.exec(said);
  const hasLookup = Array.isArray(body?.tools) && body.tools.some((t) => t?.function?.name === 'lookup_order');
  if (last?.role === 'user' && orderId && hasLookup) return { text: 'Let me check.', toolCalls: [{ name: 'lookup_order', arguments: { orderId: `${orderId[1].toUpperCase()}-${orderId[2]}` } }] };
  // reply({ frames }): the pictures come as the last user message.
  const pictures = last?.role === 'user' && Array.isArray(last.content) ? last.content.filter((p) => p?.type === 'image_url').map((p) => describeImage(p.image_url?.url)) : [];
  if (pictures.length) return { text: `I see ${pictures.length === 1 ? pictures[0] : `${pictures.length} pictures: ${pictures.join(', ')}`}. I'm only a rule-based demo brain, so that is all I can tell.`, toolCalls: [] };
  if (!lastUser || /^\W*(hello|hi|hey)\b/i.test(said)) {
    return { text: "Hello! I'm the offline demo brain of Earshot. Ask me what time it is, or where order A-1001 is.", toolCalls: [] };
  }
  return { text: `I heard: "${said}". I'm only a rule-based demo brain; plug in a real LLM in the settings.`, toolCalls: [] };
}

