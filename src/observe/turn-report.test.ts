// The per-turn report and the summary, from a whole session in Node (fake timers).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { kit } from '../session/session-test-kit';
import { TurnReporter, type SessionSummary, type TurnReport } from './turn-report';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('TurnReporter', { timeout: 20_000 }, () => {
  it('reports each turn (text, metrics, interruption with what was heard) and a summary on close', async () => {
    const long = 'Once upon a time there was a ship that sailed the sea for many long and stormy years.';
    const k = kit({ stt: [{ text: 'Tell me a story' }], llm: [{ text: long }, { text: 'Fine.' }] });
    const seen: TurnReport[] = [];
    let summary: SessionSummary | null = null;
    const reporter = new TurnReporter(k.session, { onTurn: (t) => seen.push(t), onSummary: (s) => (summary = s) });
    await k.session.start();
    void k.vad.speak(1);
    await k.until(() => k.session.agentState === 'speaking');
    await k.run(700);
    k.session.interrupt();
    await k.until(() => seen.length === 1);
    k.session.sendText('Just say fine');
    await k.until(() => seen.length === 2);
    await k.session.close('done');

    expect(reporter.reports).toEqual(seen);
    const [story, fine] = seen;
    expect(story).toMatchObject({ index: 0, userText: 'Tell me a story', interruption: { reason: 'interrupt' }, tools: [], errors: [] });
    expect(story!.interruption!.heardText.length).toBeGreaterThan(0);
    expect(long.startsWith(story!.interruption!.heardText)).toBe(true);
    expect(story!.agentText).toBe(story!.interruption!.heardText);
    expect(story!.metrics).toEqual(k.events.metrics_collected![0]!.turn);
    expect(story!.endedAt).toBeGreaterThanOrEqual(story!.startedAt);
    expect(fine).toMatchObject({ index: 1, userText: 'Just say fine', agentText: 'Fine.', interruption: null, metrics: null });
    expect(summary).toEqual(reporter.summary);
    expect(summary).toMatchObject({ reason: 'done', turns: 2, interruptions: 1, toolCalls: 0, errors: 0, preemptiveHits: 0 });
    const v2v = story!.metrics!.voiceToVoiceMs;
    expect(summary!.voiceToVoiceMs).toEqual({ median: v2v, p95: v2v, max: v2v });
  });
});
