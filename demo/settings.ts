// The demo's provider settings: each stage on the built-in local server by default, or on
// any OpenAI-compatible endpoint with a key (kept in memory only) or a token URL.
import type { LLM, STT, TTS } from '../src/index';
import { OpenAILLM, OpenAISTT, OpenAITTS } from '../src/openai/index';

type Stage = 'stt' | 'llm' | 'tts';
const DEFAULT_MODELS: Record<Stage, string> = { stt: 'gpt-4o-mini-transcribe', llm: 'gpt-4o-mini', tts: 'gpt-4o-mini-tts' };

export function renderSettings(root: HTMLElement): void {
  root.replaceChildren(
    ...(['stt', 'llm', 'tts'] as const).map((stage) => {
      const row = document.createElement('div');
      row.className = 'stage';
      row.innerHTML = `<b>${stage.toUpperCase()}</b>
        <input data-stage="${stage}" data-field="baseURL" placeholder="base URL (empty: local)" />
        <input data-stage="${stage}" data-field="model" placeholder="model (${DEFAULT_MODELS[stage]})" />
        <input data-stage="${stage}" data-field="apiKey" type="password" placeholder="API key" autocomplete="off" />
        <input data-stage="${stage}" data-field="tokenUrl" placeholder="or token URL" />`;
      return row;
    }),
  );
}

function field(root: HTMLElement, stage: Stage, name: string): string {
  return (root.querySelector(`[data-stage="${stage}"][data-field="${name}"]`) as HTMLInputElement | null)?.value.trim() ?? '';
}

function options(root: HTMLElement, stage: Stage) {
  const baseURL = field(root, stage, 'baseURL');
  const local = !baseURL;
  const tokenUrl = field(root, stage, 'tokenUrl');
  const apiKey = field(root, stage, 'apiKey');
  return {
    baseURL: local ? `${location.origin}/local-ai/v1` : baseURL,
    model: field(root, stage, 'model') || (local && stage === 'llm' ? 'local-demo-brain' : DEFAULT_MODELS[stage]),
    ...(tokenUrl
      ? { getToken: async () => ((await (await fetch(tokenUrl, { method: 'POST' })).json()) as { token: string }).token }
      : { apiKey: apiKey || 'local' }),
  };
}

/** Builds the three stages from the form. */
export function stagesFrom(root: HTMLElement): { stt: STT; llm: LLM; tts: TTS; offline: boolean } {
  return {
    stt: new OpenAISTT(options(root, 'stt')),
    llm: new OpenAILLM(options(root, 'llm')),
    tts: new OpenAITTS(options(root, 'tts')),
    offline: !field(root, 'stt', 'baseURL') && !field(root, 'llm', 'baseURL'),
  };
}
