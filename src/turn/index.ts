// `earshot/turn`: end-of-turn helpers beyond the core's `eouDelaySec`: a text heuristic
// turn detector and an endpoint silence learned from the user's pauses. Their own entry
// point so the core stays within its size budget; the Smart Turn model detector is in
// `earshot/smart-turn`.
export {
  TextTurnDetector,
  DEFAULT_CONTINUATION_WORDS,
  DEFAULT_FILLER_WORDS,
  DEFAULT_TEXT_TURN_PROBABILITIES,
  type TextTurnDetectorOptions,
  type TextTurnProbabilities,
  type TurnDetector,
  type TurnDetectorInput,
} from './turn-detector';
export { eouDelaySec, validateEouConfig, type EouPolicyConfig } from './eou-policy';
export { DynamicPauses, type DynamicPausesOptions } from './dynamic-pauses';
export { dynamicEndpointing, DynamicEndpoint } from './dynamic-endpoint';
