// Type-only: the core bundle must not contain zod. A zod schema is used through its own
// methods (`toJSONSchema`, `safeParse`), from the copy of zod the app already bundles.
import type { ZodType } from 'zod';
import { ConfigError } from '../errors';
import type { JsonSchema, ToolSpec } from '../providers/types';
import type { AgentSession } from '../session/agent-session';
import { SCRIPT_URL } from '../assets';
import type { JsonSchemaValidator } from './json-schema';

/** What a tool's `execute` receives besides its arguments. */
export interface ToolContext {
  /** Aborts when the turn is interrupted (barge-in, `interrupt()`, close): stop work and fetches. */
  signal: AbortSignal;
  /** The LLM's id for this call, as recorded in the chat history. */
  callId: string;
  /** The running session (e.g. `ctx.session.say('One moment…')`). */
  session: AgentSession;
}

/**
 * A zod v4 schema (from `zod`, not `zod/mini`), matched by shape so that Earshot's published
 * types do not import zod, an optional peer: apps without zod compile, and with zod 4 the
 * tool's argument type `A` is the schema's output type.
 */
export interface ZodSchemaLike<A> {
  readonly _zod: { readonly output: A };
  safeParse(data: unknown): unknown;
  toJSONSchema(params?: { io?: 'input' | 'output' }): unknown;
}

/** The definition passed to {@link functionTool}. */
export interface FunctionToolDef<A> {
  /** `^[a-zA-Z0-9_-]{1,64}$` (OpenAI's rule). */
  name: string;
  /** Tells the LLM when and how to use the tool. */
  description: string;
  /** A zod v4 object schema, or a JSON Schema object (`type: 'object'`) used as given. */
  parameters: ZodSchemaLike<A> | JsonSchema;
  /**
   * Runs the tool. The result is sent to the LLM as JSON (a string becomes a JSON string,
   * `undefined` becomes `null`). Throwing sends `{"error": message}`.
   */
  execute(args: A, ctx: ToolContext): unknown | Promise<unknown>;
  /**
   * Limit for one call, ms; past it the call's `signal` aborts and the LLM gets an error
   * result. Default: the pipeline's `timeouts.toolMs` (30 000).
   */
  timeoutMs?: number;
}

/** Result of {@link FunctionTool.parse}. `error` is written for the LLM to read and retry. */
export type ParseResult<A> = { ok: true; args: A } | { ok: false; error: string };

/** A validated tool, as made by {@link functionTool}. */
export interface FunctionTool<A> {
  readonly name: string;
  readonly description: string;
  /** What the LLM sees; `parameters` is JSON Schema without `$schema`. */
  readonly spec: ToolSpec;
  /** Parses and validates the LLM's raw argument JSON. Empty text counts as `{}`. Never rejects. */
  parse(rawJson: string): Promise<ParseResult<A>>;
  /**
   * Resolves when the tool can validate arguments; rejects with a `ConfigError` for a JSON
   * Schema the validator cannot use (`session.start()` awaits it for the agent's tools).
   */
  readonly ready: Promise<void>;
  execute(args: A, ctx: ToolContext): unknown | Promise<unknown>;
  /** Limit for one call, ms, when the definition set one. */
  readonly timeoutMs?: number;
}

const NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Defines a tool the LLM can call. Validates eagerly, so a bad definition fails at startup
 * rather than mid-conversation: throws a `ConfigError` for a bad name, a non-object schema,
 * or a zod schema that JSON Schema cannot express (e.g. `z.date()`); a malformed JSON Schema
 * rejects `ready` (and so `session.start()`) with one.
 *
 * Zod (v4 classic) schemas are exported with their own `toJSONSchema({ io: 'input' })` and
 * checked with their own `safeParse`: the LLM writes the *input*, so fields with a
 * `.default()` are optional to it. JSON Schemas are sent as given and checked by a small
 * built-in validator (see `./json-schema.ts` for the keywords it checks; others are ignored),
 * loaded as its own chunk when the first such tool is defined.
 */
export function functionTool<A>(def: FunctionToolDef<A>): FunctionTool<A> {
  const { name, description, parameters, execute } = def;
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new ConfigError(`Invalid tool name ${JSON.stringify(name)}: use 1-64 of a-z A-Z 0-9 _ -`);
  }
  if (typeof execute !== 'function') throw new ConfigError(`Tool ${name}: execute must be a function`);

  let schema: JsonSchema;
  let validate: (value: unknown) => ParseResult<A> | Promise<ParseResult<A>>;
  let ready = Promise.resolve();
  if (isZod(parameters)) {
    if (typeof parameters.toJSONSchema !== 'function') {
      throw new ConfigError(
        `Tool ${name}: this zod schema has no toJSONSchema() method (zod/mini?); use a schema from 'zod' or pass a JSON Schema`,
      );
    }
    try {
      schema = parameters.toJSONSchema({ io: 'input' }) as JsonSchema;
    } catch (err) {
      throw new ConfigError(`Tool ${name}: parameters cannot be expressed as JSON Schema: ${messageOf(err)}`, { cause: err });
    }
    delete schema.$schema;
    // zod's own types for its result (the public type only matches zod's shape).
    const zodSchema = parameters as unknown as ZodType<A>;
    validate = (value) => {
      let r: ReturnType<typeof zodSchema.safeParse>;
      try {
        r = zodSchema.safeParse(value);
      } catch (err) {
        // e.g. an async refinement, which safeParse cannot run.
        return { ok: false, error: messageOf(err) };
      }
      if (r.success) return { ok: true, args: r.data as A };
      const issues = r.error.issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message));
      return { ok: false, error: issues.join('; ') };
    };
  } else {
    if (isZod3(parameters)) {
      throw new ConfigError(`Tool ${name}: zod 3 schemas are not supported; use zod 4 or pass a JSON Schema`);
    }
    schema = parameters;
    if (!isObjectSchema(schema)) throw notObject(name);
    const json = schema;
    // The validator (≈2 KB gzip) is not in the core bundle: it loads with the first JSON Schema tool.
    const check: Promise<JsonSchemaValidator> = loadValidator().then((m) => m.compileJsonSchema(json)).catch((err: unknown) => Promise.reject(new ConfigError(`Tool ${name}: unsupported JSON Schema: ${messageOf(err)}`, { cause: err })));
    ready = check.then(() => undefined);
    ready.catch(() => undefined); // reported where it is awaited (start, or the call)
    validate = async (value) => {
      let r;
      try {
        r = (await check)(value);
      } catch (err) {
        return { ok: false, error: messageOf(err) };
      }
      return r.ok ? { ok: true, args: r.value as A } : r;
    };
  }
  if (!isObjectSchema(schema)) throw notObject(name);

  const { timeoutMs } = def;
  if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new ConfigError(`Tool ${name}: timeoutMs must be a positive number of ms`);
  const spec: ToolSpec = { name, description, parameters: schema };
  return {
    name,
    description,
    spec,
    execute,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ready,
    async parse(rawJson: string): Promise<ParseResult<A>> {
      let value: unknown;
      // Some LLMs send "" for a call without arguments.
      const text = rawJson.trim() === '' ? '{}' : rawJson;
      try {
        value = JSON.parse(text);
      } catch (err) {
        return { ok: false, error: `Invalid arguments for ${name}: not valid JSON (${messageOf(err)})` };
      }
      const r = await validate(value);
      return r.ok ? r : { ok: false, error: `Invalid arguments for ${name}: ${r.error}` };
    },
  };
}

/** Defined by every build (scripts/build-lib.mjs, vite.config.ts, vitest.config.ts). */
declare const __EARSHOT_IIFE__: boolean;

/**
 * The validator's module: a chunk of the ES build; the script-tag build cannot split, so it
 * imports the ES build's `json-schema.js` from beside itself (the branch not taken is dropped
 * from each build, with the module it would load).
 */
function loadValidator(): Promise<typeof import('../json-schema')> {
  return __EARSHOT_IIFE__ ? import(/* @vite-ignore */ new URL('json-schema.js', SCRIPT_URL ?? location.href).href) : import('../json-schema');
}

function isZod<A>(p: ZodSchemaLike<A> | JsonSchema): p is ZodSchemaLike<A> {
  // Structural rather than `instanceof`: the core never loads zod, and a schema from another
  // copy of zod 4 works too.
  return typeof p === 'object' && p !== null && '_zod' in p && typeof (p as { safeParse?: unknown }).safeParse === 'function';
}

function isZod3(p: unknown): boolean {
  return typeof p === 'object' && p !== null && '_def' in p && typeof (p as { safeParse?: unknown }).safeParse === 'function';
}

function isObjectSchema(s: unknown): s is JsonSchema {
  return typeof s === 'object' && s !== null && !Array.isArray(s) && (s as JsonSchema).type === 'object';
}

function notObject(name: string): ConfigError {
  return new ConfigError(`Tool ${name}: parameters must be an object schema (type: "object")`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
