import { expect, test } from './support/test';
import { fixture, launch } from './support/browser';

// dist/ is served by a plain static server under /some/sub/path/earshot/ with a strict
// CSP (e2e/server/static.mjs): nothing of Vite, no root-absolute URLs, no blob: or data:.
const BASE = `http://127.0.0.1:${process.env.E2E_STATIC_PORT ?? 4180}/some/sub/path/`;

for (const [page, globalName] of [['script.html', 'Earshot (IIFE global)'], ['esm.html', 'ES module import']] as const) {
  test(`dist/ under a sub-path works as ${globalName}`, async () => {
    const speech = fixture('utt-en-gb').speech[0]!;
    const browser = await launch({ wav: 'utt-en-gb' });
    try {
      const p = await browser.newPage();
      const problems: string[] = [];
      p.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      p.on('pageerror', (e) => problems.push(String(e)));
      await p.goto(BASE + page);
      await p.waitForFunction(() => typeof (window as any).run === 'function' && ((window as any).EarshotESM ?? (window as any).Earshot));
      const out = await p.evaluate(() => (window as any).run());
      expect(out.assetBase).toBe(`${BASE}earshot/runtime/`);
      expect(out.exports).toEqual(expect.arrayContaining(['AudioEngine', 'SileroVAD', 'EarshotError', 'loadAudioFile', 'Agent', 'AgentSession', 'Pipeline', 'functionTool', 'OpenAILLM', 'OpenAISTT', 'OpenAITTS']));
      expect(out.progress).toBeGreaterThan(0);
      expect(out.parsed).toEqual([{ ok: true, args: { people: 2 } }, { ok: false, error: 'Invalid arguments for book: people: must be >= 1, got 0' }]);
      const started = out.events.find((e: any) => e.type === 'speech_started');
      const ended = out.events.find((e: any) => e.type === 'speech_ended');
      // The built VAD hears the utterance where it is. Its precision (±3 frames) is vad.spec's and
      // the bench's: here the fake mic's start can sit up to ~0.25 s off the capture clock when
      // two browsers load at once (CI RUN15: 0.216 s), which says nothing about the bundle.
      expect(Math.abs(started.at - speech.startSec)).toBeLessThan(0.3);
      expect(ended.audioSec).toBeGreaterThan(speech.endSec - speech.startSec);
      expect(await p.evaluate(() => (window as any).runHandover())).toEqual({
        agent: 'billing',
        changes: ['front->billing:none'],
        recording: { mimeType: 'audio/wav', channels: 2, audible: true, json: ['durationSec', 'sampleRate', 'startFrame', 'transcript'], badOptions: true },
      });
      expect(problems).toEqual([]); // no CSP violation, no 404, no error
    } finally {
      await browser.close();
    }
  });
}
