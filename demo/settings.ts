// The demo's provider settings: per stage, a provider (each has a stand-in on the built-in
// local server, so every choice works offline) and optionally a base URL, model and key
// (kept in memory only) or a token URL for the real service.
import type { LLM, STT, StreamingSTT, TTS } from '../src/index';
import { AnthropicLLM } from '../src/anthropic/index';
import { CartesiaTTS } from '../src/cartesia/index';
import { DeepgramFluxSTT, DeepgramSTT } from '../src/deepgram/index';
import { ElevenLabsHTTPTTS, ElevenLabsTTS } from '../src/elevenlabs/index';
import { FallbackLLM } from '../src/fallback/index';
import { OpenAILLM, OpenAISTT, OpenAITTS } from '../src/openai/index';
import { OpenAIRealtime } from '../src/realtime/index';

type Stage = 'stt' | 'llm' | 'tts';

interface Choice {
  label: string;
  /** Default model (or voice) for a real service. */
  model: string;
  /** The local stand-in's base URL, from the page's origin. */
  local: string;
  make(o: { baseURL: string; model: string; auth: { apiKey: string } | { getToken: () => Promise<string> }; local: boolean }): STT | StreamingSTT | LLM | TTS;
}

const LOCAL_V1 = '/local-ai/v1';
const LOCAL = '/local-ai';

const CHOICES: Record<Stage, Record<string, Choice>> = {
  stt: {
    openai: { label: 'OpenAI-compatible (batch)', model: 'gpt-4o-mini-transcribe', local: LOCAL_V1, make: (o) => new OpenAISTT({ baseURL: o.baseURL, model: o.model, ...o.auth }) },
    deepgram: { label: 'Deepgram Nova (streaming)', model: 'nova-3', local: LOCAL, make: (o) => new DeepgramSTT({ baseURL: o.baseURL, model: o.model, ...o.auth }) },
    flux: { label: 'Deepgram Flux (turn events)', model: 'flux-general-en', local: LOCAL, make: (o) => new DeepgramFluxSTT({ baseURL: o.baseURL, model: o.model, ...o.auth }) },
  },
  llm: {
    openai: { label: 'OpenAI-compatible', model: 'gpt-4o-mini', local: LOCAL_V1, make: (o) => new OpenAILLM({ baseURL: o.baseURL, model: o.local ? 'local-demo-brain' : o.model, ...o.auth }) },
    anthropic: { label: 'Anthropic', model: 'claude-haiku-4-5', local: LOCAL_V1, make: (o) => new AnthropicLLM({ baseURL: o.baseURL, model: o.model, ...o.auth }) },
    fallback: {
      label: 'Anthropic, falling back to OpenAI-compatible',
      model: 'claude-haiku-4-5',
      local: LOCAL_V1,
      make: (o) =>
        new FallbackLLM([
          new AnthropicLLM({ baseURL: o.baseURL, model: o.model, maxRetries: 0, ...o.auth }),
          new OpenAILLM({ baseURL: o.local ? `${location.origin}${LOCAL_V1}` : o.baseURL, model: o.local ? 'local-demo-brain' : 'gpt-4o-mini', maxRetries: 0, ...o.auth }),
        ]),
    },
    realtime: {
      label: 'OpenAI Realtime: speech to speech (the STT and TTS rows are not used)',
      model: 'gpt-realtime',
      local: LOCAL_V1,
      // The page only sees a short-lived ek_ secret: the dev server's /token mints one (from the
      // stand-in offline, or from OpenAI with OPENAI_API_KEY set where `npm run dev` runs).
      make: (o) =>
        new OpenAIRealtime({
          baseURL: o.baseURL,
          model: o.model,
          ...('getToken' in o.auth ? { getClientSecret: o.auth.getToken } : o.local || o.auth.apiKey === 'local' ? { getClientSecret: mintFrom('/token') } : { apiKey: o.auth.apiKey }),
        }),
    },
  },
  tts: {
    openai: { label: 'OpenAI-compatible', model: 'gpt-4o-mini-tts', local: LOCAL_V1, make: (o) => new OpenAITTS({ baseURL: o.baseURL, model: o.model, ...o.auth }) },
    elevenlabs: { label: 'ElevenLabs (socket, streamed text)', model: 'JBFqnCBsd6RMkjVDRZzb', local: LOCAL, make: (o) => new ElevenLabsTTS({ baseURL: o.baseURL, voiceId: o.model, ...o.auth }) },
    elevenlabsHttp: { label: 'ElevenLabs (HTTP stream)', model: 'JBFqnCBsd6RMkjVDRZzb', local: LOCAL, make: (o) => new ElevenLabsHTTPTTS({ baseURL: o.baseURL, voiceId: o.model, ...o.auth }) },
    cartesia: { label: 'Cartesia (socket, streamed text)', model: 'a0e99841-438c-4a64-b679-ae501e7d6091', local: LOCAL, make: (o) => new CartesiaTTS({ baseURL: o.baseURL, voiceId: o.model, ...o.auth }) },
  },
};

/** An ek_ secret from an endpoint that answers `POST` with `{ value }`. */
function mintFrom(url: string): () => Promise<string> {
  return async () => ((await (await fetch(url, { method: 'POST' })).json()) as { value: string }).value;
}

export function renderSettings(root: HTMLElement): void {
  root.replaceChildren(
    ...(['stt', 'llm', 'tts'] as const).map((stage) => {
      const row = document.createElement('div');
      row.className = 'stage';
      const options = Object.entries(CHOICES[stage])
        .map(([id, c]) => `<option value="${id}">${c.label}</option>`)
        .join('');
      row.innerHTML = `<b>${stage.toUpperCase()}</b>
        <select data-stage="${stage}" data-field="provider">${options}</select>
        <input data-stage="${stage}" data-field="baseURL" placeholder="base URL (empty: local stand-in)" />
        <input data-stage="${stage}" data-field="model" placeholder="model / voice" />
        <input data-stage="${stage}" data-field="apiKey" type="password" placeholder="API key" autocomplete="off" />
        <input data-stage="${stage}" data-field="tokenUrl" placeholder="or token URL" />`;
      return row;
    }),
  );
}

function field(root: HTMLElement, stage: Stage, name: string): string {
  return (root.querySelector(`[data-stage="${stage}"][data-field="${name}"]`) as HTMLInputElement | HTMLSelectElement | null)?.value.trim() ?? '';
}

function make(root: HTMLElement, stage: Stage) {
  const choice = CHOICES[stage][field(root, stage, 'provider')] ?? Object.values(CHOICES[stage])[0]!;
  const baseURL = field(root, stage, 'baseURL');
  const local = !baseURL;
  const tokenUrl = field(root, stage, 'tokenUrl');
  const apiKey = field(root, stage, 'apiKey');
  return choice.make({
    baseURL: local ? `${location.origin}${choice.local}` : baseURL,
    model: field(root, stage, 'model') || choice.model,
    auth: tokenUrl ? { getToken: async () => ((await (await fetch(tokenUrl, { method: 'POST' })).json()) as { token: string }).token } : { apiKey: apiKey || 'local' },
    local,
  });
}

/** Builds the three stages from the form. */
export function stagesFrom(root: HTMLElement): { stt: STT | StreamingSTT; llm: LLM; tts: TTS; offline: boolean } {
  return {
    stt: make(root, 'stt') as STT | StreamingSTT,
    llm: make(root, 'llm') as LLM,
    tts: make(root, 'tts') as TTS,
    offline: !field(root, 'stt', 'baseURL') && !field(root, 'llm', 'baseURL'),
  };
}
