// The per-turn report names each stage's request: the id the server sent back (`x-request-id`)
// and the model, for STT, LLM and TTS, against the local server (real fetch); a fallback
// chain passes on its serving member's.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FallbackLLM } from '../fallback';
import { TurnReporter } from '../observe';
import { OpenAILLM } from '../providers/llm/openai';
import { OpenAISTT } from '../providers/stt/openai';
import { OpenAITTS } from '../providers/tts/openai';
import { useProviderServer } from '../providers/test-server';
import { kit } from './session-test-kit';

const hasEspeak = spawnSync('espeak-ng', ['--version']).status === 0;
const server = useProviderServer();
const auth = { apiKey: 'sk-test-0123456789' };

const ids = (route: string) =>
  server.handler
    .log()
    .requests.filter((r) => r.route.includes(route) && r.status === 200)
    .map((r) => r.id);

describe.skipIf(!hasEspeak)('request ids per stage', () => {
  it('the turn metrics (and the TurnReporter) carry each stage\'s request id and model', async () => {
    const baseURL = `${server.url}/v1`;
    server.handler.script({ stt: [{ text: 'What is the weather?' }], llm: [{ text: 'Sunny all day.' }] });
    const k = kit({
      realTime: true,
      stt: new OpenAISTT({ ...auth, baseURL, model: 'whisper-1' }),
      llm: new OpenAILLM({ ...auth, baseURL, model: 'gpt-test' }),
      tts: new OpenAITTS({ ...auth, baseURL, model: 'tts-test' }),
    });
    const reporter = new TurnReporter(k.session);
    try {
      await k.session.start();
      void k.vad.speak(0.6);
      await k.until(() => (k.events.metrics_collected?.length ?? 0) > 0 && k.session.agentState === 'idle', 20_000);
      const requests = k.events.metrics_collected![0]!.turn.requests;
      const [stt] = ids('/audio/transcriptions');
      const [llm] = ids('/chat/completions');
      const [tts] = ids('/audio/speech');
      expect(stt).toMatch(/^req_[0-9a-f]{32}$/);
      expect(requests).toEqual({ stt: { requestId: stt, model: 'whisper-1' }, llm: { requestId: llm, model: 'gpt-test' }, tts: { requestId: tts, model: 'tts-test' } });
      expect(reporter.reports[0]!.metrics!.requests.llm!.requestId).toBe(llm);
    } finally {
      reporter.dispose();
      await k.session.close();
    }
  }, 30_000);

  it('a fallback chain reports the request of the member that served', async () => {
    const baseURL = `${server.url}/v1`;
    server.handler.script({ llm: [{ fault: { kind: 'status', status: 503 } }, { text: 'From b.' }] });
    const llm = new FallbackLLM([new OpenAILLM({ ...auth, baseURL, model: 'model-a', maxRetries: 0 }), new OpenAILLM({ ...auth, baseURL, model: 'model-b', maxRetries: 0 })]);
    const k = kit({ realTime: true, llm });
    try {
      await k.session.start();
      void k.vad.speak(0.6);
      await k.until(() => (k.events.metrics_collected?.length ?? 0) > 0, 20_000);
      const served = server.handler.log().requests.filter((r) => r.route.includes('/chat/completions'));
      expect(served).toHaveLength(2);
      expect(served[0]!.status).toBe(503);
      expect(k.events.metrics_collected![0]!.turn.requests.llm).toEqual({ requestId: served[1]!.id, model: 'model-b' });
    } finally {
      await k.session.close();
    }
  }, 30_000);
});
