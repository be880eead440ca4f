// `earshot/json-schema`: the JSON Schema validator function tools use for their arguments
// (no eval / new Function, so it works under a strict CSP). The core loads it on demand
// when a tool is defined with a JSON Schema; apps and other entries (MCP) may use it directly.
export { compileJsonSchema, JsonSchemaError, type JsonSchemaResult, type JsonSchemaValidator } from '../tools/json-schema';
