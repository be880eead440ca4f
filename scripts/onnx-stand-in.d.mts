/** The Smart Turn v3 stand-in's ONNX bytes: `input_features` [1, 80, 800] → `logits` [1, 1] = sigmoid(mean) (or the mean, `sigmoid: false`). */
export function standInSmartTurnModel(options?: { sigmoid?: boolean }): Uint8Array;
