// Figure 3 over the level/echo matrix (issue 8 §5): user speech at −35, −25, −15 dBFS ×
// the agent's output at −25, −15, −8 dBFS × echo none / −30 dB / −15 dB at 20, 80, 150 ms
// (63 cells), and the same 21 agent × echo cells with no user (self-interruptions, phantom
// turns). One page (e2e/pages/barge-matrix.js) runs every cell in a fresh session with the
// VAD warm: the agent's voice at its level (the local server's ttsLevelDb), its echo fed
// back into the capture input, the user's voice played into it at a known context time.
// Onset → duck: the `interruption_suspected` frame's end; onset → stopped: the mixer's
// `ended` frame (reason `stopped`); both in audio time (context frames).
import { control, launch, openPage } from './lib/env.mjs';
import { summary } from './lib/stats.mjs';

export const USERS = [-35, -25, -15];
export const AGENTS = [-25, -15, -8];
export const ECHOES = [null, ...[-30, -15].flatMap((db) => [20, 80, 150].map((ms) => ({ db, ms })))];
const echoName = (e) => (e ? `${e.db} dB at ${e.ms} ms` : 'none');

/**
 * The gate's own bar (see src/turn/echo-path.test.ts): with no echo every user must be
 * heard; with echo, a user 12 dB or more over it. Closer, levels alone cannot tell them
 * apart frame by frame; those cells are shown, not judged.
 */
export const separable = (u, a, e) => e === null || u - (a + e.db) >= 12;

/**
 * `concurrency`: cells of one agent level run side by side in the page (each its own
 * AudioContext; the page's one VAD worker serves them all), to fit the bench's budget.
 */
export async function runBargeInMatrix({ quick, log, concurrency = 3, trials = 1 }) {
  const userCells = [];
  const echoCells = [];
  for (const a of AGENTS) {
    for (const e of ECHOES) {
      for (const u of USERS) userCells.push({ userDb: u, agentDb: a, echoDb: e?.db ?? null, delayMs: e?.ms ?? 0 });
      if (e) echoCells.push({ userDb: null, agentDb: a, echoDb: e.db, delayMs: e.ms });
    }
  }
  // Quick: the e2e subset (the loudest agent; one echo cell with a user).
  const pickUsers = quick ? userCells.filter((c) => (c.agentDb === -8 && c.echoDb === null) || (c.userDb === -25 && c.agentDb === -25 && c.echoDb === -15 && c.delayMs === 150)) : userCells;
  const pickEchoes = quick ? echoCells.filter((c) => c.agentDb === -8) : echoCells;
  const browser = await launch();
  try {
    const page = await openPage(browser, '/e2e/pages/barge-matrix.html', log);
    await page.evaluate(() => window.M.warm());
    await control('reset', {});
    const run = async (cells, extra) => {
      const out = [];
      for (const a of AGENTS) {
        const mine = cells.filter((c) => c.agentDb === a);
        for (let i = 0; i < mine.length; i += concurrency) {
          const chunk = mine.slice(i, i + concurrency).map((c) => ({ ...c, ...extra }));
          out.push(...(await page.evaluate((cs) => Promise.all(cs.map((c) => window.M.runCell(c).catch((err) => ({ cell: c, error: String(err) })))), chunk)));
        }
      }
      return out;
    };
    const users = [];
    for (let t = 0; t < trials; t++) {
      log(`  matrix: ${pickUsers.length} user cells (trial ${t + 1}/${trials})…`);
      users.push(...(await run(pickUsers, { userAtSec: 2.5, userSec: 0.8, script: false, waitTranscript: false })));
    }
    log(`  matrix: ${pickEchoes.length} echo-only cells…`);
    const echoes = await run(pickEchoes, { sentences: 2, script: false });
    await control('config', { ttsLevelDb: null });
    return summarize(users, echoes, { concurrency, trials, quick });
  } finally {
    await browser.close();
  }
}

function summarize(users, echoes, meta) {
  const limit = 300 + 64; // minInterruptionMs (default) + 64 ms, the issue's goal
  const cellOf = (r) => ({ ...r.cell, echo: r.cell.echoDb === null ? null : { db: r.cell.echoDb, ms: r.cell.delayMs } });
  const perCell = users.map((r) => {
    const c = cellOf(r);
    return {
      userDb: c.userDb, agentDb: c.agentDb, echo: echoName(c.echo), separable: separable(c.userDb, c.agentDb, c.echo),
      error: r.error ?? (r.errors?.length ? r.errors.join('; ') : null),
      vadMs: r.vadMs == null ? null : Number(r.vadMs.toFixed(1)),
      duckMs: r.duckMs == null ? null : Number(r.duckMs.toFixed(1)),
      stoppedMs: r.stoppedMs == null ? null : Number(r.stoppedMs.toFixed(1)),
      earlySuspicions: r.earlySuspicions ?? null,
      outputDb: r.outputDb == null ? null : Number(r.outputDb.toFixed(1)),
    };
  });
  const echoOnly = echoes.map((r) => {
    const c = cellOf(r);
    return {
      agentDb: c.agentDb, echo: echoName(c.echo), error: r.error ?? (r.errors?.length ? r.errors.join('; ') : null),
      selfInterrupted: Boolean(r.interrupted), suspicions: r.suspected ?? null, phantomTurns: r.userTranscripts?.length ?? null,
    };
  });
  const sep = perCell.filter((c) => c.separable);
  const misses = sep.filter((c) => !(c.stoppedMs != null && c.stoppedMs <= limit));
  return {
    limitMs: limit,
    ...meta,
    cells: perCell.length,
    separableCells: sep.length,
    stoppedSeparable: `${sep.filter((c) => c.stoppedMs != null).length}/${sep.length}`,
    withinLimit: `${sep.length - misses.length}/${sep.length}`,
    vadMs: summary(sep.map((c) => c.vadMs ?? NaN)),
    duckMs: summary(sep.map((c) => c.duckMs ?? NaN)),
    /** Stop − the VAD's first speech frame: the gate's and the confirmation's share. */
    afterVadMs: summary(sep.map((c) => (c.stoppedMs != null && c.vadMs != null ? c.stoppedMs - c.vadMs : NaN))),
    stoppedMs: summary(sep.map((c) => c.stoppedMs ?? NaN)),
    misses: misses.map((c) => `user ${c.userDb}, agent ${c.agentDb}, echo ${c.echo}: ${c.stoppedMs == null ? 'not stopped' : `${c.stoppedMs.toFixed(0)} ms`}`),
    otherCellsStopped: `${perCell.filter((c) => !c.separable && c.stoppedMs != null).length}/${perCell.length - sep.length}`,
    selfInterruptions: echoOnly.filter((c) => c.selfInterrupted).length + perCell.filter((c) => c.earlySuspicions).length,
    echoOnlyCells: echoOnly.length,
    echoOnlySuspicions: echoOnly.reduce((n, c) => n + (c.suspicions ?? 0), 0),
    phantomTurns: echoOnly.reduce((n, c) => n + (c.phantomTurns ?? 0), 0),
    errors: [...perCell, ...echoOnly].filter((c) => c.error).map((c) => c.error),
    perCell,
    echoOnly,
  };
}

const f0 = (x) => (x == null || Number.isNaN(x) ? '–' : Number(x).toFixed(0));

/** Rows for the summary table. */
export function matrixRows(m) {
  const mp = (s) => (s && s.n ? `${s.median.toFixed(1)} / ${s.p95.toFixed(1)} ms` : 'no data');
  return [
    { figure: `3. Matrix: onset → voice stopped, ${m.separableCells} separable cells (median / p95; ${m.withinLimit} within the target)`, value: mp(m.stoppedMs), target: `≤ ${m.limitMs} ms (minInterruptionMs + 64) in every cell`, met: m.withinLimit.split('/')[0] === m.withinLimit.split('/')[1] ? 'yes' : '**no**' },
    { figure: '3. Matrix: onset → duck decided (median / p95)', value: mp(m.duckMs), target: '–', met: '–' },
    { figure: "3. Matrix: … of which onset → the VAD's first speech frame; that frame → stopped", value: `${mp(m.vadMs)}; ${mp(m.afterVadMs)}`, target: '–', met: '–' },
    { figure: `3. Matrix: self-interruptions / phantom turns (${m.echoOnlyCells} echo-only cells + the user cells before the onset)`, value: `${m.selfInterruptions} / ${m.phantomTurns}`, target: '0 / 0', met: m.selfInterruptions === 0 && m.phantomTurns === 0 ? 'yes' : '**no**' },
  ];
}

/** The per-cell table for BENCHMARKS.md. */
export function matrixDetails(m) {
  const cell = (a, e, u) => m.perCell.find((c) => c.agentDb === a && c.echo === e && c.userDb === u);
  const echoCell = (a, e) => m.echoOnly.find((c) => c.agentDb === a && c.echo === e);
  const show = (c) => (!c ? '' : c.error ? 'error' : `${f0(c.vadMs)} / ${f0(c.duckMs)} / ${c.stoppedMs == null ? 'not stopped' : f0(c.stoppedMs)}${c.separable ? '' : '*'}`);
  const lines = [
    '### 3. Barge-in over the level/echo matrix', '',
    `Each cell a fresh session (VAD warm), ${m.concurrency} cells of one agent level side by side, ${m.trials} trial(s) per cell; the user (0.8 s of "My sister is coming over…", espeak-ng) starts 2.5 s into the agent's voice, the echo path long learned. Onset → the VAD's first speech frame / duck decided / voice stopped, ms, audio time (with echo the VAD already hears the agent's voice, so its first speech frame after the onset says little; without, it is the VAD's own onset lag, and the duck comes on that very frame). \\* the user is less than 12 dB over the echo: not separable by level (shown, not judged). Echo-only: self-interruptions, suspicions (ducks), phantom turns.`, '',
    '| agent | echo | user −35 dBFS | user −25 dBFS | user −15 dBFS | echo only |', '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const a of AGENTS) {
    for (const e of ECHOES.map(echoName)) {
      const eo = echoCell(a, e);
      lines.push(`| ${a} dBFS | ${e} | ${USERS.map((u) => show(cell(a, e, u))).join(' | ')} | ${eo ? (eo.error ? 'error' : `${eo.selfInterrupted ? 1 : 0} / ${eo.suspicions} / ${eo.phantomTurns}`) : ''} |`);
    }
  }
  lines.push('', `Separable cells stopped within ${m.limitMs} ms: ${m.withinLimit}${m.misses.length ? ` (misses: ${m.misses.join('; ')})` : ''}. Cells not separable by level that still stopped: ${m.otherCellsStopped}.${m.errors.length ? ` Errors: ${m.errors.join('; ')}.` : ''}`, '');
  return lines.join('\n');
}
