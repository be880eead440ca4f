import type { OtlpReceiver, ReceivedSpan } from './server.mjs';
export function parseOtlpTraces(body: unknown): ReceivedSpan[];
export function createOtlpReceiver(): OtlpReceiver;
