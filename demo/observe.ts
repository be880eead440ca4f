// The demo's recording (WAV + transcript JSON to download) and the last turns as a
// waterfall, from `earshot/observe`.
import type { AgentSession } from '../src/index';
import { SessionRecorder, TurnReporter, type TurnReport } from '../src/observe/index';

export interface ObserveUI {
  record: HTMLButtonElement;
  downloads: HTMLElement;
  waterfall: HTMLElement;
}

/** Wires recording and the waterfall to a started session; returns what unwires them. */
export function observe(s: AgentSession, ui: ObserveUI): () => void {
  const recorder = new SessionRecorder(s);
  const reporter = new TurnReporter(s, { onTurn: () => draw(reporter.reports.slice(-5), ui.waterfall) });
  ui.record.disabled = false;
  ui.record.textContent = 'Record';
  ui.record.onclick = async () => {
    ui.record.disabled = true;
    try {
      if (!recorder.recording) {
        await recorder.start();
        ui.record.textContent = 'Stop recording';
        return;
      }
      const rec = await recorder.stop();
      ui.record.textContent = 'Record';
      const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      const json = new Blob([JSON.stringify({ sampleRate: rec.sampleRate, durationSec: rec.durationSec, transcript: rec.transcript }, null, 2)], { type: 'application/json' });
      ui.downloads.replaceChildren(link(rec.audio, `earshot-${stamp}.wav`, `recording (${rec.durationSec.toFixed(1)} s, mic left, agent right)`), link(json, `earshot-${stamp}.json`, 'transcript'));
    } finally {
      ui.record.disabled = false;
    }
  };
  return () => {
    reporter.dispose();
    ui.record.disabled = true;
    if (recorder.recording) void recorder.stop();
  };
}

function link(blob: Blob, name: string, text: string): HTMLAnchorElement {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.textContent = text;
  return a;
}

/** One row per turn: its stages and tool calls on a shared time axis from the user's last word. */
function draw(turns: TurnReport[], el: HTMLElement): void {
  el.replaceChildren(
    ...turns.map((t) => {
      const m = t.metrics;
      const origin = m ? m.at : t.startedAt;
      const span = Math.max(1, t.endedAt - origin);
      const row = document.createElement('div');
      row.className = 'turn';
      row.title = `${t.userText || '(agent)'} → ${t.agentText}`;
      const bar = (name: string, from: number, ms: number) => {
        const b = document.createElement('span');
        b.className = name;
        b.style.left = `${(100 * (from - origin)) / span}%`;
        b.style.width = `${Math.max(0.5, (100 * ms) / span)}%`;
        b.title = `${name}: ${ms.toFixed(0)} ms`;
        row.append(b);
      };
      if (m) {
        bar('endpoint', m.at, m.endpointMs);
        bar('stt', m.at + m.endpointMs, m.sttMs);
        bar('llm', m.at + m.llmAtMs, m.llmTtftMs);
        bar('tts', m.at + m.ttsAtMs, m.ttsTtfbMs);
        bar('audible', m.at + m.voiceToVoiceMs, t.endedAt - (m.at + m.voiceToVoiceMs));
      }
      for (const c of t.tools) bar(c.outcome === 'ok' ? 'tool' : 'tool failed', c.startedAt, c.durationMs);
      const label = document.createElement('small');
      label.textContent = `#${t.index} ${(span / 1000).toFixed(1)} s${t.interruption ? ' · interrupted' : ''}`;
      row.append(label);
      return row;
    }),
  );
}
