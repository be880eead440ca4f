// Stands in for the SDK's `validation/ajv-provider.js` in the library build (vite.config.ts):
// Earshot always passes its own validator (no eval, so a strict CSP keeps working), and Ajv
// compiles schemas with `new Function` and weighs ~35 KB gzip.
export class AjvJsonSchemaValidator {
  constructor() {
    throw new Error('earshot/mcp: pass a jsonSchemaValidator (Ajv is not bundled)');
  }
}
