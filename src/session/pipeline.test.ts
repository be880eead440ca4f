import { dynamicEndpointing } from '../turn/dynamic-endpoint';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import type { LLM, STT, StreamingSTT, TTS } from '../providers/types';
import { DEFAULT_INTERRUPT_CONFIG } from '../turn/barge-in';
import { SileroVAD } from '../vad/silero-vad';
import { streamingUserInput } from '../streaming/index';
import { DEFAULT_EOU_CONFIG, Pipeline, type PipelineOptions } from './pipeline';

const stt: STT = {
  label: 'fake:stt',
  async *transcribe() {
    yield { type: 'final', text: 'hi' };
  },
};
const llm: LLM = {
  label: 'fake:llm',
  async *chat() {
    yield { type: 'text', delta: 'hello' };
  },
};
const tts: TTS = {
  label: 'fake:tts',
  sampleRate: 24000,
  async *synthesize() {
    yield new Float32Array(240);
  },
};

/** A stub VAD: the pipeline only stores it. */
const vad = {} as unknown as SileroVAD;

function make(options: Partial<PipelineOptions> = {}): Pipeline {
  return new Pipeline({ stt, llm, tts, vad, ...options });
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('config-invalid');
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('Pipeline: stages', () => {
  it('keeps the given stages', () => {
    const p = make();
    expect(p.stt).toBe(stt);
    expect(p.llm).toBe(llm);
    expect(p.tts).toBe(tts);
    expect(p.vad).toBe(vad);
  });

  it('throws ConfigError naming every missing stage (for JavaScript callers; the type requires them)', () => {
    // @ts-expect-error stt, llm and tts are required
    expect(configError(() => new Pipeline({})).message).toMatch(/missing: stt, llm, tts\)/);
    // @ts-expect-error a stage is missing
    expect(configError(() => new Pipeline({ llm, tts })).message).toMatch(/missing: stt\)/);
    // @ts-expect-error a stage is missing
    expect(configError(() => new Pipeline({ stt, tts })).message).toMatch(/missing: llm\)/);
    // @ts-expect-error a stage is missing
    expect(configError(() => new Pipeline({ stt, llm })).message).toMatch(/missing: tts\)/);
    // @ts-expect-error a stage is missing
    expect(configError(() => new Pipeline({ llm })).message).toMatch(/missing: stt, tts\)/);
  });

  it('a missing-stage message does not name stages that are present', () => {
    // @ts-expect-error tts is missing
    const msg = configError(() => new Pipeline({ stt, llm })).message;
    expect(msg).toMatch(/missing: tts\)$/);
    expect(msg.slice(msg.indexOf('missing'))).not.toMatch(/stt|llm/);
  });

  it('takes time limits and the TTS lead, with defaults, and rejects negative ones', () => {
    const p = new Pipeline({ stt, llm, tts, timeouts: { sttMs: 500, toolMs: 0 }, ttsLeadSec: 4 });
    expect(p.timeouts).toEqual({ sttMs: 500, llmFirstTokenMs: 15_000, llmStallMs: 10_000, ttsFirstByteMs: 10_000, ttsStallMs: 10_000, toolMs: 0 });
    expect(p.ttsLeadSec).toBe(4);
    expect(new Pipeline({ stt, llm, tts }).ttsLeadSec).toBe(10);
    expect(configError(() => new Pipeline({ stt, llm, tts, timeouts: { llmStallMs: -1 } })).message).toMatch(/timeouts.llmStallMs/);
    expect(configError(() => new Pipeline({ stt, llm, tts, ttsLeadSec: 0 })).message).toMatch(/ttsLeadSec/);
  });

  it('defaults to a SileroVAD when none is given (constructible in Node)', () => {
    const p = new Pipeline({ stt, llm, tts });
    expect(p.vad).toBeInstanceOf(SileroVAD);
  });
});

describe('Pipeline: defaults and merging', () => {
  it('defaults eou, interrupt, audio and maxToolSteps', () => {
    const p = make();
    expect(p.eou).toEqual(DEFAULT_EOU_CONFIG);
    expect(p.interrupt).toEqual(DEFAULT_INTERRUPT_CONFIG);
    expect(p.audio).toEqual({});
    expect(p.maxToolSteps).toBe(8);
  });

  it('does not share (or mutate) the default config objects', () => {
    const p = make({ interrupt: { minInterruptionMs: 450 }, eou: { eouCertaintyThreshold: 0.5 } });
    expect(p.interrupt).not.toBe(DEFAULT_INTERRUPT_CONFIG);
    expect(p.eou).not.toBe(DEFAULT_EOU_CONFIG);
    expect(DEFAULT_INTERRUPT_CONFIG.minInterruptionMs).toBe(300);
    expect(DEFAULT_EOU_CONFIG.eouCertaintyThreshold).toBe(0.75);
  });

  it('merges a partial interrupt override over the defaults', () => {
    const p = make({ interrupt: { minInterruptionMs: 500, echoRatio: 0 } });
    expect(p.interrupt).toEqual({ ...DEFAULT_INTERRUPT_CONFIG, minInterruptionMs: 500, echoRatio: 0 });
    expect(p.interrupt.mode).toBe('HYBRID');
    expect(p.interrupt.releaseFrames).toBe(2);
  });

  it('merges a partial eou override over the defaults', () => {
    const p = make({ eou: { minMaxSpeechWaitTimeout: [0.2, 1.5] } });
    expect(p.eou).toEqual({ endpointing: 'vad', mode: 'DEFAULT', minMaxSpeechWaitTimeout: [0.2, 1.5], eouCertaintyThreshold: 0.75 });
    const q = make({ eou: { mode: 'ADAPTIVE' } });
    expect(q.eou.mode).toBe('ADAPTIVE');
    expect(q.eou.minMaxSpeechWaitTimeout).toEqual([0, 0.8]);
  });

  it('keeps audio and maxToolSteps when given', () => {
    const audio = { levelIntervalMs: 50 } as unknown as PipelineOptions['audio'];
    const p = make({ audio, maxToolSteps: 3 });
    expect(p.audio).toBe(audio);
    expect(p.maxToolSteps).toBe(3);
  });
});

describe('Pipeline: validation', () => {
  it('rejects minMaxSpeechWaitTimeout with max < min', () => {
    configError(() => make({ eou: { minMaxSpeechWaitTimeout: [0.8, 0.5] } }));
  });

  it('rejects a negative minMaxSpeechWaitTimeout', () => {
    configError(() => make({ eou: { minMaxSpeechWaitTimeout: [-0.1, 0.5] } }));
    configError(() => make({ eou: { minMaxSpeechWaitTimeout: [-1, -0.5] } }));
  });

  it('rejects NaN in minMaxSpeechWaitTimeout', () => {
    configError(() => make({ eou: { minMaxSpeechWaitTimeout: [Number.NaN, 1] } }));
    configError(() => make({ eou: { minMaxSpeechWaitTimeout: [0, Number.NaN] } }));
  });

  it('accepts min = max and zero waits', () => {
    expect(make({ eou: { minMaxSpeechWaitTimeout: [0, 0] } }).eou.minMaxSpeechWaitTimeout).toEqual([0, 0]);
    expect(make({ eou: { minMaxSpeechWaitTimeout: [0.5, 0.5] } }).eou.minMaxSpeechWaitTimeout).toEqual([0.5, 0.5]);
  });

  it('rejects minInterruptionMs <= 0', () => {
    expect(configError(() => make({ interrupt: { minInterruptionMs: 0 } })).message).toMatch(/minInterruptionMs/);
    configError(() => make({ interrupt: { minInterruptionMs: -100 } }));
    configError(() => make({ interrupt: { minInterruptionMs: Number.NaN } }));
    expect(make({ interrupt: { minInterruptionMs: 1 } }).interrupt.minInterruptionMs).toBe(1);
  });

  it('rejects minConfidence outside [0, 1]', () => {
    expect(configError(() => make({ interrupt: { minConfidence: -0.01 } })).message).toMatch(/minConfidence/);
    configError(() => make({ interrupt: { minConfidence: 1.01 } }));
    configError(() => make({ interrupt: { minConfidence: Number.NaN } }));
  });

  it('accepts minConfidence at the bounds', () => {
    expect(make({ interrupt: { minConfidence: 0 } }).interrupt.minConfidence).toBe(0);
    expect(make({ interrupt: { minConfidence: 1 } }).interrupt.minConfidence).toBe(1);
  });
});

describe('Pipeline: batch or streaming STT, and who ends the turn', () => {
  const streaming: StreamingSTT = {
    label: 'fake:stream',
    sampleRate: 16000,
    stream: () => Object.assign((async function* () {})(), { finalize: () => undefined }),
    userInput: streamingUserInput,
  };

  it('tells a batch STT from a streaming one', () => {
    const b = make();
    expect(b.batchStt).toBe(stt);
    expect(b.streamingStt).toBeNull();
    const s = make({ stt: streaming });
    expect(s.streamingStt).toBe(streaming);
    expect(s.batchStt).toBeNull();
  });

  it("endpointing 'stt' needs a streaming STT; 'vad' is the default", () => {
    expect(make().eou.endpointing).toBe('vad');
    const learner = dynamicEndpointing();
    expect(make({ eou: { endpointing: learner } }).eou.endpointing).toBe(learner); // any STT
    expect(configError(() => make({ eou: { endpointing: 'dynamic' as 'vad' } })).message).toMatch(/dynamicEndpointing\(\)/);
    expect(make({ stt: streaming, eou: { endpointing: 'stt' } }).eou.endpointing).toBe('stt');
    expect(configError(() => make({ eou: { endpointing: 'stt' } })).message).toMatch(/streaming STT/);
    configError(() => make({ eou: { endpointing: 'silence' as 'vad' } }));
    expect(configError(() => make({ stt: { ...streaming, sampleRate: 8000 } })).message).toMatch(/16 kHz/);
    // A custom streaming STT must say how the session listens with it.
    expect(configError(() => make({ stt: { ...streaming, userInput: undefined } })).message).toMatch(/streamingUserInput from 'earshot\/streaming'/);
  });

  it('rejects an STT with neither transcribe() nor stream(), and bad interrupt settings', () => {
    expect(configError(() => make({ stt: { label: 'x' } as unknown as STT })).message).toMatch(/transcribe\(\) \(batch\) or stream\(\)/);
    configError(() => make({ interrupt: { mode: 'STT' as 'STT_ONLY' } }));
    configError(() => make({ interrupt: { minWords: -1 } }));
    configError(() => make({ interrupt: { minWords: 1.5 } }));
    configError(() => make({ interrupt: { backchannels: 'yeah' as unknown as string[] } }));
    expect(make({ interrupt: { minWords: 2, backchannels: ['ja'] } }).interrupt).toMatchObject({ minWords: 2, backchannels: ['ja'] });
  });
});
