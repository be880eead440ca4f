// espeak-ng as the local TTS: text in, s16le mono 24 kHz PCM out, cached per voice/speed/text.
import { spawn } from 'node:child_process';
import { parseWav, resampleS16 } from '../scripts/wav.mjs';

export const TTS_RATE = 24000;
const ESPEAK_PITCH = { alloy: 50, ash: 35, ballad: 45, coral: 65, echo: 40, fable: 55, onyx: 25, nova: 70, sage: 60, shimmer: 75, verse: 45, marin: 62, cedar: 38 };

/**
 * @param {string} [espeak] The command (default `espeak-ng`).
 * @returns {(text: string, voice: string, speed: number) => Promise<Buffer>}
 */
export function createEspeak(espeak = 'espeak-ng') {
  const ttsCache = new Map(); // `${voice}|${speed}|${text}` -> Promise<Buffer>; survives resets
  return function espeakPcm(text, voice, speed) {
    const key = `${voice}|${speed}|${text}`;
    let p = ttsCache.get(key);
    if (!p) {
      p = new Promise((resolve, reject) => {
        const rate = String(Math.round(Math.min(450, Math.max(80, 165 * speed))));
        const pitch = String(ESPEAK_PITCH[voice] ?? 50);
        // Text goes through stdin so a leading "-" can never be taken for an option.
        const child = spawn(espeak, ['--stdout', '-v', 'en-us', '-s', rate, '-p', pitch, '--stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
        const out = [];
        let err = '';
        child.stdout.on('data', (d) => out.push(d));
        child.stderr.on('data', (d) => { err += d; });
        child.on('error', (e) => reject(/** @type {any} */ (e).code === 'ENOENT' ? new Error(`${espeak} is not installed on the local provider server (apt-get install espeak-ng)`) : e));
        child.on('close', (code) => {
          if (code !== 0) return reject(new Error(`${espeak} exited with ${code}: ${err.trim()}`));
          try {
            const wav = parseWav(Buffer.concat(out));
            resolve(resampleS16(wav.data, wav.sampleRate, TTS_RATE));
          } catch (e) { reject(e); }
        });
        child.stdin.on('error', () => { /* reported through 'error'/'close' */ });
        child.stdin.end(text.replace(/\s+/g, ' '));
      });
      p.catch(() => ttsCache.delete(key));
      ttsCache.set(key, p);
      if (ttsCache.size > 200) ttsCache.delete(ttsCache.keys().next().value);
    }
    return p;
  };
}
