// `earshot/smart-turn`: end of turn from the user's voice with the Smart Turn v3 model
// (BSD-2; you serve the .onnx file), on onnxruntime-web in a Worker of its own. Its own
// entry point: the model, ORT and the Whisper features are only for apps that want them.
export { SmartTurnDetector, type SmartTurnDetectorOptions } from './smart-turn-detector';
export { smartTurnFeatures, lastEightSeconds, readProbability, SMART_TURN_SAMPLES, SMART_TURN_SECONDS, type SmartTurnOutput } from './features';
export type { TurnDetector, TurnDetectorInput } from '../turn/turn-detector';
