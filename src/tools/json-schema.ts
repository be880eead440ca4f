/**
 * A small JSON Schema validator for tool arguments, so the core bundle needs no schema
 * library. It covers the subset LLM tool definitions use:
 *
 * - `type`: object, string, number, integer, boolean, array, null, or an array of these
 *   (`["string", "null"]`); OpenAPI's `nullable: true` also admits `null`
 * - objects: `properties`, `required`, `additionalProperties` (`false`, `true` or a schema),
 *   `default` (filled in for missing properties, on a copy: the input is never modified)
 * - arrays: `items` (one schema, or an array of schemas checked by position),
 *   `minItems`, `maxItems`
 * - numbers: `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` (numbers, or the
 *   draft-4 booleans)
 * - strings: `minLength`, `maxLength` (in code points), `pattern` (unanchored, like JSON Schema)
 * - any value: `enum`, `const`, `anyOf`, `oneOf`
 * - `true` / `false` as schemas
 *
 * Other keywords (`description`, `title`, `format`, `$ref`, ...) are ignored: they still reach
 * the LLM, they are just not checked here. Malformed schemas (an unknown type name, a bad
 * `pattern`, `required` that is not a list of strings, ...) throw at compile time.
 */

/** The outcome of a compiled validator. `value` is a copy with defaults filled in. */
export type JsonSchemaResult = { ok: true; value: unknown } | { ok: false; error: string };

/** Validates one value; never throws and never modifies `value`. */
export type JsonSchemaValidator = (value: unknown) => JsonSchemaResult;

/** Thrown by {@link compileJsonSchema} for a schema it cannot use; `message` names the keyword. */
export class JsonSchemaError extends Error {
  override name = 'JsonSchemaError';
}

type Path = (string | number)[];
interface Issue {
  path: Path;
  message: string;
}
/** Checks `value` at `path`; pushes issues; returns the value with defaults filled in. */
type Check = (value: unknown, path: Path, issues: Issue[]) => unknown;

const TYPES = new Set(['object', 'string', 'number', 'integer', 'boolean', 'array', 'null']);
/** At most this many issues are reported, so an error message stays readable. */
const MAX_ISSUES = 10;

/**
 * Compiles `schema` into a validator. Throws a {@link JsonSchemaError} when the schema itself
 * is malformed. Error messages name the path of the offending value, e.g.
 * `city: expected string, got number` or `items.2.id: required property is missing`.
 */
export function compileJsonSchema(schema: unknown): JsonSchemaValidator {
  const check = compile(schema, '');
  return (value) => {
    const issues: Issue[] = [];
    const out = check(value, [], issues);
    if (issues.length === 0) return { ok: true, value: out };
    const shown = issues.slice(0, MAX_ISSUES).map(formatIssue);
    if (issues.length > MAX_ISSUES) shown.push(`(${issues.length - MAX_ISSUES} more)`);
    return { ok: false, error: shown.join('; ') };
  };
}

function formatIssue({ path, message }: Issue): string {
  return path.length ? `${path.join('.')}: ${message}` : message;
}

function compile(schema: unknown, at: string): Check {
  if (schema === true) return (v) => v;
  if (schema === false) return (v, path, issues) => (issues.push({ path, message: 'no value is allowed here' }), v);
  if (!isPlainObject(schema)) throw bad(at, 'a schema must be an object or a boolean');

  const checks: Check[] = [];
  const s = schema;
  let typeCheck: Check | undefined;

  // type (+ nullable)
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (types.length === 0) throw bad(key(at, 'type'), 'must not be empty');
    for (const t of types) {
      if (typeof t !== 'string' || !TYPES.has(t)) throw bad(key(at, 'type'), `unknown type ${JSON.stringify(t)}`);
    }
    const allowed = (s.nullable === true && !types.includes('null') ? [...types, 'null'] : types) as string[];
    const expected = allowed.join(' or ');
    typeCheck = (v, path, issues) => {
      if (!allowed.some((t) => hasType(v, t))) issues.push({ path, message: `expected ${expected}, got ${typeName(v)}` });
      return v;
    };
  }

  // enum, const
  if (s.enum !== undefined) {
    if (!Array.isArray(s.enum) || s.enum.length === 0) throw bad(key(at, 'enum'), 'must be a non-empty array');
    const options = s.enum as unknown[];
    const list = options.map(show).join(', ');
    checks.push((v, path, issues) => {
      if (!options.some((o) => deepEqual(o, v))) issues.push({ path, message: `expected one of ${list}, got ${show(v)}` });
      return v;
    });
  }
  if ('const' in s) {
    const c = s.const;
    checks.push((v, path, issues) => {
      if (!deepEqual(c, v)) issues.push({ path, message: `expected ${show(c)}, got ${show(v)}` });
      return v;
    });
  }

  // numbers
  let min = numberKeyword(s, 'minimum', at);
  let max = numberKeyword(s, 'maximum', at);
  const exMin = exclusiveBound(s, 'exclusiveMinimum', min, at);
  const exMax = exclusiveBound(s, 'exclusiveMaximum', max, at);
  // Draft 4: `exclusiveMinimum: true` turns `minimum` into an exclusive bound.
  if (s.exclusiveMinimum === true) min = undefined;
  if (s.exclusiveMaximum === true) max = undefined;
  if (min !== undefined || max !== undefined || exMin !== undefined || exMax !== undefined) {
    checks.push((v, path, issues) => {
      if (typeof v !== 'number') return v;
      if (min !== undefined && v < min) issues.push({ path, message: `must be >= ${min}, got ${v}` });
      if (max !== undefined && v > max) issues.push({ path, message: `must be <= ${max}, got ${v}` });
      if (exMin !== undefined && v <= exMin) issues.push({ path, message: `must be > ${exMin}, got ${v}` });
      if (exMax !== undefined && v >= exMax) issues.push({ path, message: `must be < ${exMax}, got ${v}` });
      return v;
    });
  }

  // strings
  const minLength = countKeyword(s, 'minLength', at);
  const maxLength = countKeyword(s, 'maxLength', at);
  let pattern: RegExp | undefined;
  if (s.pattern !== undefined) {
    if (typeof s.pattern !== 'string') throw bad(key(at, 'pattern'), 'must be a string');
    pattern = toRegExp(s.pattern, key(at, 'pattern'));
  }
  if (minLength !== undefined || maxLength !== undefined || pattern) {
    checks.push((v, path, issues) => {
      if (typeof v !== 'string') return v;
      // JSON Schema counts code points, not UTF-16 units.
      const n = minLength !== undefined || maxLength !== undefined ? [...v].length : 0;
      if (minLength !== undefined && n < minLength) issues.push({ path, message: `must be at least ${minLength} characters long, got ${n}` });
      if (maxLength !== undefined && n > maxLength) issues.push({ path, message: `must be at most ${maxLength} characters long, got ${n}` });
      if (pattern && !pattern.test(v)) issues.push({ path, message: `must match the pattern ${pattern.source}` });
      return v;
    });
  }

  // arrays
  const minItems = countKeyword(s, 'minItems', at);
  const maxItems = countKeyword(s, 'maxItems', at);
  let items: Check | Check[] | undefined;
  if (s.items !== undefined) {
    items = Array.isArray(s.items)
      ? s.items.map((item, i) => compile(item, key(at, `items.${i}`)))
      : compile(s.items, key(at, 'items'));
  }
  if (minItems !== undefined || maxItems !== undefined || items) {
    checks.push((v, path, issues) => {
      if (!Array.isArray(v)) return v;
      if (minItems !== undefined && v.length < minItems) issues.push({ path, message: `must have at least ${itemCount(minItems)}, got ${v.length}` });
      if (maxItems !== undefined && v.length > maxItems) issues.push({ path, message: `must have at most ${itemCount(maxItems)}, got ${v.length}` });
      if (!items) return v;
      return v.map((item: unknown, i) => {
        const check = Array.isArray(items) ? items[i] : items;
        return check ? check(item, [...path, i], issues) : item;
      });
    });
  }

  // objects
  const objectCheck = compileObject(s, at);
  if (objectCheck) checks.push(objectCheck);

  // anyOf, oneOf: run after the other keywords, on their output (so both sets of defaults apply)
  for (const kw of ['anyOf', 'oneOf'] as const) {
    if (s[kw] === undefined) continue;
    const list = s[kw];
    if (!Array.isArray(list) || list.length === 0) throw bad(key(at, kw), 'must be a non-empty array');
    const branches = list.map((b, i) => compile(b, key(at, `${kw}.${i}`)));
    checks.push(combine(branches, kw === 'oneOf'));
  }

  return (value, path, issues) => {
    if (typeCheck) {
      // A value of the wrong type would only collect noise from the other keywords.
      const before = issues.length;
      typeCheck(value, path, issues);
      if (issues.length > before) return value;
    }
    let v = value;
    for (const c of checks) v = c(v, path, issues);
    return v;
  };
}

function compileObject(s: Record<string, unknown>, at: string): Check | undefined {
  let props: [string, Check, unknown][] = [];
  if (s.properties !== undefined) {
    if (!isPlainObject(s.properties)) throw bad(key(at, 'properties'), 'must be an object');
    props = Object.entries(s.properties).map(([name, sub]) => [
      name,
      compile(sub, key(at, `properties.${name}`)),
      isPlainObject(sub) && 'default' in sub ? sub.default : undefined,
    ]);
  }
  let required: string[] = [];
  if (s.required !== undefined) {
    if (!Array.isArray(s.required) || !s.required.every((r) => typeof r === 'string')) {
      throw bad(key(at, 'required'), 'must be an array of property names');
    }
    required = s.required as string[];
  }
  const extra = s.additionalProperties;
  let extraCheck: Check | undefined;
  if (extra !== undefined && extra !== true && extra !== false) extraCheck = compile(extra, key(at, 'additionalProperties'));
  if (props.length === 0 && required.length === 0 && extra === undefined) return undefined;

  const known = new Set(props.map(([name]) => name));
  const knownList = [...known].join(', ') || 'none';
  return (v, path, issues) => {
    if (!isPlainObject(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(v)) {
      if (known.has(name) || extra === undefined || extra === true) set(out, name, value);
      else if (extra === false) issues.push({ path: [...path, name], message: `unexpected property (allowed: ${knownList})` });
      else set(out, name, extraCheck?.(value, [...path, name], issues));
    }
    for (const [name, check, dflt] of props) {
      if (Object.hasOwn(v, name)) set(out, name, check(v[name], [...path, name], issues));
      else if (dflt !== undefined) set(out, name, structuredClone(dflt));
    }
    for (const name of required) {
      if (!Object.hasOwn(out, name)) issues.push({ path: [...path, name], message: 'required property is missing' });
    }
    return out;
  };
}

/** `anyOf` (`exactlyOne` false) or `oneOf` (true). The first matching option's output is kept. */
function combine(branches: Check[], exactlyOne: boolean): Check {
  return (v, path, issues) => {
    const failures: string[] = [];
    const matched: number[] = [];
    let result = v;
    branches.forEach((branch, i) => {
      const own: Issue[] = [];
      const out = branch(v, [], own);
      if (own.length > 0) failures.push(`option ${i + 1}: ${own.map(formatIssue).join(', ')}`);
      else if (matched.push(i + 1) === 1) result = out;
    });
    if (matched.length === 1 || (matched.length > 1 && !exactlyOne)) return result;
    issues.push({
      path,
      message: matched.length
        ? `matches more than one allowed schema (options ${matched.join(', ')})`
        : `does not match any allowed schema (${failures.join(' | ')})`,
    });
    return v;
  };
}

/** `out[name] = value`, also for a JSON key `__proto__` (which assignment would treat as the prototype). */
function set(out: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  else out[name] = value;
}

function hasType(v: unknown, t: string): boolean {
  switch (t) {
    case 'object':
      return isPlainObject(v);
    case 'array':
      return Array.isArray(v);
    case 'null':
      return v === null;
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      return typeof v === t;
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** A value as it appears in a message: JSON, shortened. */
function show(v: unknown): string {
  const text = v === undefined ? 'undefined' : JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function numberKeyword(s: Record<string, unknown>, kw: string, at: string): number | undefined {
  const v = s[kw];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(key(at, kw), 'must be a number');
  return v;
}

/** `exclusiveMinimum`/`exclusiveMaximum`: a number (draft 6+), or a boolean that makes `minimum`/`maximum` exclusive (draft 4). */
function exclusiveBound(s: Record<string, unknown>, kw: string, bound: number | undefined, at: string): number | undefined {
  const v = s[kw];
  if (typeof v === 'boolean') return v ? bound : undefined;
  return numberKeyword(s, kw, at);
}

function countKeyword(s: Record<string, unknown>, kw: string, at: string): number | undefined {
  const v = s[kw];
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || (v as number) < 0) throw bad(key(at, kw), 'must be a non-negative integer');
  return v as number;
}

function toRegExp(source: string, at: string): RegExp {
  // JSON Schema patterns are ECMA-262 with Unicode semantics; fall back for patterns that
  // only the legacy syntax accepts (e.g. `\_`).
  try {
    return new RegExp(source, 'u');
  } catch {
    try {
      return new RegExp(source);
    } catch (err) {
      throw bad(at, `invalid regular expression: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function itemCount(n: number): string {
  return n === 1 ? '1 item' : `${n} items`;
}

function key(at: string, k: string): string {
  return at ? `${at}.${k}` : k;
}

function bad(at: string, message: string): JsonSchemaError {
  return new JsonSchemaError(at ? `${at}: ${message}` : message);
}
