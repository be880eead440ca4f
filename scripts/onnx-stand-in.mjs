#!/usr/bin/env node
// A stand-in for the Smart Turn v3 model, written as ONNX protobuf by hand (no model can be
// downloaded here, and no binary is committed): the same signature, input `input_features`
// float32 [1, 80, 800] → output `logits` float32 [1, 1], computing sigmoid(mean of the
// features) (or the plain mean with { sigmoid: false }, a model that outputs a logit).
// Smart Turn v3 names its output `logits` though it holds a probability (its export wraps
// the classifier's sigmoid); the stand-in does the same.
//   node scripts/onnx-stand-in.mjs out.onnx [--logit]
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Protobuf wire format: a key is (field << 3 | wire type); 0 = varint, 2 = length-delimited.
function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
const int = (field, n) => [...varint((field << 3) | 0), ...varint(n)];
const bytes = (field, payload) => [...varint((field << 3) | 2), ...varint(payload.length), ...payload];
const str = (field, s) => bytes(field, [...new TextEncoder().encode(s)]);

// onnx.proto field numbers.
const FLOAT = 1; // TensorProto.DataType
const ATTR_INT = 2;
const ATTR_INTS = 7;

function valueInfo(name, dims) {
  const shape = dims.flatMap((d) => bytes(1, int(1, d))); // TensorShapeProto.dim { dim_value }
  const tensorType = [...int(1, FLOAT), ...bytes(2, shape)]; // elem_type, shape
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))]; // name, type { tensor_type }
}

function node(op, inputs, outputs, attributes = []) {
  return [...inputs.flatMap((i) => str(1, i)), ...outputs.flatMap((o) => str(2, o)), ...str(3, `${op}_${outputs[0]}`), ...str(4, op), ...attributes.flatMap((a) => bytes(5, a))];
}
const intsAttr = (name, values) => [...str(1, name), ...values.flatMap((v) => int(8, v)), ...int(20, ATTR_INTS)];
const intAttr = (name, value) => [...str(1, name), ...int(3, value), ...int(20, ATTR_INT)];

/**
 * The stand-in model's bytes. Opset 13 (ReduceMean still takes `axes` as an attribute).
 * The mean over [80, 800] is the mean over frames, then over bins (equal counts).
 */
export function standInSmartTurnModel({ sigmoid = true } = {}) {
  const output = 'logits';
  const nodes = [
    node('ReduceMean', ['input_features'], ['per_bin'], [intsAttr('axes', [2]), intAttr('keepdims', 0)]), // [1, 80]
    node('ReduceMean', ['per_bin'], [sigmoid ? 'mean' : output], [intsAttr('axes', [1]), intAttr('keepdims', 1)]), // [1, 1]
    ...(sigmoid ? [node('Sigmoid', ['mean'], [output])] : []),
  ];
  const graph = [
    ...nodes.flatMap((n) => bytes(1, n)),
    ...str(2, 'smart-turn-stand-in'),
    ...bytes(11, valueInfo('input_features', [1, 80, 800])),
    ...bytes(12, valueInfo(output, [1, 1])),
  ];
  // ir_version first: its key byte (0x08) is what Earshot's asset check expects an ONNX file to start with.
  const model = [...int(1, 8), ...str(2, 'earshot-stand-in'), ...bytes(7, graph), ...bytes(8, int(2, 13))];
  return new Uint8Array(model);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node scripts/onnx-stand-in.mjs out.onnx [--logit]');
    process.exit(2);
  }
  writeFileSync(out, standInSmartTurnModel({ sigmoid: !process.argv.includes('--logit') }));
  console.log(`onnx-stand-in: wrote ${out}`);
}
