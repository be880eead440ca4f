import { test, type BrowserContext, type Page } from '@playwright/test';
import { launchWarm, openHarness } from './browser';

/** Talks to the local provider server's control API (mounted by Vite under /local-ai). */
export async function control(baseURL: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(new URL(`/local-ai/__control/${path}`, baseURL), body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`control ${path}: HTTP ${res.status}`);
  return res.json();
}

/**
 * Builds an AgentSession in the page against the local provider server and records its
 * events on `window.R`: `R.events` (name + payload + performance.now), `R.blocks` (the
 * tapped output). `setup` is the body of a function `(E, base) => { agent, sessionOptions, pipelineOptions }`.
 */
export interface StartAgentOptions {
  tools?: 'get_time';
  /**
   * Source of a function `(E) => FunctionTool[]` run in the page (e.g. `fn.toString()`):
   * more tools for the agent. `window.R` exists by the time they execute.
   */
  toolsSource?: string;
  wakeUp?: number;
  wakeUpSay?: string;
  interrupt?: Record<string, unknown>;
  thinking?: boolean;
  /** A streaming STT instead of the batch OpenAISTT: Deepgram Nova on the local server, with these options. */
  deepgram?: Record<string, unknown>;
  /** The same with Deepgram Flux (the local /v2/listen). */
  flux?: Record<string, unknown>;
  /** `eou.turnDetector`: a `TextTurnDetector` (earshot/turn) with its defaults. */
  turnDetector?: 'text';
  /** `eou.endpointing: dynamicEndpointing()` (earshot/turn). */
  dynamicEndpointing?: boolean;
  /** More `Pipeline` options (e.g. `timeouts`, `ttsLeadSec`). */
  pipeline?: Record<string, unknown>;
  /** Source of a function `(E) => options` run in the page: `Pipeline` options that are not JSON (e.g. `audio: callAudio(…)`). */
  pipelineSource?: string;
  /** More `AgentSession` options (e.g. `exitTimeoutMs`). */
  session?: Record<string, unknown>;
  /**
   * Source of a function `(E) => options` run in the page: `AgentSession` options that are
   * not JSON (e.g. a `DTMFHandler`). `window.R` exists by the time it runs.
   */
  sessionSource?: string;
  /** Build the session and record its events, but do not call `start()` (default true). */
  start?: boolean;
  /**
   * `vad.preload()` before `start()` (default true), as an app does on page load: the VAD
   * hears the fixture live from its first frame. Off: speech during the load is heard late.
   */
  preload?: boolean;
}

export async function startAgent(page: Page, options: StartAgentOptions = {}): Promise<void> {
  await page.evaluate(async (o) => {
    const E = (window as any).E;
    const base = `${location.origin}/local-ai/v1`;
    const fromSource = (src: string) => (0, eval)(`(${src})`);
    const tools = o.tools === 'get_time'
      ? [E.functionTool({ name: 'get_time', description: 'The current time', parameters: { type: 'object', properties: {} }, execute: () => ({ time: '10:30' }) })]
      : [];
    if (o.toolsSource) tools.push(...fromSource(o.toolsSource)(E));
    const agent = new E.Agent({ instructions: 'You are a terse voice assistant.', tools });
    const pipeline = new E.Pipeline({
      stt: o.deepgram
        ? new E.DeepgramSTT({ baseURL: `${location.origin}/local-ai`, apiKey: 'dg-local-test-key', ...o.deepgram })
        : o.flux
          ? new E.DeepgramFluxSTT({ baseURL: `${location.origin}/local-ai`, apiKey: 'dg-local-test-key', ...o.flux })
          : new E.OpenAISTT({ baseURL: base, apiKey: 'sk-local-test-key' }),
      llm: new E.OpenAILLM({ baseURL: base, apiKey: 'sk-local-test-key', model: 'local-test' }),
      tts: new E.OpenAITTS({ baseURL: base, apiKey: 'sk-local-test-key' }),
      ...(o.interrupt ? { interrupt: o.interrupt } : {}),
      ...o.pipeline,
      ...(o.pipelineSource ? fromSource(o.pipelineSource)(E) : {}),
      eou: {
        ...(o.pipeline?.eou as object | undefined),
        ...(o.turnDetector ? { turnDetector: new E.TextTurnDetector() } : {}),
        ...(o.dynamicEndpointing ? { endpointing: E.dynamicEndpointing() } : {}),
      },
    });
    const R: any = { events: [], blocks: [] };
    (window as any).R = R;
    const session = new E.AgentSession(agent, pipeline, {
      ...(o.wakeUp ? { wakeUp: o.wakeUp, onWakeUp: (s: any) => s.say(o.wakeUpSay ?? 'Are you still there?') } : {}),
      ...o.session,
      ...(o.sessionSource ? fromSource(o.sessionSource)(E) : {}),
    });
    R.session = session;
    const names = ['agent_state_changed', 'user_state_changed', 'user_speech_started', 'user_speech_ended', 'user_transcript', 'agent_transcript',
      'interruption_suspected', 'interruption_cancelled', 'turn_interrupted', 'tool_call_started', 'tool_call_finished', 'metrics_collected', 'wake_up_fired', 'error', 'session_closed',
      'microphone_ended', 'microphone_recovered', 'agent_changed', 'dtmf_received', 'voicemail_classified', 'voicemail_beep_detected'];
    for (const n of names) session.on(n, (p: any) => R.events.push({ ...(n === 'error' ? { code: p.error.code, source: p.source, message: p.error.message } : n === 'agent_changed' ? { agent: p.agent.name, previous: p.previous.name, context: p.context } : p), name: n, t: performance.now(), ...(p.name ? { tool: p.name } : {}) }));
    if (o.start === false) return;
    if (o.preload !== false) await pipeline.vad.preload();
    R.startedAt = performance.now();
    await session.start();
    R.startResolvedAt = performance.now();
    R.stopTap = await session.audio.tapOutput((b: any) => R.blocks.push(b));
    R.sampleRate = session.audio.context.sampleRate;
  }, options);
}

/** Waits in the page until `count` events named `name` were recorded. */
export async function waitForEvents(page: Page, name: string, count: number, timeoutMs = 20_000): Promise<void> {
  await page.waitForFunction(({ name, count }) => (window as any).R.events.filter((e: any) => e.name === name).length >= count, { name, count }, { timeout: timeoutMs });
}

export async function events(page: Page): Promise<any[]> {
  return page.evaluate(() => (window as any).R.events);
}

/** The output tapped since `startAgent` (`R.blocks`) as one array; stops the tap. `firstFrame`: the first block's frame. */
export async function tappedOutput(page: Page): Promise<{ samples: Float32Array; sampleRate: number; firstFrame: number }> {
  const r = await page.evaluate(() => {
    const R = (window as any).R;
    R.stopTap();
    const n = R.blocks.reduce((a: number, b: any) => a + b.samples.length, 0);
    const all = new Float32Array(n);
    let at = 0;
    for (const b of R.blocks) {
      all.set(b.samples, at);
      at += b.samples.length;
    }
    return { samples: Array.from(all), sampleRate: R.sampleRate, firstFrame: R.blocks[0]?.frame };
  });
  return { ...r, samples: Float32Array.from(r.samples) };
}

/** After a failed test: prints what the session and the provider server saw, to tell a flake from a bug. */
export async function logFailure(page: Page, baseURL: string): Promise<void> {
  const ev = await page.evaluate(() => (window as any).R?.events.map((e: any) => `${e.t.toFixed(0)} ${e.name} ${e.state ?? e.text ?? e.code ?? e.reason ?? ''}`)).catch(() => []);
  const log = ((await control(baseURL, 'log').catch(() => ({ requests: [] }))).requests as any[]).map((r) => `${r.route} ${r.status}${r.aborted ? ' aborted' : ''}`);
  console.log(`events:\n  ${(ev ?? []).join('\n  ')}\nrequests:\n  ${log.join('\n  ')}`);
}

/**
 * One session page per test, closed after it (with the session's events and the server's
 * log printed when the test failed). Call at the top of a spec file.
 */
export function sessionPages(): { open(wav: string, baseURL: string): Promise<Page>; readonly page: Page } {
  let browser: BrowserContext | undefined;
  let page: Page | undefined;
  test.afterEach(async ({ baseURL }, info) => {
    if (info.status !== info.expectedStatus && page) await logFailure(page, baseURL!);
    await page?.evaluate(() => (window as any).R?.session.close()).catch(() => undefined);
    await browser?.close();
    browser = page = undefined;
  });
  return {
    async open(wav, baseURL) {
      browser = await launchWarm({ wav });
      page = await openHarness(browser, baseURL);
      return page;
    },
    get page() {
      if (!page) throw new Error('sessionPages: open() first');
      return page;
    },
  };
}
