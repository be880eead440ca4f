// App code compiled by scripts/check-types.mjs against the built package (`npm run test:types`).
// Each `// @ts-expect-error TSnnnn …` line says the next line must fail with that error code;
// every other line must compile. Bundler, NodeNext and Node16 resolution, strict, no zod.
import {
  Agent,
  AgentSession,
  AudioEngine,
  EarshotError,
  EventHub,
  MicrophoneError,
  Mixer,
  MixerStream,
  Pipeline,
  ProviderError,
  SileroVAD,
  UtteranceHandle,
  functionTool,
  type AgentSessionEvents,
  type AnyEarshotError,
  type EarshotErrorCode,
  type Emitter,
  type ProviderErrorCode,
  type ToolContext,
} from 'earshot';
import { OpenAILLM, OpenAISTT, OpenAITTS } from 'earshot/openai';
import { DeepgramFluxSTT, DeepgramSTT } from 'earshot/deepgram';
import { MCPServerHTTP, type MCPServer } from 'earshot/mcp';
import type { StreamingSTT, STTStreamEvent } from 'earshot';

const getToken = async () => 'token';
const agent = new Agent({ instructions: 'Be brief.' });
const pipeline = new Pipeline({
  stt: new OpenAISTT({ getToken }),
  llm: new OpenAILLM({ model: 'gpt-4o-mini', getToken }),
  tts: new OpenAITTS({ voice: 'alloy', getToken }),
});
const session = new AgentSession(agent, pipeline, { wakeUp: 20 });

// --- event names and payloads come from one typed map, with no index signature ---------------
session.on('agent_state_changed', ({ state, previous }) => {
  const now: 'starting' | 'idle' | 'listening' | 'thinking' | 'speaking' | 'closing' = state;
  void now, previous;
});
// @ts-expect-error TS2345 misspelled event name
session.on('agent_stat_changed', () => {});
// @ts-expect-error TS2345 misspelled event name, once()
session.once('user_transcrip', () => {});
// @ts-expect-error TS2345 misspelled event name, off()
session.off('metrics_colected', () => {});
// @ts-expect-error TS2339 no such payload field
session.on('user_transcript', ({ txt }) => txt);
// @ts-expect-error TS2345 payload of the wrong shape
session.on('user_transcript', (e: { text: number }) => e);
// @ts-expect-error TS2367 a state that does not exist
session.on('agent_state_changed', ({ state }) => state === 'talking');
const engine = new AudioEngine();
engine.on('microphone_ended', ({ label }) => label);
// @ts-expect-error TS2345 a session event is not an engine event
engine.on('agent_state_changed', () => {});
const vad = new SileroVAD({ redemptionMs: 560 });
vad.on('speech_ended', ({ audio }) => audio.length / 16000);
// @ts-expect-error TS2345 misspelled VAD event
vad.on('speech_end', () => {});
// An app's own map works the same, as an interface.
interface AppEvents {
  ping: { n: number };
}
const hub = new EventHub<AppEvents>();
hub.emit('ping', { n: 1 });
// @ts-expect-error TS2345 not in the app's map
hub.emit('pong', { n: 1 });
// @ts-expect-error TS2322 wrong payload
hub.emit('ping', { n: '1' });
const listenerSide: Emitter<AgentSessionEvents> = session;
void listenerSide;

// --- error payloads narrow to their class by `code` or `instanceof` ----------------------------
session.on('error', ({ error, source }) => {
  if (error.code === 'provider-rate-limited') {
    const retryAfterMs: number | undefined = error.retryAfterMs;
    const provider: string = error.provider;
    void retryAfterMs, provider;
  }
  if (error instanceof ProviderError) {
    const code: ProviderErrorCode = error.code;
    const retryable: boolean = error.retryable;
    void code, retryable;
  }
  if (error.code === 'asset-load-failed') {
    const url: string = error.url;
    void url;
  }
  if (error.code === 'mic-permission-denied') {
    const mic: MicrophoneError = error;
    void mic;
  }
  const all: EarshotErrorCode = error.code;
  const base: EarshotError = error;
  const s: 'stt' | 'llm' | 'tts' | 'vad' | 'audio' | 'tool' | 'turn' | 'session' = source;
  void all, base, s;
  // @ts-expect-error TS2339 only provider errors carry retryAfterMs
  void error.retryAfterMs;
  // @ts-expect-error TS2367 not a code
  if (error.code === 'provider-rate-limit') return;
  if (error.code === 'closed') {
    // @ts-expect-error TS2339 a `closed` error is no ProviderError
    void error.provider;
  }
});
engine.on('error', ({ error }) => {
  const e: AnyEarshotError = error;
  void e;
});
// Provider codes are part of the complete union.
const quota: EarshotErrorCode = 'provider-quota';
void quota;
// @ts-expect-error TS2820 a code that does not exist (TS: did you mean …)
const bogus: EarshotErrorCode = 'provider-teapot';
// @ts-expect-error TS2345 EarshotError takes Earshot's codes only
void new EarshotError('made-up-code', 'x');

// --- tools: ToolContext.session is the AgentSession -----------------------------------------
const tool = functionTool({
  name: 'get_time',
  description: 'The current time',
  parameters: { type: 'object', properties: {} },
  execute: async (args, { session: s, signal, callId }) => {
    const unknownArgs: unknown = args;
    s.say('One moment.');
    void unknownArgs, signal, callId;
    return s.agentState;
  },
});
new Agent({ instructions: 'x', tools: [tool] });
const sessionOfContext = (ctx: ToolContext): AgentSession => ctx.session;
void sessionOfContext;
// @ts-expect-error TS2339 AgentSession has no `speak`
const speaks = (ctx: ToolContext) => ctx.session.speak('x');
// @ts-expect-error TS2322 parameters is an object schema (JSON Schema or zod), not a string
functionTool({ name: 'x', description: 'd', parameters: 'object', execute: () => 1 });

// --- wrong option types ----------------------------------------------------------------------
// @ts-expect-error TS2322 redemptionMs is a number (ms)
new SileroVAD({ redemptionMs: '560' });
// @ts-expect-error TS2322 wakeUp is a number (s)
new AgentSession(agent, pipeline, { wakeUp: '20' });
// @ts-expect-error TS2561 misspelled option (TS: did you mean 'model'?)
new OpenAILLM({ model: 'gpt-4o-mini', getToken, modell: 'x' });
// @ts-expect-error TS2345 say() takes text
session.say(42);
// @ts-expect-error TS2561 misspelled say() option
session.say('hi', { interuptible: false });

// --- streaming STT: one contract, events narrowed by `type` ------------------------------------
const streamingSTTs: StreamingSTT[] = [new DeepgramSTT({ getToken, endpointingMs: false }), new DeepgramFluxSTT({ apiKey: 'k', eagerEotThreshold: 0.5 })];
void streamingSTTs;
const onSTTEvent = (e: STTStreamEvent): string => {
  if (e.type === 'end_of_turn') return `${e.turn} ${e.reason} ${e.words.map((w) => w.start ?? 0).join()}`;
  if (e.type === 'interim') return e.text;
  // @ts-expect-error TS2339 only some events carry text
  return e.text;
};
void onSTTEvent;
// @ts-expect-error TS2322 endpointingMs is ms or false
new DeepgramSTT({ endpointingMs: '300' });
// @ts-expect-error TS2353 Flux has no endpointing option
new DeepgramFluxSTT({ endpointingMs: 300 });

// --- @internal members are not in the published types ----------------------------------------
declare const handle: UtteranceHandle;
void handle.interrupted;
// @ts-expect-error TS2339 markDone is internal
handle.markDone();
declare const mixer: Mixer;
mixer.setGain('voice', 0.5);
// @ts-expect-error TS2339 post is internal
mixer.post({ type: 'gain', bus: 'voice', gain: 1, rampMs: 5 });
// @ts-expect-error TS2339 renderedOf is internal
mixer.renderedOf(1);
// @ts-expect-error TS2554 a MixerStream is made by Mixer.createStream() (its constructor keeps its parameters)
new MixerStream();

// --- MCP servers and handoffs ------------------------------------------------------------------
const orders: MCPServer = new MCPServerHTTP({ url: '/mcp', allowedTools: ['lookup_order'], timeoutMs: 5000, getToken });
const billing = new Agent({ name: 'billing', instructions: 'Billing.', mcpServers: [orders], handoffContext: 'summary' });
const transfer = functionTool({ name: 'transfer', description: '', parameters: { type: 'object', properties: {} }, execute: () => billing });
void transfer;
void session.updateAgent(billing, { context: 'none' });
session.on('agent_changed', (e) => void `${e.previous.name} -> ${e.agent.name} (${e.context})`);
// @ts-expect-error TS2322 context is full, summary or none
void session.updateAgent(billing, { context: 'all' });
// @ts-expect-error TS2345 an MCP server needs a url
new MCPServerHTTP({ headers: {} });
// @ts-expect-error TS2540 the agent in charge changes through updateAgent()
session.agent = billing;
