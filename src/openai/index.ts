// `earshot/openai`: the OpenAI-compatible providers (OpenAI, Groq, Together, Ollama, vLLM, …).
// Their own entry point, so an app that uses other providers does not download them and
// the core stays within its size budget. On a script tag, `openai.iife.js` adds them to
// `window.Earshot`.
export { OpenAILLM, type OpenAILLMOptions } from '../providers/llm/openai';
export { OpenAISTT, type OpenAISTTOptions } from '../providers/stt/openai';
export { OpenAITTS, type OpenAITTSOptions } from '../providers/tts/openai';
// Frames → image URLs, for an LLM of your own that takes `reply({ frames })` (set its `vision`).
export { frameUrls, FRAME_MAX_SIDE, FRAME_QUALITY } from '../providers/llm/frames';
export type { OpenAIContentPart, OpenAIMessage } from '../providers/llm/openai';
