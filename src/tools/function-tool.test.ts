import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import * as zm from 'zod/mini';
import * as z3 from 'zod/v3';
import { ConfigError } from '../errors';
import type { JsonSchema } from '../providers/types';
import { functionTool } from './function-tool';

const weather = functionTool({
  name: 'get_weather',
  description: 'Current weather in a city.',
  parameters: z.object({
    city: z.string().describe('City name'),
    unit: z.enum(['c', 'f']).default('c'),
  }),
  execute: ({ city, unit }) => `${city}: 21°${unit.toUpperCase()}`,
});

const jsonSchema: JsonSchema = {
  type: 'object',
  description: 'Book a table',
  properties: {
    name: { type: 'string', description: 'Guest name' },
    people: { type: 'integer', minimum: 1 },
    price: { type: 'number' },
    vip: { type: 'boolean' },
    slot: { type: 'string', enum: ['lunch', 'dinner'] },
    tags: { type: 'array', items: { type: 'string' } },
    contact: { type: 'object', properties: { phone: { type: 'string' } }, required: ['phone'], additionalProperties: false },
  },
  required: ['name', 'people'],
  additionalProperties: false,
};
const booking = functionTool<{ name: string; people: number }>({
  name: 'book',
  description: 'Books a table.',
  parameters: jsonSchema,
  execute: (args) => args.people,
});

describe('functionTool spec', () => {
  it('exports a zod schema as input JSON Schema without $schema (defaults are optional)', () => {
    expect(weather.name).toBe('get_weather');
    expect(weather.spec.name).toBe('get_weather');
    expect(weather.spec.description).toBe('Current weather in a city.');
    const p = weather.spec.parameters;
    expect(p).not.toHaveProperty('$schema');
    expect(p.type).toBe('object');
    expect(p.required).toEqual(['city']);
    expect(p.properties).toMatchObject({ city: { type: 'string', description: 'City name' }, unit: { enum: ['c', 'f'] } });
  });

  it('uses a JSON Schema as given', () => {
    expect(booking.spec.parameters).toBe(jsonSchema);
  });

  it.each(['', 'has space', 'dot.name', 'x'.repeat(65), 'émoji'])('rejects the tool name %j', (name) => {
    expect(() => functionTool({ name, description: '', parameters: z.object({}), execute: () => 1 })).toThrow(ConfigError);
  });

  it('accepts names with - and _ up to 64 characters', () => {
    expect(functionTool({ name: `a-_${'b'.repeat(61)}`, description: '', parameters: z.object({}), execute: () => 1 }).name).toHaveLength(64);
  });

  it.each<[string, unknown]>([
    ['a zod string', z.string()],
    ['a zod array', z.array(z.number())],
    ['a zod date', z.object({ when: z.date() })],
    ['a JSON Schema string', { type: 'string' }],
    ['a JSON Schema without type', { properties: {} }],
    ['an unknown JSON Schema type', { type: 'object', properties: { a: { type: 'strin' } } }],
    ['null', null],
    ['a JSON Schema with an invalid pattern', { type: 'object', properties: { a: { type: 'string', pattern: '(' } } }],
    ['a JSON Schema with a malformed required', { type: 'object', required: 'a' }],
    ['a zod 3 schema', z3.z.object({ a: z3.z.string() })],
    ['a zod/mini schema (no toJSONSchema method)', zm.object({ a: zm.string() })],
  ])('rejects %s as parameters with a ConfigError (at once, or from `ready` for a JSON Schema the validator cannot use)', async (_, parameters) => {
    let tool;
    try {
      tool = functionTool({ name: 't', description: '', parameters: parameters as JsonSchema, execute: () => 1 });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return;
    }
    await expect(tool.ready).rejects.toBeInstanceOf(ConfigError);
    expect(await tool.parse('{}')).toMatchObject({ ok: false, error: expect.stringContaining('unsupported JSON Schema') });
  });
});

describe('functionTool parse', () => {
  it('parses valid arguments through zod, applying defaults', async () => {
    expect(await weather.parse('{"city":"Paris"}')).toEqual({ ok: true, args: { city: 'Paris', unit: 'c' } });
  });

  it('reports invalid JSON in words the LLM can act on', async () => {
    const r = await weather.parse('{"city": Paris}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^Invalid arguments for get_weather: not valid JSON/);
  });

  it('reports schema violations with their paths', async () => {
    const r = await weather.parse('{"city": 3, "unit": "k"}');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain('city: ');
      expect(r.error).toContain('unit: ');
      expect(r.error).toContain('Invalid arguments for get_weather');
    }
  });

  it('treats empty arguments as {}', async () => {
    const noArgs = functionTool({ name: 'now', description: '', parameters: z.object({}), execute: () => 1 });
    expect(await noArgs.parse('')).toEqual({ ok: true, args: {} });
    expect(await noArgs.parse('  ')).toEqual({ ok: true, args: {} });
    expect((await weather.parse('')).ok).toBe(false);
  });

  it('rejects non-object JSON', async () => {
    expect((await weather.parse('[]')).ok).toBe(false);
    expect((await weather.parse('null')).ok).toBe(false);
  });

  it('validates a JSON Schema tool: valid arguments pass', async () => {
    const args = { name: 'Ann', people: 2, price: 9.5, vip: true, slot: 'dinner', tags: ['x'], contact: { phone: '1' } };
    expect(await booking.parse(JSON.stringify(args))).toEqual({ ok: true, args });
  });

  it.each([
    ['a missing required field', { name: 'Ann' }, 'people'],
    ['a wrong type', { name: 1, people: 2 }, 'name'],
    ['a non-integer', { name: 'Ann', people: 1.5 }, 'people'],
    ['below the minimum', { name: 'Ann', people: 0 }, 'people'],
    ['a value outside the enum', { name: 'Ann', people: 2, slot: 'brunch' }, 'slot'],
    ['a bad array item', { name: 'Ann', people: 2, tags: [1] }, 'tags.0'],
    ['a bad nested object', { name: 'Ann', people: 2, contact: {} }, 'contact.phone'],
    ['an extra key with additionalProperties: false', { name: 'Ann', people: 2, extra: 1 }, 'extra'],
  ])('validates a JSON Schema tool: rejects %s', async (_, args, mention) => {
    const r = await booking.parse(JSON.stringify(args));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(mention);
  });

  it('names the path and the problem of a JSON Schema violation', async () => {
    expect(await booking.parse('{"name": 1, "people": 0}')).toEqual({
      ok: false,
      error: 'Invalid arguments for book: name: expected string, got number; people: must be >= 1, got 0',
    });
    expect(await booking.parse('{"name": "Ann", "people": 2, "contact": {}}')).toEqual({
      ok: false,
      error: 'Invalid arguments for book: contact.phone: required property is missing',
    });
  });

  it('rejects non-object JSON for a JSON Schema tool', async () => {
    expect(await booking.parse('[]')).toEqual({ ok: false, error: 'Invalid arguments for book: expected object, got array' });
  });

  it('applies JSON Schema defaults to missing properties', async () => {
    const t = functionTool<{ city: string; unit: string }>({
      name: 'w',
      description: '',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'], default: 'c' } },
        required: ['city'],
      },
      execute: () => 1,
    });
    expect(await t.parse('{"city":"Oslo"}')).toEqual({ ok: true, args: { city: 'Oslo', unit: 'c' } });
    expect(await t.parse('{"city":"Oslo","unit":"f"}')).toEqual({ ok: true, args: { city: 'Oslo', unit: 'f' } });
  });

  it('treats empty arguments as {} for a JSON Schema tool', async () => {
    const t = functionTool({ name: 'now', description: '', parameters: { type: 'object', properties: {} }, execute: () => 1 });
    expect(await t.parse('')).toEqual({ ok: true, args: {} });
  });

  it('never throws, even for a zod schema that safeParse cannot run (async refinement)', async () => {
    const t = functionTool({
      name: 'a',
      description: '',
      parameters: z.object({ x: z.string().refine(async () => true) }),
      execute: () => 1,
    });
    const r = await t.parse('{"x":"y"}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^Invalid arguments for a: /);
  });
});

describe('functionTool bundle', () => {
  it('imports zod only as types, so the core bundle does not contain it', async () => {
    for (const file of ['function-tool.ts', 'json-schema.ts']) {
      const source = readFileSync(new URL(file, import.meta.url), 'utf8');
      const zodImports = source.match(/^import[^;]*from ['"]zod(\/[^'"]*)?['"]/gm) ?? [];
      for (const line of zodImports) expect(line).toMatch(/^import type /);
    }
  });
});
