// The local provider server's `ttsLevelDb` (control config): the agent's voice at a known
// level, which the barge-in matrix (e2e and bench figure 3) relies on.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useProviderServer } from '../test-server';

const hasEspeak = spawnSync('espeak-ng', ['--version']).status === 0;
const server = useProviderServer();

async function synthesize(): Promise<Buffer> {
  const res = await fetch(`${server.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini-tts', input: 'Every night it polished the great lamp.', voice: 'alloy', response_format: 'pcm' }),
  });
  return Buffer.from(await res.arrayBuffer());
}

async function speechDb(): Promise<number> {
  const bytes = await synthesize();
  // RMS of the 10 ms windows within 30 dB of the loudest, as the server measures it.
  const powers: number[] = [];
  for (let i = 0; i + 480 <= bytes.length >> 1; i += 240) {
    let sum = 0;
    for (let k = i; k < i + 240; k++) sum += (bytes.readInt16LE(2 * k) / 32768) ** 2;
    powers.push(sum / 240);
  }
  const loudest = Math.max(...powers);
  const speech = powers.filter((p) => p > 0 && p >= loudest * 1e-3);
  return 10 * Math.log10(speech.reduce((a, b) => a + b, 0) / speech.length);
}

describe('local provider server: ttsLevelDb', () => {
  it.skipIf(!hasEspeak)('puts the speech RMS at the configured level', async () => {
    const natural = await speechDb();
    server.handler.configure({ ttsLevelDb: -25 });
    expect(await speechDb()).toBeCloseTo(-25, 0);
    // Quieter than espeak-ng's own level too, and back to it with null.
    server.handler.configure({ ttsLevelDb: natural - 10 });
    expect(await speechDb()).toBeCloseTo(natural - 10, 0);
    server.handler.configure({ ttsLevelDb: null });
    expect(await speechDb()).toBeCloseTo(natural, 1);
  });
});

describe('local provider server: ttsUnderlayDb', () => {
  it.skipIf(!hasEspeak)('lays a steady tone under the voice: no 10 ms window of the response is below it, and null removes it', async () => {
    /** RMS of the quietest 10 ms window, dBFS. */
    const quietestDb = (bytes: Buffer) => {
      let min = Infinity;
      for (let i = 0; i + 240 <= bytes.length >> 1; i += 240) {
        let sum = 0;
        for (let k = i; k < i + 240; k++) sum += (bytes.readInt16LE(2 * k) / 32768) ** 2;
        min = Math.min(min, sum / 240);
      }
      return 10 * Math.log10(min || 1e-12);
    };
    expect(quietestDb(await synthesize())).toBeLessThan(-60); // espeak-ng's pauses are silent
    server.handler.configure({ ttsUnderlayDb: -36 });
    expect(quietestDb(await synthesize())).toBeGreaterThan(-38);
    server.handler.configure({ ttsUnderlayDb: null });
    expect(quietestDb(await synthesize())).toBeLessThan(-60);
  });
});
