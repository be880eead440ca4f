// `earshot/anthropic`: Claude through Anthropic's Messages API, as an LLM provider. Its own
// entry point, so an app that uses other providers does not download it; on a script tag,
// `anthropic.iife.js` adds it to `window.Earshot`.
export { AnthropicLLM, type AnthropicLLMOptions } from '../providers/llm/anthropic';
export { toAnthropicMessages, CONVERSATION_START, type AnthropicMessage, type AnthropicBlock } from '../providers/llm/anthropic-format';
