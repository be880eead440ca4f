import { expect, test } from './support/test';
import { control, events, sessionPages, startAgent } from './support/agent-run';
import { fixture } from './support/browser';

// Nothing the user says is lost (issue 8): a sentence with a pause longer than the VAD's
// 560 ms in the middle, and a slow STT (900 ms). The VAD ends the first half; the user
// resumes while it is being transcribed (0.7 s) or while its end-of-turn wait runs (1.2 s,
// with a text turn detector: "…book a table" ends without punctuation, so the wait is
// long). Either way the session answers once, to all of it. The local STT reports honestly
// how much audio it got ("(1.8 s of speech)"), so the history shows what was transcribed.
const pages = sessionPages();

for (const [wav, detector, endpointing] of [['pause-0.7', false, 'vad'], ['pause-0.7', false, 'dynamic'], ['pause-1.2', true, 'vad']] as const) {
  test(`a ${wav.slice(6)} s pause mid-sentence with a slow STT${detector ? ' and a turn detector' : ''}, endpointing ${endpointing}: one answer, to every word`, async ({ baseURL }) => {
    await control(baseURL!, 'reset', {});
    await control(baseURL!, 'script', { stt: [{ delayMs: 900 }, { delayMs: 900 }, { delayMs: 900 }], llm: [{ text: 'Done.' }, { text: 'Again.' }] });
    const page = await pages.open(wav, baseURL!);
    await startAgent(page, { ...(detector ? { turnDetector: 'text' as const } : {}), ...(endpointing === 'dynamic' ? { dynamicEndpointing: true } : {}) });
    // (A turn cut before it answered also ends with an agent_transcript, an empty one.)
    await page.waitForFunction(() => (window as any).R.events.some((e: any) => e.name === 'agent_transcript' && e.text), undefined, { timeout: 30_000 });
    // Room for a second answer, if the first half had been answered on its own.
    await page.waitForTimeout(1500);
    const history: string[] = await page.evaluate(() => (window as any).R.session.getContextHistory().map((i: any) => `${i.role}: ${i.content}`));
    expect(history.filter((h) => h.startsWith('assistant:'))).toEqual(['assistant: Done.']);
    const users = history.filter((h) => h.startsWith('user:'));
    expect(users).toHaveLength(1);
    // Everything spoken reached the STT: the seconds it reported cover both halves.
    const spoken = fixture(wav).speech.reduce((sum, s) => sum + (s.endSec - s.startSec), 0);
    const heard = [...users[0]!.matchAll(/\(([\d.]+) s of speech\)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    console.log(`${wav}: ${users[0]} for ${spoken.toFixed(2)} s spoken`);
    expect(heard).toBeGreaterThanOrEqual(spoken - 0.1);
    const ev = await events(page);
    expect(ev.filter((e) => e.name === 'error')).toEqual([]);
  });
}
