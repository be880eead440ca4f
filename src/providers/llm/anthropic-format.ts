/**
 * Earshot's chat items and tools in the shape of Anthropic's Messages API (spec/protocols.md §7).
 */

import type { ChatItem, LLMRequest, ToolSpec } from '../types';
import { splitDataUrl } from './frames';

/** A content block as Earshot sends it. */
export type AnthropicBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string } };

/** One Messages API turn. */
export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

/**
 * Sent as the first user turn when the history starts with the agent (a greeting) or is
 * empty: the API wants a user turn first.
 */
export const CONVERSATION_START = '(The conversation starts.)';

/**
 * Earshot items → Messages API `system` and `messages`:
 * - every `system`/`developer` message joins the top-level `system` (in order, blank-line separated);
 * - a `function_call` is a `tool_use` block of the assistant turn, a `function_call_output` a
 *   `tool_result` block of the next user turn, ahead of any user text there;
 * - consecutive items of one role merge into one turn, so turns alternate as the API requires;
 * - empty messages (an interruption nobody heard) are left out; the final assistant text
 *   loses trailing whitespace (the API rejects it);
 * - with `withTools` false (a request without tools), calls and results are written as
 *   text: the API rejects tool blocks in a request that defines no tools;
 * - `images` (URLs, see `frameUrls`) are `image` blocks (base64 or url source) of a last user turn.
 */
export function toAnthropicMessages(items: readonly ChatItem[], withTools = true, images: readonly string[] = []): { system: string; messages: AnthropicMessage[] } {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  const add = (role: AnthropicMessage['role'], block: AnthropicBlock): void => {
    const last = messages.at(-1);
    if (last?.role !== role) messages.push({ role, content: [block] });
    else if (block.type !== 'tool_result') last.content.push(block);
    else {
      // Results must lead the user turn, before text the user said meanwhile.
      const at = last.content.findIndex((b) => b.type !== 'tool_result');
      last.content.splice(at < 0 ? last.content.length : at, 0, block);
    }
  };
  for (const item of items) {
    if (item.type === 'message') {
      if (!item.content.trim()) continue;
      if (item.role === 'system' || item.role === 'developer') system.push(item.content);
      else add(item.role, { type: 'text', text: item.content });
    } else if (item.type === 'function_call') {
      if (withTools) add('assistant', { type: 'tool_use', id: item.callId, name: item.name, input: toolInput(item.arguments) });
      else add('assistant', { type: 'text', text: `[called ${item.name}(${item.arguments})]` });
    } else if (withTools) {
      add('user', { type: 'tool_result', tool_use_id: item.callId, content: item.output, ...(item.isError ? { is_error: true } : {}) });
    } else {
      add('user', { type: 'text', text: `[${item.name} ${item.isError ? 'failed' : 'returned'}: ${item.output}]` });
    }
  }
  for (const url of images) {
    const data = splitDataUrl(url);
    add('user', { type: 'image', source: data ? { type: 'base64', media_type: data.mediaType, data: data.data } : { type: 'url', url } });
  }
  if (messages[0]?.role !== 'user') messages.unshift({ role: 'user', content: [{ type: 'text', text: CONVERSATION_START }] });
  const last = messages.at(-1)!;
  const tail = last.content.at(-1);
  if (last.role === 'assistant' && tail?.type === 'text') tail.text = tail.text.trimEnd();
  return { system: system.join('\n\n'), messages };
}

/** The tool's JSON arguments as the object `tool_use.input` must be (`{}` when not an object). */
function toolInput(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // a model's malformed arguments: the call is still recorded, without them
  }
  return {};
}

/** Tool specs → Messages API `tools` (`input_schema` always has `type: "object"`, as required). */
export function toAnthropicTools(tools: readonly ToolSpec[]): unknown[] {
  return tools.map((t) => ({ name: t.name, description: t.description, input_schema: { type: 'object', ...t.parameters } }));
}

/** Earshot's `toolChoice` → Messages API `tool_choice` (`required` is `any`). */
export function toAnthropicToolChoice(choice: LLMRequest['toolChoice']): { type: 'auto' | 'any' | 'none' } {
  return { type: choice === 'required' ? 'any' : choice === 'none' ? 'none' : 'auto' };
}
