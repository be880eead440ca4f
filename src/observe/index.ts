// Public surface of `earshot/observe`: per-turn reports, OTLP traces and recording. Its own
// entry: none of it reaches the core bundle.
export { TurnReporter, type TurnReport, type ToolCallReport, type SessionSummary, type TurnReporterOptions } from './turn-report';
export { SessionTracer, type SessionTracerOptions } from './tracer';
export { otlpBody, type SpanData, type AttributeValue } from './otlp';
export { SessionRecorder, type SessionRecorderOptions, type Recording, type TranscriptEntry, type RecordableAudio, type RecordableSession } from './recorder';
