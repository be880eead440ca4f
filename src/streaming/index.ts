// `earshot/streaming`: how an AgentSession listens with a streaming STT (frames up while the
// user speaks, the transcript back, endpointing by the VAD or the provider, words in
// barge-in). Earshot's streaming providers carry it already; a custom StreamingSTT sets
// `userInput: streamingUserInput`. Its own entry point, so apps with a batch STT do not
// download it.
import type { StreamingInputFactory } from '../session/streaming';
import { StreamingUserInput } from '../session/streaming-input';

export const streamingUserInput: StreamingInputFactory = (host) => new StreamingUserInput(host);
export type { StreamingHost, StreamingInput, StreamingInputFactory } from '../session/streaming';
