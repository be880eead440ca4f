// The summary table (figure, value, target, met?) and the generated part of BENCHMARKS.md.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { matrixDetails, matrixRows } from '../fig3-matrix.mjs';

const f1 = (x) => (x == null || Number.isNaN(x) ? '–' : Number(x).toFixed(1));
const f0 = (x) => (x == null || Number.isNaN(x) ? '–' : Number(x).toFixed(0));
const mp = (s, unit = 'ms') => (s && s.n ? `${f1(s.median)} / ${f1(s.p95)} ${unit}` : 'no data');
const yes = (b) => (b == null ? '–' : b ? 'yes' : '**no**');
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;

/** One row per figure. A single target is met when the p95 meets it (median and p95 both shown). */
export function tableRows(r) {
  const F = r.figures;
  const rows = [];
  const err = (name) => F[name]?.error && `failed: ${F[name].error.split('\n')[0]}`;
  const v = F.voice;
  if (v) {
    if (v.error) rows.push({ figure: '1. Voice-to-voice SDK glue (median / p95)', value: err('voice'), target: '≤ 15 / ≤ 40 ms', met: '–' });
    else {
      rows.push({ figure: `1. Voice-to-voice SDK glue, ${v.turnsMeasured} turns (median / p95)`, value: mp(v.glueMs), target: '≤ 15 / ≤ 40 ms', met: yes(v.glueMs.median <= 15 && v.glueMs.p95 <= 40) });
      if (v.glueWithoutStandInMs?.n) rows.push({ figure: "1. … the same without the stand-in's own time beyond its delays (its Server-Timing)", value: mp(v.glueWithoutStandInMs), target: '≤ 15 / ≤ 40 ms', met: yes(v.glueWithoutStandInMs.median <= 15 && v.glueWithoutStandInMs.p95 <= 40) });
      rows.push({ figure: '1. Voice-to-voice total, speech end → first sample out (median / p95)', value: mp(v.voiceToVoiceMs), target: `560 ms endpoint + ${v.configuredDelays.sttMs + v.configuredDelays.llmMs + v.configuredDelays.ttsMs} ms server delays + glue`, met: '–' });
    }
  }
  const ff = F.fetchFloor;
  if (ff && !ff.error) {
    rows.push({ figure: `1. Floor, one request from the page, fetch() → body read: GET / 48 KB POST to a bare Node server / the POST + 50 ms timer / the STT upload to the stand-in via Vite, 50 ms (medians, ${ff.requests} each)`, value: `${f1(ff.bareGet?.wallMs.median)} / ${f1(ff.bare.wallMs.median)} / ${f1(ff.bare50.wallMs.median)} / ${f1(ff.standIn.wallMs.median)} ms`, target: '–', met: '–' });
  }
  const vc = F.vadCost;
  if (vc) {
    rows.push(vc.error
      ? { figure: '2. VAD ms per 32 ms frame', value: err('vadCost'), target: '–', met: '–' }
      : { figure: '2. VAD ms per 32 ms frame, Earshot worker (median / p95)', value: `${mp(vc.oursMsPerFrame)}; ×${vc.ratioMedian} (p95 ×${vc.ratioP95}) of MicVAD's ${f1(vc.micVadFrameMsPerFrame.median)} ms on the main thread`, target: '≤ 0.5 ms median', met: yes(vc.oursMsPerFrame.median <= 0.5) });
  if (vc && !vc.error && vc.oursRunMsPerFrame) {
    rows.push({ figure: '2. … of which session.run, per live frame (median / p95)', value: mp(vc.oursRunMsPerFrame), target: '–', met: '–' });
    rows.push({ figure: '2. session.run back to back, 1000 runs after warm-up (median / p95)', value: mp(vc.backToBackRunMs), target: '–', met: '–' });
    if (vc.pacing) rows.push({ figure: '2. session.run in a plain worker: back to back / once per 32 ms asleep / once per 32 ms spinning (medians)', value: `${f1(vc.pacing.backToBackMs.median)} / ${f1(vc.pacing.every32msAsleepMs.median)} / ${f1(vc.pacing.every32msSpinningMs.median)} ms`, target: '–', met: '–' });
  }
  }
  if (v && !v.error) rows.push({ figure: `2. Main-thread long tasks during a ${v.longTasks.windowSec} s conversation`, value: `${v.longTasks.count}${v.longTasks.count ? ` (max ${v.longTasks.maxMs} ms)` : ''}`, target: '0', met: yes(v.longTasks.count === 0) });
  const b = F.bargeIn;
  if (b) {
    if (b.error) rows.push({ figure: '3. Barge-in', value: err('bargeIn'), target: '–', met: '–' });
    else {
      rows.push({ figure: `3. Barge-in: user onset → voice −12 dB (median / p95, ${b.ducked} ducked)`, value: mp(b.duckedMs), target: '≤ 100 ms', met: yes(b.duckedMs.p95 <= 100 && b.ducked.split('/')[0] === b.ducked.split('/')[1]) });
      if (b.duckedWhileSoundingMs) rows.push({ figure: `3. … the same, trials where the agent's voice sounded at the onset (${b.duckedWhileSoundingMs.n}; in the others the duck shows only when it resumes)`, value: mp(b.duckedWhileSoundingMs), target: '≤ 100 ms', met: '–' });
      const limit = b.minInterruptionMs + 32;
      rows.push({ figure: `3. Barge-in: user onset → voice stopped (median / p95 of ${b.stopped} stopped; interjections ${b.stoppedInterjections}, sentences ${b.stoppedSentences})`, value: mp(b.stoppedMs), target: `≤ ${limit} ms (minInterruptionMs + 32)`, met: yes(b.stoppedMs.p95 <= limit && b.stopped.split('/')[0] === b.stopped.split('/')[1]) });
    }
  }
  const bc = F.bargeInNoEchoGate;
  if (bc && !bc.error) rows.push({ figure: `3. (control, echoRatio 0) onset → stopped (${bc.stopped} stopped)`, value: mp(bc.stoppedMs), target: `≤ ${bc.minInterruptionMs + 32} ms`, met: '–' });
  const bm = F.bargeInMatrix;
  if (bm) rows.push(...(bm.error ? [{ figure: '3. Barge-in matrix', value: err('bargeInMatrix'), target: '–', met: '–' }] : matrixRows(bm)));
  if (v && !v.error) rows.push({ figure: `4. Endpointing lag: true speech end → turn committed − ${v.endpointing.redemptionMs} ms (median / p95)`, value: mp(v.endpointing.commitLagMs), target: '≤ 64 ms', met: yes(v.endpointing.commitLagMs.p95 <= 64) });
  const s = F.startup;
  if (s) {
    if (s.error) rows.push({ figure: '5. Start-up', value: err('startup'), target: '–', met: '–' });
    else {
      rows.push({ figure: `5. Start-up cold: start() → listening, built bundle (median / p95, ${s.coldMs.n} runs)`, value: mp(s.coldMs), target: '≤ 600 ms', met: yes(s.coldMs.p95 <= 600) });
      rows.push({ figure: `5. Start-up warm: new page, caches filled (median / p95)`, value: mp(s.warmMs), target: '≤ 150 ms', met: yes(s.warmMs.p95 <= 150) });
      if (s.restartSamePageMs) rows.push({ figure: '5. Start-up, second session in the same page (worker warm) (median / p95)', value: mp(s.restartSamePageMs), target: '≤ 150 ms', met: yes(s.restartSamePageMs.p95 <= 150) });
      if (s.preloadedMs) rows.push({ figure: '5. Start-up, new page after vad.preload() (median / p95)', value: mp(s.preloadedMs), target: '–', met: '–' });
      if (s.vadLiveMs) rows.push({ figure: '5. Start-up: start() → the VAD hears live, cold / warm new page (median / p95)', value: `${mp(s.vadLiveMs.cold)}; ${mp(s.vadLiveMs.warm)}`, target: '–', met: '–' });
    }
  }
  const bu = F.bundle;
  if (bu) {
    if (bu.error) rows.push({ figure: '6. Bundle', value: err('bundle'), target: '–', met: '–' });
    else for (const c of bu.core) rows.push({ figure: `6. Bundle gzip: dist/${c.file}`, value: c.gzip == null ? 'missing' : `${kb(c.gzip)} (${c.gzip} B)`, target: `≤ ${kb(c.budget)} (sizeBudget)`, met: yes(!c.over) });
  }
  const so = F.soak;
  if (so) {
    if (so.error) rows.push({ figure: '7/8. Soak', value: err('soak'), target: '–', met: '–' });
    else {
      rows.push({ figure: `7. Mixer underruns: ${(so.seconds / 60).toFixed(1)} min, ${so.turns} turns, main thread blocked 200 ms every 1 s`, value: String(so.underruns), target: '0', met: yes(so.underruns === 0) });
      rows.push({ figure: `8. JS heap growth, turn 10 → turn ${so.heapTurns} (after GC)`, value: `${so.heapGrowthMB >= 0 ? '+' : ''}${so.heapGrowthMB.toFixed(2)} MB (${so.heapAfter10MB.toFixed(2)} → ${so.heapAfterTargetMB.toFixed(2)} MB)`, target: '≤ 5 MB', met: yes(so.heapGrowthMB <= 5) });
      const a = so.afterClose;
      const leaked = a.liveWorkers + a.audioContextsNotClosed + a.audioNodesAlive + a.micTracksLive;
      rows.push({ figure: '8. Left after close(): workers / open AudioContexts / AudioNodes / live mic tracks', value: `${a.liveWorkers} / ${a.audioContextsNotClosed} / ${a.audioNodesAlive}${a.audioNodesAlive ? ` (${a.audioNodesAliveTypes.join(', ')})` : ''} / ${a.micTracksLive}`, target: '0 / 0 / 0 / 0', met: yes(leaked === 0) });
    }
  }
  const pr = F.profile;
  if (pr) {
    if (pr.error) rows.push({ figure: '9. Voice to voice, cloud profile', value: err('profile'), target: '–', met: '–' });
    else {
      const p = pr.profile;
      const what = `STT ${p.sttMs}, LLM ${p.llmMs}, TTS ${p.ttsMs} ms`;
      rows.push({ figure: `9. Voice to voice, sequential (VAD endpoint, batch STT), ${what}, ${pr.sequential.turnsMeasured} turns (median / p95)`, value: mp(pr.sequential.voiceToVoiceMs), target: '–', met: '–' });
      rows.push({ figure: `9. Voice to voice, v2 (streaming STT, its end of turn, preemptive generation: ${pr.v2.preemptiveHits} hits), same profile, ${pr.v2.turnsMeasured} turns (median / p95)`, value: mp(pr.v2.voiceToVoiceMs), target: '≤ 900 ms median', met: yes(pr.v2.voiceToVoiceMs.median <= 900) });
    }
  }
  return rows;
}

export function printTable(rows) {
  const w = [Math.max(...rows.map((r) => r.figure.length)), Math.max(...rows.map((r) => String(r.value).length)), Math.max(...rows.map((r) => r.target.length))];
  const line = (a, b, c, d) => `${a.padEnd(w[0])}  ${String(b).padEnd(w[1])}  ${c.padEnd(w[2])}  ${d}`;
  console.log(line('figure', 'value', 'target', 'met'));
  console.log(line('-'.repeat(w[0]), '-'.repeat(w[1]), '-'.repeat(w[2]), '---'));
  for (const r of rows) console.log(line(r.figure, r.value, r.target, r.met.replace(/\*/g, '')));
}

const md = (rows) => ['| figure | value | target | met |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.target} | ${r.met} |`)].join('\n');

function details(r) {
  const F = r.figures;
  const out = [];
  const v = F.voice;
  if (v && !v.error) {
    const names = {
      endpointMs: 'true speech end → VAD end-of-turn frame (audio clock; includes redemptionMs)',
      toMainMs: 'VAD frame → turn committed on the main thread*',
      toSttRequestMs: 'committed → STT request sent',
      sttMs: `STT request → response (configured ${v.configuredDelays.sttMs} ms)`,
      sttReadMs: 'STT response → final transcript event',
      toLlmRequestMs: 'transcript → LLM request sent',
      llmFirstByteMs: `LLM request → first byte (configured ${v.configuredDelays.llmMs} ms)`,
      llmStreamMs: 'LLM first byte → end of stream (server streams the one-sentence answer)',
      toTtsRequestMs: 'LLM end of stream → TTS request sent',
      ttsFirstByteMs: `TTS request → first byte (configured ${v.configuredDelays.ttsMs} ms)`,
      toMixerMs: 'TTS first byte → first sample leaving the mixer*',
    };
    out.push(`### 1. Voice-to-voice split (${v.turnsMeasured} turns, fixture \`${v.fixture}\`)`, '',
      '| stage | median | p95 |', '| --- | --- | --- |',
      ...Object.entries(v.split).flatMap(([k, s]) => [`| ${names[k] ?? k} | ${f1(s.median)} | ${f1(s.p95)} |`,
        ...(k === 'toSttRequestMs' && v.sttRequestParts ? [`| … of which committed → the SDK's \`fetch()\` call | ${f1(v.sttRequestParts.toFetchCallMs.median)} | ${f1(v.sttRequestParts.toFetchCallMs.p95)} |`, `| … of which \`fetch()\` call → request started (Resource Timing) | ${f1(v.sttRequestParts.fetchCallToRequestMs.median)} | ${f1(v.sttRequestParts.fetchCallToRequestMs.p95)} |`] : [])]),
      `| **total: true speech end → first sample leaving the mixer** (audio clock) | ${f1(v.voiceToVoiceMs.median)} | ${f1(v.voiceToVoiceMs.p95)} |`,
      `| **SDK glue** = total − endpoint − configured delays (audio clock) | ${f1(v.glueMs.median)} | ${f1(v.glueMs.p95)} |`,
      `| … of which in the page (worker→main, request building, parsing, mixer hand-off) | ${f1(v.glueInPageMs.median)} | ${f1(v.glueInPageMs.p95)} |`,
      `| … of which network and server beyond the configured delays (incl. LLM streaming) | ${f1(v.glueNetworkAndServerMs.median)} | ${f1(v.glueNetworkAndServerMs.p95)} |`,
      ...(v.glueStandInMs?.n ? [`| … … of which the stand-in's own time beyond its delays (Server-Timing \`app\`: upload parsing, its timers' lateness) | ${f1(v.glueStandInMs.median)} | ${f1(v.glueStandInMs.p95)} |`] : []),
      `| first sample → first audible sample (TTS lead-in silence, not counted) | ${f1(v.ttsLeadSilenceMs.median)} | ${f1(v.ttsLeadSilenceMs.p95)} |`,
      `| SDK's own \`metrics_collected.voiceToVoiceMs\` minus the independent total | ${f1(v.sdkReported.minusIndependentMs.median)} | ${f1(v.sdkReported.minusIndependentMs.p95)} |`,
      '',
      `\\* main-thread marks placed on the audio clock through \`AudioContext.currentTime\` (render callbacks of ~${f0(v.diag?.ctStepMs?.median)} ms here: ±10 ms). Fixture aligned to the frame clock by envelope correlation: it entered the graph ${v.alignment.fixtureOffsetMs} ms after capture start. Per-turn glue (ms): ${v.turns.map((t) => f0(t.glueMs)).join(', ')}.`, '');
  }
  const vc = F.vadCost;
  if (vc && !vc.error) out.push('### 2. VAD cost', '', `Same mic track, same page, same ${vc.audioSec} s of fixture audio, at the same time: Earshot's SileroVAD (worker) ${mp(vc.oursMsPerFrame)} per frame (model + segmenter); vad-web MicVAD (main thread) ${mp(vc.micVadFrameMsPerFrame)} per frame (model + frame processor), of which \`InferenceSession.run\` ${mp(vc.micVadRunMsPerFrame)}.${vc.oursRunMsPerFrame ? ` Earshot's \`session.run\` alone per live frame: ${mp(vc.oursRunMsPerFrame)}; the same model run back to back (1000 runs after 200 warm-up, the earlier probe's method): ${mp(vc.backToBackRunMs)}.` : ''}${vc.pacing ? ` Why a live frame costs more than a run back to back (the same ORT build and model in a plain worker, ${vc.pacing.backToBackMs.n} runs back to back after 200 warm-up, then ${vc.pacing.every32msAsleepMs.n} runs once every 32 ms): back to back ${mp(vc.pacing.backToBackMs)}; once per 32 ms with the thread asleep between runs ${mp(vc.pacing.every32msAsleepMs)}; with the thread spinning between runs (never idle, so no CPU sleep state or frequency drop) ${mp(vc.pacing.every32msSpinningMs)}; fed the live frames ours processed, with the audio graph running ${mp(vc.pacing.liveFramesAudioRunning.every32msAsleepMs)}; with the wasm compiled and handed to ORT as ours does ${mp(vc.pacing.precompiledAsOurs.every32msAsleepMs)}. Building the input tensors: ${mp(vc.pacing.feedsMs)}. Ours alone, in its first seconds after loading (MicVAD not running, no 200-run warm-up before it): ${mp(vc.oursAloneRunMsPerFrame)} per \`session.run\`, ${mp(vc.oursAloneMsPerFrame)} per frame. So most of the per-frame cost is the pacing itself: a run every 32 ms finds the model's weights and code out of the core's caches (other processes run in between on this shared 2-core VM), whatever the input, the thread's idleness, the tensors or how the wasm was compiled; our \`session.run\` per live frame is within a few tenths of a ms of the plain worker's paced runs (our worker does other work between runs, frame messages and the segmenter, which share the caches too; the segmenter's own time is the difference between the per-frame and the \`session.run\` figures). ORT 1.30 ships only the SIMD wasm for the wasm backend (\`ort-wasm-simd-threaded.wasm\`), so SIMD is always used.` : ''} Ratio Earshot/MicVAD: ×${vc.ratioMedian} (median), ×${vc.ratioP95} (p95). MicVAD put ${vc.micVadLongTasks.atLoad.length} long task(s) on the main thread while loading (${vc.micVadLongTasks.atLoad.join(', ')} ms; load ${vc.micVadLoadMs} ms) and ${vc.micVadLongTasks.whileRunning.length} while running; Earshot's inference never runs there. Earshot's worker during the figure-1 conversation: ${mp(v?.vadInferenceMs)} per frame.`, '');
  const b = F.bargeIn;
  if (b && !b.error) {
    out.push('### 3. Barge-in', '', `Default settings (minInterruptionMs ${b.minInterruptionMs}, duckDb ${b.duckDb}, echoRatio ${b.echoRatio}); fixture \`${b.fixture}\`: the agent tells a story, the user interrupts ${b.trials} times. Times from the user's true onset; −12 dB and stop read from the rendered output against the samples pushed to the mixer${b.underlayDb != null ? ` (a steady ${b.underlayDb} dBFS 220 Hz tone under the agent's voice, the stand-in's \`ttsUnderlayDb\`, keeps its gain observable through the pauses between words)` : ''}.${b.mixerEndedMs ? ` Stopped: where the rendered voice fell to −40 dB and stayed there (the SDK silences it on the instant the rule falls due, in audio time), or the mixer's end of it if earlier; the mixer's end (after the confirming frame reached the main thread, and the flush): ${mp(b.mixerEndedMs)}.` : ''}`, '',
      '| # | user says | VAD: first speech frame ends | duck decided (frame end) | voice −12 dB | voice stopped | suspicions released before the stop |', '| --- | --- | --- | --- | --- | --- | --- |',
      ...b.perTrial.map((t) => (t.notSpeaking ? `| ${t.trial} | ${t.text ?? t.kind} | agent not speaking (the story had played out) | | | | |` : `| ${t.trial} | ${t.text} | ${f0(t.vadSpeechFrameMs)} ms | ${f0(t.duckDecisionMs)} ms | ${f0(t.duckedMs)} ms${t.voiceSilentUntilMs > 10 && t.duckedMs - t.voiceSilentUntilMs < 2 ? ` (agent silent until ${f0(t.voiceSilentUntilMs)} ms)` : ''} | ${t.stoppedMs == null ? 'not stopped' : `${f0(t.stoppedMs)} ms`} | ${t.cancelledSuspicions} |`)),
      `| | median | ${f0(b.vadSpeechFrameMs.median)} ms | ${f0(b.duckDecisionMs.median)} ms | ${f0(b.duckedMs.median)} ms | ${f0(b.stoppedMs.median)} ms | |`, '');
    const c = F.bargeInNoEchoGate;
    if (c && !c.error) out.push(`Control run with the echo gate off (\`interrupt: { echoRatio: 0 }\`), first ${c.trials} interruptions: VAD first speech frame ${mp(c.vadSpeechFrameMs)}, duck decided ${mp(c.duckDecisionMs)}, −12 dB ${mp(c.duckedMs)}, stopped ${mp(c.stoppedMs)} (${c.stopped}); per trial −12 dB / stop: ${c.perTrial.map((t) => `${f0(t.duckedMs)}${t.voiceSilentUntilMs > 10 && t.duckedMs - t.voiceSilentUntilMs < 2 ? ` (agent silent until ${f0(t.voiceSilentUntilMs)})` : ''} / ${t.stoppedMs == null ? 'not stopped' : `${f0(t.stoppedMs)}`} ms`).join(', ')}.`, '');
  }
  if (F.bargeInMatrix && !F.bargeInMatrix.error) out.push(matrixDetails(F.bargeInMatrix));
  if (v && !v.error) out.push('### 4. Endpointing', '', `True speech end → turn committed, minus redemptionMs (${v.endpointing.redemptionMs}): ${mp(v.endpointing.commitLagMs)}; the VAD's end-of-turn frame alone (audio clock): ${mp(v.endpointing.vadDecisionLagMs)}. Negative: Silero's probability falls below the negative threshold before the −40 dBFS tail of the word ends.`, '');
  const s = F.startup;
  if (s && !s.error) {
    const wk = (key, pick) => {
      const xs = s.perTrial.map((t) => pick(t[key].worker)).filter((x) => Number.isFinite(x)).sort((a, b2) => a - b2);
      return xs.length ? xs[Math.floor(xs.length / 2)] : NaN;
    };
    // Worker marks before start() (a preloaded or kept-warm worker) show as "before".
    const at = (key, pick) => {
      const x = wk(key, pick);
      return Number.isFinite(x) && x < 0 ? 'before' : f0(x);
    };
    const mark = (name) => (w) => w?.marks?.[name];
    const page = (key, re, end = 'to') => {
      const xs = s.perTrial.map((t) => t[key].page?.find((m) => re.test(m.name))?.[end]).filter((x) => Number.isFinite(x)).sort((a, b2) => a - b2);
      return xs.length ? f0(xs[Math.floor(xs.length / 2)]) : '–';
    };
    const first = (key) => {
      const xs = s.perTrial.map((t) => t[key].firstFrame?.runMs).filter((x) => Number.isFinite(x)).sort((a, b2) => a - b2);
      return xs.length ? f1(xs[Math.floor(xs.length / 2)]) : '–';
    };
    const row = (key) =>
      `| ${key} | ${f0(s[`${key === 'restart' ? 'restartSamePage' : key}Ms`].median)} | ${s.vadLiveMs ? f0(s.vadLiveMs[key].median) : '–'} | ${at(key, mark('evaluated'))} | ${at(key, mark('wasmCompiled'))} | ${at(key, mark('modelFetched'))} | ${at(key, mark('createStart'))} → ${at(key, mark('sessionCreated'))} | ${page(key, /^addModule mixer/)} | ${page(key, /^getUserMedia/, 'from')} → ${page(key, /^getUserMedia/)} | ${first(key)} |`;
    out.push('### 5. Start-up', '', `Built bundle (${s.bundle}), served with \`cache-control: max-age=3600\`. Timeline of \`start()\`, medians, ms from \`start()\` (worker phases from its \`earshot-vad:*\` performance marks, page phases from the bench page's wrappers of \`addModule\` and \`getUserMedia\`; "before" = done before \`start()\`):`, '',
      '| case | listening | VAD live | VAD worker script run | ORT wasm compiled | model read | ORT session create | worklets loaded | getUserMedia | first frame\'s session.run |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      row('cold'), row('warm'), row('restart'), ...(s.preloadedMs ? [row('preloaded')] : []), '', `Warm start read from its caches (model: IndexedDB; wasm: Cache API, compiled with \`compileStreaming\`, so V8's code cache applies once Chrome wrote one): ${s.warmCachedAssets.join(', ') || 'nothing'}. "restart" = a second \`start()\` in the same page after \`close()\` (the VAD worker is kept warm for \`SileroVAD.keepWarmMs\`); "preloaded" = a new warm page that awaited \`vad.preload()\` before \`start()\`. The VAD loads while the worklets load and the mic opens; \`start()\` does not wait for it ("listening": the agent is live and the mic's frames queue in the VAD worker; "VAD live": \`vad_ready\`, from when speech is heard as it comes; speech before is heard then, late, none lost).`, '');
  }
  const bu = F.bundle;
  if (bu && !bu.error) out.push('### 6. Bundle', '', `gzip -9: ${bu.core.map((c) => `\`${c.file}\` ${kb(c.gzip)} (${kb(c.bytes)} raw)`).join(', ')}; loaded on start (not in the budget): ${bu.assets.map((a) => `\`${a.file.replace(/-[\w-]{8}\.js$/, '.js')}\` ${kb(a.gzip)}`).join(', ')}; plus the ORT wasm and the model in \`runtime/\`. \`npm run size\` checks the budget in \`package.json\` (\`sizeBudget\`).`, '');
  const so = F.soak;
  if (so && !so.error) {
    const a = so.afterClose;
    out.push('### 7 and 8. Soak', '', `One loop serves both: ${so.turns} typed turns (\`sendText\`, answer "Ok." at TTS speed 2, TTS streamed at 2× real time) in ${f0(so.seconds)} s while a \`setInterval\` busy-loops 200 ms every second (${so.blockedIntervals} times). Underruns ${so.underruns} (${Object.entries(so.underrunsByBus).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}). Heap (CDP \`Runtime.getHeapUsage\` after \`HeapProfiler.collectGarbage\`): ${so.heapAfter10MB.toFixed(2)} MB after 10 turns, ${so.heapAfterTargetMB.toFixed(2)} MB after ${so.heapTurns}, ${so.heapAfterLastMB.toFixed(2)} MB after ${so.turns}. After \`close()\` + GC: ${a.liveWorkers} worker(s) (of ${a.workersCreated}), ${a.audioContextsNotClosed} AudioContext(s) not closed (of ${a.audioContextsCreated}), ${a.audioNodesAlive} of ${a.audioNodesCreated} AudioNodes still reachable${a.audioNodesAlive ? ` (${a.audioNodesAliveTypes.join(', ')})` : ''}, ${a.micTracksLive} live mic track(s) (of ${a.micTracks}).`, '');
  }
  return out.join('\n');
}

/**
 * Where each figure comes from: the runner writes each figure as it completes and keeps the
 * figures of earlier runs it did not measure again, so one block can mix runs.
 */
function provenance(r) {
  const lines = Object.entries(r.figures).map(([name, f]) => {
    const run = f.run ?? {};
    const load = run.loadAvgStart == null ? '' : `, load average ${run.loadAvgStart}${run.loadAvgEnd == null ? '' : ` → ${run.loadAvgEnd}`}`;
    return `- \`${name}\`: \`${run.command ?? r.command}\`${run.quick ? ' (quick)' : ''}, ${run.date ?? r.date}${load}${f.wallSec == null ? '' : `, ${f0(f.wallSec)} s`}${f.error ? ' (**failed**)' : ''}`;
  });
  return ['Figures (each written as it completed; a figure from an earlier run keeps that run\'s command, date and load average):', '', ...lines].join('\n');
}

export function renderBlock(r, rows) {
  const m = r.machine;
  return [
    `Command: \`${r.command}\`${r.quick ? ' (**quick run**: fewer turns, trials and a 30 s soak)' : ''} · ${r.date} · wall time ${f0(r.wallSec)} s`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB RAM, ${m.os}, Node ${m.node}, Chromium ${m.chromium} (headless, fake mic). Load average at start: ${m.loadAvg1m} (a shared machine: other jobs ran during the run).`,
    '',
    provenance(r),
    '',
    md(rows),
    '',
    details(r),
  ].join('\n');
}

const BEGIN = '<!-- bench:begin (generated by `npm run bench`; edits inside are overwritten) -->';
const END = '<!-- bench:end -->';

/** Replaces the generated block of BENCHMARKS.md (the rest of the file is kept). */
export function writeBenchmarksMd(path, block, template) {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : template;
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  const generated = `${BEGIN}\n${block}\n${END}`;
  const next = a >= 0 && b > a ? text.slice(0, a) + generated + text.slice(b + END.length) : `${text.trimEnd()}\n\n${generated}\n`;
  writeFileSync(path, next);
}
