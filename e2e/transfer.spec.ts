// A warm transfer end to end in one page (issue 12), three peers: the caller's line, the agent
// (an AgentSession on `callAudio`), and a supervisor dialled by the page's CallTransport. The
// caller asks for a person; the agent's tool starts the transfer; the supervisor is briefed by a
// second AgentSession on their leg and says yes (the scripted STT and LLM turn it into
// `done_briefing`); the transport bridges the two lines. Every phase in order, the caller's
// words on hold ignored, and the caller hearing the supervisor once the call is switched.
import { expect, test, type Browser, type Page } from './support/test';
import { launch, openHarness } from './support/browser';
import { control, events, logFailure, startAgent } from './support/agent-run';
import { installPhoneLines, type PhoneKit } from './support/phone-line';

let browser: Browser;
let page: Page;

test.afterEach(async ({ baseURL }, info) => {
  if (info.status !== info.expectedStatus && page) await logFailure(page, baseURL!);
  await page?.evaluate(() => (window as any).R?.session.close()).catch(() => undefined);
  await page?.evaluate(() => (window as any).LINES?.close()).catch(() => undefined);
  await browser?.close();
});

/**
 * The page's phone lines: the caller's (plays `callerWav`, records what it hears), and a
 * CallTransport on `window.TRANSPORT` whose `dial` connects a supervisor peer (plays
 * `supervisorWav` on `LINES.supervisor.say()`, records what it hears) and whose `bridge`
 * relays each remote track to the other line. Each line is narrowband: 8 kHz, 300–3400 Hz.
 */
async function setUpLines(page: Page, callerWav: string, supervisorWav: string): Promise<void> {
  await installPhoneLines(page);
  await page.evaluate(async ({ callerWav, supervisorWav }) => {
    const PHONE = (window as any).PHONE as PhoneKit;
    const ctx = new AudioContext();
    const caller = await PHONE.line(ctx, await PHONE.narrowband(ctx, callerWav));
    const supervisorAudio = await PHONE.narrowband(ctx, supervisorWav);
    const LINES: any = { caller, supervisor: null, asked: [] as string[], close: () => (caller.close(), LINES.supervisor?.close(), ctx.close()) };
    (window as any).LINES = LINES;
    (window as any).TRANSPORT = {
      transfer: async (target: string) => void LINES.asked.push(`transfer ${target}`),
      dial: async (target: string) => {
        LINES.asked.push(`dial ${target}`);
        const sup = (LINES.supervisor = await PHONE.line(ctx, supervisorAudio));
        return { input: sup.input, output: (track: MediaStreamTrack) => sup.sender.replaceTrack(track), hangup: () => (LINES.asked.push('leg.hangup'), sup.close()) };
      },
      // The page relays: each far end now receives the other's voice (a real bridge would be the PBX's).
      bridge: async () => {
        LINES.asked.push('bridge');
        await caller.sender.replaceTrack(LINES.supervisor.input);
        await LINES.supervisor.sender.replaceTrack(caller.input);
      },
      hangup: async (reason: string) => void LINES.asked.push(`hangup ${reason}`),
    };
  }, { callerWav, supervisorWav });
}

const ORDER = ['started', 'summary_generating', 'summary_ready', 'caller_on_hold', 'supervisor_dialed', 'supervisor_joined', 'briefing_started', 'briefing_complete', 'call_switched', 'transfer_complete'];

test('warm transfer, three peers in one page: every phase in order, the caller on hold ignored, the supervisor briefed and deciding by voice, then heard by the caller', async ({ baseURL }) => {
  test.setTimeout(120_000);
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', {
    stt: [{ text: 'I want to speak to a supervisor about my refund.' }, { text: 'Yes, put the caller through.' }, { text: 'Unexpected.' }],
    llm: [
      { toolCalls: [{ name: 'transfer_to_supervisor', arguments: {} }] },
      { text: 'The caller wants a refund and asked for a supervisor.' },
      { toolCalls: [{ name: 'done_briefing', arguments: {} }] },
      { text: 'Thanks.' },
      { text: 'Spare.' },
    ],
  });
  browser = await launch({ wav: 'click' });
  page = await openHarness(browser, baseURL!);
  // The caller: "two-turns" (a second sentence 4 s after the first, while on hold); the supervisor: one sentence (1.0–3.8 s).
  await setUpLines(page, 'two-turns', 'utt-en-us');
  const pipeline = (E: any) => {
    const { caller } = (window as any).LINES;
    return { audio: E.callAudio({ input: caller.input, output: (track: MediaStreamTrack) => caller.sender.replaceTrack(track) }) };
  };
  const session = (E: any) => ({ callControl: new E.CallControl({ transport: (window as any).TRANSPORT }) });
  const tools = (E: any) => {
    const base = `${location.origin}/local-ai/v1`;
    const key = { baseURL: base, apiKey: 'sk-local-test-key' };
    return [
      E.functionTool({
        name: 'transfer_to_supervisor',
        description: 'Transfers the caller to a supervisor',
        parameters: { type: 'object', properties: {} },
        timeoutMs: 110_000,
        execute: async (_args: unknown, ctx: any) => {
          const R = (window as any).R; // made after the tools
          const transfer = ctx.session.warmTransfer({
            target: 'sip:supervisor@example.test',
            briefingPipeline: (leg: any) => new E.Pipeline({ stt: new E.OpenAISTT(key), llm: new E.OpenAILLM({ ...key, model: 'local-test' }), tts: new E.OpenAITTS(key), audio: E.callAudio(leg) }),
            supervisorJoinTimeoutMs: 20_000,
            briefingTimeoutMs: 60_000,
          });
          // The tool is stopped when the agent leaves the call (its turn ends): the transfer's promise is kept here.
          R.result = transfer.then((r: unknown) => (R.result = r), (e: unknown) => (R.result = { error: String(e) }));
          return (await transfer).status;
        },
      }),
    ];
  };
  await startAgent(page, { pipelineSource: pipeline.toString(), sessionSource: session.toString(), toolsSource: tools.toString() });
  await page.evaluate(() => {
    const R = (window as any).R;
    R.briefingStates = [];
    R.session.onWarmTransfer(null, (e: any) => {
      R.events.push({ name: 'warm_transfer', phase: e.phase, t: performance.now() });
      if (e.phase === 'briefing_started') e.data.session.on('agent_state_changed', (s: any) => R.briefingStates.push({ state: s.state, t: performance.now() }));
    });
    (window as any).LINES.caller.say();
  });
  const phase = (name: string, timeout: number) =>
    page.waitForFunction((name) => (window as any).R.events.some((e: any) => e.name === 'warm_transfer' && e.phase === name), name, { timeout });
  await phase('briefing_started', 40_000);
  // The briefing agent tells the supervisor about the call; once it has spoken, the supervisor answers.
  await page.waitForFunction(() => {
    const s = (window as any).R.briefingStates as { state: string }[];
    return s.some((x) => x.state === 'speaking') && s.at(-1)!.state === 'idle';
  }, null, { timeout: 30_000 });
  await page.evaluate(() => (window as any).LINES.supervisor.say());
  await phase('transfer_complete', 40_000);
  // The tool's await ends just after the last phase.
  await page.waitForFunction(() => { const r = (window as any).R.result; return r !== undefined && !(r instanceof Promise); }, null, { timeout: 5000 });
  expect(await page.evaluate(() => (window as any).R.result)).toEqual({ status: 'transferred', resolution: 'ready', summary: 'The caller wants a refund and asked for a supervisor.' });
  const ev = await events(page);
  expect(ev.filter((e) => e.name === 'warm_transfer').map((e) => e.phase)).toEqual(ORDER);
  expect(await page.evaluate(() => (window as any).LINES.asked)).toEqual(['dial sip:supervisor@example.test', 'bridge']);
  // The server heard two utterances: the caller's request and the supervisor's answer (the caller's second sentence came on hold: ignored).
  const requests = (await control(baseURL!, 'log')).requests as any[];
  expect(requests.filter((r) => r.route === '/v1/audio/transcriptions')).toHaveLength(2);
  const spoken = requests.filter((r) => r.route === '/v1/audio/speech').map((r) => String(r.body?.input ?? ''));
  expect(spoken.some((s) => s.startsWith('Please hold'))).toBe(true);
  expect(spoken.some((s) => s.includes('The caller wants a refund and asked for a supervisor.'))).toBe(true);
  expect(ev.filter((e) => e.name === 'user_transcript').map((e) => e.text)).toEqual(['I want to speak to a supervisor about my refund.']);
  expect(ev.filter((e) => e.name === 'session_closed').map((e) => e.reason)).toEqual(['left']);

  // Switched: the supervisor speaks again, and the caller hears them (energy where the supervisor's speech is, 1.0–3.8 s into the file).
  await page.evaluate(() => (window as any).LINES.supervisor.say());
  await page.waitForTimeout(4500);
  const { heard, played, switched } = await page.evaluate(() => {
    const L = (window as any).LINES;
    return { heard: L.caller.heard, played: L.supervisor.plays.at(-1), switched: (window as any).R.events.find((e: any) => e.phase === 'call_switched').t };
  });
  const peak = (from: number, to: number) => Math.max(0, ...heard.filter((b: any) => b.t >= from && b.t <= to).map((b: any) => b.rms));
  expect(played).toBeGreaterThan(switched);
  expect(peak(played + 1300, played + 3800)).toBeGreaterThan(0.02);
  // Before the supervisor's words (the file's first second of silence) the caller's line is quiet: the energy is theirs.
  expect(peak(played + 150, played + 800)).toBeLessThan(0.005);
});
