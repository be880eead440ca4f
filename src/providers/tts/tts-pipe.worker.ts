// The TTS audio worker: fetches a PCM TTS request, decodes it and posts the samples straight
// to the mixer worklet's port, so a blocked main thread cannot starve playback (issue 9). A
// copy goes back to the main thread for accounting (which text was heard), where it may lag.
// The worklet resamples, as for audio pushed from the main thread.
import type { MixerCommand } from '../../audio/worklet-protocol';
import { ProviderError } from '../errors';
import { fetchPcm } from './pcm-fetch';
import type { PipeCommand, PipeEvent } from './pipe-protocol';

interface WorkerScope {
  postMessage(message: PipeEvent, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<PipeCommand>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const ports = new Map<number, MessagePort>();
const jobs = new Map<number, { abort: AbortController; end: boolean; finished: boolean; port: MessagePort | undefined; stream: number }>();

const toMixer = (port: MessagePort | undefined, cmd: MixerCommand, transfer: Transferable[] = []) => port?.postMessage(cmd, transfer);

async function run(cmd: Extract<PipeCommand, { type: 'job' }>): Promise<void> {
  const state = { abort: new AbortController(), end: false, finished: false, port: ports.get(cmd.mixer), stream: cmd.stream };
  jobs.set(cmd.job, state);
  const signal = state.abort.signal;
  try {
    for await (const samples of fetchPcm(cmd.request, signal, (meta) => scope.postMessage({ type: 'meta', job: cmd.job, meta }))) {
      if (signal.aborted) break;
      const copy = samples.slice();
      toMixer(state.port, { type: 'push', id: cmd.stream, bus: 'voice', samples: copy, rate: cmd.rate }, [copy.buffer]);
      scope.postMessage({ type: 'audio', job: cmd.job, samples }, [samples.buffer]);
    }
    if (!signal.aborted) scope.postMessage({ type: 'done', job: cmd.job });
  } catch (err) {
    if (signal.aborted) return;
    const e = err instanceof ProviderError ? err : new ProviderError('provider-protocol', cmd.request.provider, String(err));
    scope.postMessage({
      type: 'error',
      job: cmd.job,
      // The message without the "provider: " prefix the constructor adds again on the main thread.
      error: { code: e.code, message: e.message.slice(e.provider.length + 2), retryable: e.retryable, ...(e.status !== undefined ? { status: e.status } : {}), ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}), ...(e.requestId ? { requestId: e.requestId } : {}) },
    });
  } finally {
    state.finished = true;
    if (state.end && !signal.aborted) toMixer(state.port, { type: 'end', id: cmd.stream });
    jobs.delete(cmd.job);
  }
}

scope.onmessage = (e) => {
  const cmd = e.data;
  if (cmd.type === 'port') ports.set(cmd.mixer, cmd.port);
  else if (cmd.type === 'job') void run(cmd);
  else if (cmd.type === 'end-stream') toMixer(ports.get(cmd.mixer), { type: 'end', id: cmd.stream });
  else {
    const state = jobs.get(cmd.job);
    if (!state) return;
    if (cmd.type === 'abort') state.abort.abort();
    else state.end = true;
  }
};
