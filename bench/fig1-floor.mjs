// Figure 1's floor (`--only=fetchFloor`, or with --explain): what one request costs on this
// machine before any SDK code runs, so the glue's "network and server" part can be read against
// it. From a bench page, paced like the turns of figure 1 (one request every 150 ms):
//   bare GET:  a GET with no body to a bare Node server on its own port, answered at once
//   bare:      a 48 KB POST to the same server, answered at once
//   bare 50:   the same answered after a 50 ms timer (the configured delays are timers)
//   stand-in:  the same upload as OpenAISTT's multipart WAV to the Vite-mounted stand-in's
//              /v1/audio/transcriptions, scripted with a 50 ms delay (figure 1's STT request)
// Each: fetch() call → body read, in the page (median / p95, ms), and the server's own time.
import { createServer } from 'node:http';
import { control, launch, openPage } from './lib/env.mjs';
import { summary } from './lib/stats.mjs';

export async function runFetchFloor({ quick, log }) {
  const n = quick ? 20 : 60;
  const bare = createServer((req, res) => {
    const t0 = performance.now();
    req.resume();
    req.on('end', () => {
      const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
      const send = () => {
        // text/plain and no custom request header: a simple CORS request, no preflight.
        res.writeHead(200, { 'access-control-allow-origin': '*', 'timing-allow-origin': '*', 'server-timing': `app;dur=${(performance.now() - t0).toFixed(2)}`, 'content-type': 'application/json' });
        res.end('{"text":"ok"}');
      };
      if (delay) setTimeout(send, delay);
      else send();
    });
  });
  await new Promise((r) => bare.listen(0, '127.0.0.1', r));
  const bareUrl = `http://127.0.0.1:${bare.address().port}/`;
  await control('reset', {});
  await control('script', { stt: Array.from({ length: n }, () => ({ text: 'ok', delayMs: 50 })) });
  const browser = await launch();
  try {
    const page = await openPage(browser, '/bench/pages/bench.html', log);
    const runs = await page.evaluate(async ({ n, bareUrl }) => {
      const pause = (ms) => new Promise((r) => setTimeout(r, ms));
      // 1.5 s of 16 kHz audio as OpenAISTT uploads it (its own multipart builder, from src/).
      const { formWithWav } = await import('/src/providers/stt/openai.ts');
      const upload = formWithWav(new Float32Array(24000), 16000, [['model', 'gpt-4o-mini-transcribe'], ['response_format', 'json']]);
      const kinds = {
        bareGet: () => fetch(bareUrl),
        bare: () => fetch(bareUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: upload.body }),
        bare50: () => fetch(`${bareUrl}?delay=50`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: upload.body }),
        standIn: () => fetch(`${location.origin}/local-ai/v1/audio/transcriptions`, { method: 'POST', headers: { authorization: 'Bearer sk-local-bench-key', 'content-type': upload.contentType }, body: upload.body }),
      };
      const out = {};
      for (const [kind, go] of Object.entries(kinds)) {
        out[kind] = { wallMs: [], serverMs: [], requestToEndMs: [] };
        performance.clearResourceTimings();
        for (let i = 0; i < n; i++) {
          await pause(150);
          const t = performance.now();
          const res = await go();
          await res.text();
          out[kind].wallMs.push(performance.now() - t);
        }
        for (const e of performance.getEntriesByType('resource')) {
          out[kind].serverMs.push(e.serverTiming?.find((s) => s.name === 'app')?.duration ?? NaN);
          out[kind].requestToEndMs.push(e.requestStart > 0 ? e.responseEnd - e.requestStart : NaN);
        }
      }
      return out;
    }, { n, bareUrl });
    const fig = { requests: n, paceMs: 150 };
    for (const [kind, r] of Object.entries(runs)) {
      fig[kind] = { wallMs: summary(r.wallMs), serverMs: summary(r.serverMs.filter(Number.isFinite)), requestToEndMs: summary(r.requestToEndMs.filter(Number.isFinite)) };
    }
    log(`  fetch floor (${n} each): bare GET ${fig.bareGet.wallMs.median} / ${fig.bareGet.wallMs.p95} ms, bare POST ${fig.bare.wallMs.median} / ${fig.bare.wallMs.p95} ms, bare + 50 ms timer ${fig.bare50.wallMs.median} / ${fig.bare50.wallMs.p95}, stand-in (50 ms) ${fig.standIn.wallMs.median} / ${fig.standIn.wallMs.p95} (its own time, the delay included: ${fig.standIn.serverMs.median} ms)`);
    return fig;
  } finally {
    await browser.close();
    bare.close();
  }
}
