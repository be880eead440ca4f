// The demo: a full conversation in the page. Offline it talks to the dev server's local
// provider (a rule-based stand-in brain, espeak-ng speech); settings switch any stage.
import { Agent, AgentSession, EarshotError, Pipeline, SileroVAD, functionTool, listMicrophones, type RealtimeModel, type TurnMetrics } from '../src/index';
import { MCPServerHTTP } from '../src/mcp/index';
import { renderSettings, stagesFrom } from './settings';
import { ambientPad, typingLoop } from './sounds';
import { observe } from './observe';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  start: $<HTMLButtonElement>('start'), stop: $<HTMLButtonElement>('stop'), mic: $<HTMLSelectElement>('mic'),
  mute: $<HTMLInputElement>('mute'), status: $('status'), progress: $('progress'),
  agentLight: $('agent-light'), agentState: $('agent-state'), userLight: $('user-light'), userState: $('user-state'),
  inLevel: $<HTMLMeterElement>('in-level'), outLevel: $<HTMLMeterElement>('out-level'), trace: $<HTMLCanvasElement>('vad-trace'),
  transcript: $('transcript'), form: $<HTMLFormElement>('text-form'), text: $<HTMLInputElement>('text'), send: $<HTMLButtonElement>('send'),
  latency: $('latency'), tools: $('tools'), bg: $<HTMLInputElement>('bg'), thinking: $<HTMLInputElement>('thinking'),
  interrupt: $<HTMLButtonElement>('interrupt'), settings: $('stage-settings'),
  record: $<HTMLButtonElement>('record'), downloads: $('downloads'), waterfall: $('waterfall'),
  camera: $<HTMLVideoElement>('camera'), cameraToggle: $<HTMLButtonElement>('camera-toggle'), see: $<HTMLButtonElement>('see'),
};
renderSettings(ui.settings);
// Load the VAD (its worker, ORT, the model) now, before the click, as the README advises:
// the session's own SileroVAD shares this page's worker, so it is live from the first frame.
void new SileroVAD().preload().catch(() => undefined); // a failure shows again at start()

let session: AgentSession | null = null;
let unobserve: (() => void) | null = null;
const probs: number[] = [];
const live = [ui.stop, ui.mic, ui.mute, ui.text, ui.send, ui.bg, ui.interrupt];
const say = (text: string) => (ui.status.textContent = text);
const errorText = (err: unknown) => (err instanceof EarshotError ? `${err.code}: ${err.message}` : String(err));

function line(kind: 'user' | 'agent' | 'error', text: string): HTMLLIElement {
  const li = document.createElement('li');
  li.className = kind;
  li.textContent = text;
  ui.transcript.append(li);
  ui.transcript.scrollTop = ui.transcript.scrollHeight;
  return li;
}

const getTime = functionTool({
  name: 'get_time',
  description: 'The current local time',
  parameters: { type: 'object', properties: {} },
  execute: () => ({ time: new Date().toTimeString().slice(0, 5) }),
});

ui.start.onclick = async () => {
  ui.start.disabled = true;
  const { stt, llm, tts, offline } = stagesFrom(ui.settings);
  const agent = new Agent({
    instructions: 'You are a friendly, brief voice assistant. Answer in one or two short sentences, no Markdown.',
    tools: [getTime],
    // Offline, the dev server's MCP server (local-ai/mcp.mjs) adds order lookups (its get_time is the function tool's).
    mcpServers: offline ? [new MCPServerHTTP({ url: '/local-ai/mcp', allowedTools: ['lookup_order'], timeoutMs: 8000 })] : [],
    thinkingAudio: ui.thinking.checked ? { source: typingLoop(48000), volume: 0.25 } : undefined,
    onEnter: async (a) => void a.session?.say(offline ? 'Hi! I am the offline demo. Ask me what time it is, or where order A-1001 is.' : 'Hi! How can I help?'),
  });
  // A realtime model (speech to speech) takes the mic and speaks itself: no STT or TTS.
  const realtime = 'startRealtime' in llm;
  const s = new AgentSession(agent, new Pipeline(realtime ? { llm: llm as RealtimeModel } : { stt, llm, tts }), { wakeUp: 20, onWakeUp: (x) => void x.say('Still there? Ask me anything.') });
  session = s;
  wire(s);
  try {
    say('Opening the microphone…');
    ui.progress.hidden = false;
    let vadLive = false;
    const listening = () => say(`Listening (${s.audio.context.sampleRate} Hz). Speak, or type below.`);
    s.pipeline.vad.on('vad_ready', () => {
      vadLive = true;
      ui.progress.hidden = true;
      if (session === s) listening();
    });
    await s.start(); // resolves with the mic open; the VAD may still be loading (frames wait for it)
    live.forEach((c) => (c.disabled = false));
    unobserve = observe(s, ui);
    if (vadLive) listening();
    else say('Listening. The voice detector is still loading: what you say now is heard once it is ready.');
    await fillMicList(s.audio.microphone.deviceId);
  } catch (err) {
    say(errorText(err));
    await stop();
  }
};

ui.stop.onclick = () => void stop();

async function stop(): Promise<void> {
  const s = session;
  session = null;
  unobserve?.();
  unobserve = null;
  await s?.close();
  live.forEach((c) => (c.disabled = true));
  ui.bg.checked = false;
  ui.start.disabled = false;
  ui.progress.hidden = true;
}

function setState(light: HTMLElement, label: HTMLElement, state: string): void {
  light.className = `light ${state}`;
  label.textContent = state;
}

function wire(s: AgentSession): void {
  let agentLine: HTMLLIElement | null = null;
  s.on('agent_state_changed', ({ state }) => setState(ui.agentLight, ui.agentState, state));
  s.on('user_state_changed', ({ state }) => setState(ui.userLight, ui.userState, state));
  s.on('user_transcript', ({ text, final }) => final && line('user', text));
  s.on('agent_transcript', ({ text, interrupted }) => {
    if (!text) return;
    agentLine = line('agent', text);
    if (interrupted) agentLine.classList.add('cut');
  });
  s.on('tool_call_started', ({ name, arguments: args }) => {
    const li = document.createElement('li');
    li.textContent = `${name}(${args}) …`;
    li.dataset.name = name;
    ui.tools.prepend(li);
  });
  s.on('tool_call_finished', ({ name, result }) => {
    const li = ui.tools.querySelector(`li[data-name="${name}"]`);
    if (li) li.textContent = `${name} → ${result.output} (${result.durationMs.toFixed(0)} ms)`;
  });
  s.on('metrics_collected', ({ turn }) => showLatency(turn));
  s.on('error', ({ error, source }) => line('error', `${source}: ${errorText(error)}`));
  s.on('session_closed', () => say('Closed. Press Start to talk again.'));
  // Lower-level views straight from the audio engine and the VAD.
  s.pipeline.vad.on('vad_load_progress', ({ loaded, total }) => {
    if (total) (ui.progress.firstElementChild as HTMLElement).style.width = `${Math.round((100 * loaded) / total)}%`;
  });
  s.pipeline.vad.on('vad_frame', ({ probability }) => {
    probs.push(probability);
    if (probs.length > 312) probs.shift();
    drawTrace();
  });
  s.on('input_level_measured', ({ rms }) => (ui.inLevel.value = Math.min(1, rms * 4)));
  s.on('output_level_measured', ({ rms }) => (ui.outLevel.value = Math.min(1, rms * 4)));
}

function showLatency(m: TurnMetrics): void {
  const total = Math.max(1, m.voiceToVoiceMs);
  const parts: [string, number][] = [['endpoint', m.endpointMs], ['stt', m.sttMs], ['llm', m.llmTtftMs], ['tts', m.ttsTtfbMs], ['glue', m.glueMs]];
  const bar = document.createElement('div');
  bar.className = 'bar';
  for (const [name, ms] of parts) {
    const span = document.createElement('span');
    span.className = name;
    span.style.width = `${(100 * ms) / total}%`;
    span.textContent = ms > total * 0.08 ? `${name} ${ms.toFixed(0)}` : '';
    span.title = `${name}: ${ms.toFixed(0)} ms`;
    bar.append(span);
  }
  const label = document.createElement('div');
  label.className = 'total';
  label.textContent = `voice to voice: ${m.voiceToVoiceMs.toFixed(0)} ms`;
  ui.latency.prepend(bar, label);
}

async function fillMicList(current: string | undefined): Promise<void> {
  const mics = await listMicrophones();
  ui.mic.replaceChildren(...mics.map((m, i) => new Option(m.label || `microphone ${i + 1}`, m.deviceId, false, m.deviceId === current)));
}

ui.mic.onchange = () => void session?.audio.microphone.open(ui.mic.value).catch((err) => say(errorText(err)));
ui.mute.onchange = () => session && (session.audio.microphone.muted = ui.mute.checked);
ui.interrupt.onclick = () => session?.interrupt();
ui.form.onsubmit = (e) => {
  e.preventDefault();
  if (!session || !ui.text.value.trim()) return;
  session.sendText(ui.text.value);
  ui.text.value = '';
};
ui.bg.onchange = () => {
  if (!session) return;
  if (ui.bg.checked) void session.playBackgroundAudio({ source: ambientPad(48000), volume: 0.6 });
  else session.stopBackgroundAudio();
};

function drawTrace(): void {
  const c = ui.trace.getContext('2d');
  if (!c) return;
  const { width: w, height: h } = ui.trace;
  c.clearRect(0, 0, w, h);
  c.strokeStyle = '#22d3ee';
  c.beginPath();
  probs.forEach((p, i) => (i === 0 ? c.moveTo((i / 312) * w, h - p * h) : c.lineTo((i / 312) * w, h - p * h)));
  c.stroke();
}

// Vision: the camera's current frame goes with the question to a vision-capable LLM.
ui.cameraToggle.onclick = async () => {
  const stream = ui.camera.srcObject as MediaStream | null;
  if (stream) {
    stream.getTracks().forEach((t) => t.stop());
    ui.camera.srcObject = null;
    ui.camera.hidden = true;
    ui.cameraToggle.textContent = 'Share camera';
    ui.see.disabled = true;
    return;
  }
  try {
    ui.camera.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    await ui.camera.play();
    ui.camera.hidden = false;
    ui.cameraToggle.textContent = 'Stop camera';
    ui.see.disabled = false;
  } catch (err) {
    say(`Camera: ${errorText(err)}`);
  }
};
ui.see.onclick = () => {
  if (!session) return say('Start the conversation first.');
  line('user', 'What do you see? (one camera frame)');
  try {
    session.reply('The user shows you their camera and asks: what do you see? Describe the picture in one or two short sentences.', { frames: [ui.camera] });
  } catch (err) {
    line('error', errorText(err));
  }
};
