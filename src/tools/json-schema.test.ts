import { describe, expect, it } from 'vitest';
import { compileJsonSchema, JsonSchemaError } from './json-schema';

/** The error message for `value`, or a failure if it was accepted. */
function errorOf(schema: unknown, value: unknown): string {
  const r = compileJsonSchema(schema)(value);
  if (r.ok) throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
  return r.error;
}
const accepts = (schema: unknown, value: unknown) => compileJsonSchema(schema)(value).ok;

describe('compileJsonSchema: type', () => {
  it.each<[string, unknown, unknown]>([
    ['object', {}, []],
    ['object', { a: 1 }, null],
    ['string', '', 1],
    ['number', 1.5, '1'],
    ['number', -3, null],
    ['integer', 2, 2.5],
    ['integer', -0, '2'],
    ['boolean', false, 0],
    ['array', [], {}],
    ['null', null, undefined],
  ])('type %s accepts %j and rejects %j', (type, good, badValue) => {
    expect(accepts({ type }, good)).toBe(true);
    expect(accepts({ type }, badValue)).toBe(false);
  });

  it('names the expected and the actual type', () => {
    expect(errorOf({ type: 'string' }, 3)).toBe('expected string, got number');
    expect(errorOf({ type: 'object' }, [1])).toBe('expected object, got array');
    expect(errorOf({ type: 'array' }, null)).toBe('expected array, got null');
    expect(errorOf({ type: 'integer' }, 1.5)).toBe('expected integer, got number');
  });

  it('counts an integer as a number, and 1.0 as an integer', () => {
    expect(accepts({ type: 'number' }, 3)).toBe(true);
    expect(compileJsonSchema({ type: 'integer' })(JSON.parse('1.0'))).toEqual({ ok: true, value: 1 });
  });

  it('accepts any listed type of a type array', () => {
    const v = compileJsonSchema({ type: ['string', 'null'] });
    expect(v('a').ok).toBe(true);
    expect(v(null).ok).toBe(true);
    expect(v(1)).toEqual({ ok: false, error: 'expected string or null, got number' });
  });

  it('admits null with OpenAPI nullable: true', () => {
    expect(accepts({ type: 'string', nullable: true }, null)).toBe(true);
    expect(accepts({ type: 'string' }, null)).toBe(false);
  });

  it('accepts anything without type', () => {
    for (const v of [null, 1, 'x', [], {}, true]) expect(accepts({}, v)).toBe(true);
  });

  it('reports only the type when the type is wrong, not the keywords that follow', () => {
    expect(errorOf({ type: 'string', minLength: 3, enum: ['abc'] }, 5)).toBe('expected string, got number');
  });
});

describe('compileJsonSchema: objects', () => {
  const schema = {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer' } },
    required: ['city'],
  };

  it('checks properties and names their path', () => {
    expect(errorOf(schema, { city: 3 })).toBe('city: expected string, got number');
    expect(errorOf(schema, { city: 'Oslo', days: 'two' })).toBe('days: expected integer, got string');
  });

  it('reports a missing required property', () => {
    expect(errorOf(schema, {})).toBe('city: required property is missing');
    expect(errorOf({ type: 'object', required: ['a', 'b'] }, { b: 1 })).toBe('a: required property is missing');
  });

  it('reports every problem, separated by "; "', () => {
    expect(errorOf(schema, { days: 1.5 })).toBe('days: expected integer, got number; city: required property is missing');
  });

  it('keeps unknown properties by default and with additionalProperties: true', () => {
    expect(compileJsonSchema(schema)({ city: 'Oslo', x: 1 })).toEqual({ ok: true, value: { city: 'Oslo', x: 1 } });
    expect(accepts({ ...schema, additionalProperties: true }, { city: 'Oslo', x: 1 })).toBe(true);
  });

  it('rejects unknown properties with additionalProperties: false, listing the allowed ones', () => {
    expect(errorOf({ ...schema, additionalProperties: false }, { city: 'Oslo', x: 1 })).toBe(
      'x: unexpected property (allowed: city, days)',
    );
    expect(errorOf({ type: 'object', additionalProperties: false }, { x: 1 })).toBe('x: unexpected property (allowed: none)');
  });

  it('checks unknown properties against an additionalProperties schema', () => {
    const map = { type: 'object', additionalProperties: { type: 'number' } };
    expect(compileJsonSchema(map)({ a: 1, b: 2 })).toEqual({ ok: true, value: { a: 1, b: 2 } });
    expect(errorOf(map, { a: 1, b: 'x' })).toBe('b: expected number, got string');
    expect(accepts({ ...map, properties: { name: { type: 'string' } } }, { name: 'n', a: 1 })).toBe(true);
  });

  it('names nested paths with dots and array indexes', () => {
    const order = {
      type: 'object',
      properties: {
        customer: { type: 'object', properties: { address: { type: 'object', properties: { zip: { type: 'string' } }, required: ['zip'] } } },
        lines: { type: 'array', items: { type: 'object', properties: { qty: { type: 'integer', minimum: 1 } }, required: ['qty'] } },
      },
    };
    expect(errorOf(order, { customer: { address: { zip: 1 } } })).toBe('customer.address.zip: expected string, got number');
    expect(errorOf(order, { customer: { address: {} } })).toBe('customer.address.zip: required property is missing');
    expect(errorOf(order, { lines: [{ qty: 1 }, { qty: 0 }, {}] })).toBe(
      'lines.1.qty: must be >= 1, got 0; lines.2.qty: required property is missing',
    );
  });

  it('copies a "__proto__" key as a plain property, not as the prototype', () => {
    const r = compileJsonSchema({ type: 'object', properties: { a: { type: 'number' } } })(JSON.parse('{"a":1,"__proto__":{"polluted":true}}'));
    expect(r.ok).toBe(true);
    const value = (r.ok ? r.value : {}) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value.polluted).toBeUndefined();
    expect(Object.keys(value)).toEqual(['a', '__proto__']);
    expect(errorOf({ type: 'object', additionalProperties: false }, JSON.parse('{"__proto__":1}'))).toBe(
      '__proto__: unexpected property (allowed: none)',
    );
  });

  it('only checks object keywords on objects', () => {
    expect(accepts({ properties: { a: { type: 'string' } }, required: ['a'] }, 'text')).toBe(true);
  });
});

describe('compileJsonSchema: defaults', () => {
  const schema = {
    type: 'object',
    properties: {
      unit: { type: 'string', enum: ['c', 'f'], default: 'c' },
      tags: { type: 'array', items: { type: 'string' }, default: ['a'] },
      opts: { type: 'object', properties: { deep: { type: 'boolean', default: true } }, default: {} },
      name: { type: 'string' },
    },
    required: ['unit'],
  };

  it('fills in missing properties, which also satisfies required', () => {
    expect(compileJsonSchema(schema)({})).toEqual({ ok: true, value: { unit: 'c', tags: ['a'], opts: {} } });
  });

  it('keeps given values and fills defaults inside nested objects', () => {
    expect(compileJsonSchema(schema)({ unit: 'f', opts: {} })).toEqual({ ok: true, value: { unit: 'f', tags: ['a'], opts: { deep: true } } });
  });

  it('fills defaults inside array items', () => {
    const list = { type: 'array', items: { type: 'object', properties: { n: { type: 'number', default: 0 } } } };
    expect(compileJsonSchema(list)([{}, { n: 2 }])).toEqual({ ok: true, value: [{ n: 0 }, { n: 2 }] });
  });

  it('works on a copy: neither the input nor the schema default is modified', () => {
    const input = { opts: {} };
    const check = compileJsonSchema(schema);
    const r = check(input);
    expect(input).toEqual({ opts: {} });
    expect(r.ok && r.value).not.toBe(input);
    if (r.ok) ((r.value as { tags: string[] }).tags).push('mutated');
    expect(schema.properties.tags.default).toEqual(['a']);
    expect(check({})).toEqual({ ok: true, value: { unit: 'c', tags: ['a'], opts: {} } });
  });

  it('does not replace an explicit null', () => {
    expect(errorOf(schema, { unit: null })).toBe('unit: expected string, got null');
  });
});

describe('compileJsonSchema: enum and const', () => {
  it('enum accepts listed values only, compared deeply', () => {
    const v = compileJsonSchema({ enum: ['a', 1, null, { x: [1] }] });
    for (const ok of ['a', 1, null, { x: [1] }]) expect(v(ok).ok).toBe(true);
    expect(v({ x: [2] }).ok).toBe(false);
    expect(errorOf({ type: 'string', enum: ['lunch', 'dinner'] }, 'brunch')).toBe('expected one of "lunch", "dinner", got "brunch"');
  });

  it('const accepts exactly its value', () => {
    expect(accepts({ const: 'on' }, 'on')).toBe(true);
    expect(accepts({ const: { a: [1, 2] } }, { a: [1, 2] })).toBe(true);
    expect(errorOf({ const: 'on' }, 'off')).toBe('expected "on", got "off"');
    expect(errorOf({ const: null }, 0)).toBe('expected null, got 0');
  });
});

describe('compileJsonSchema: numbers', () => {
  it.each<[object, number, string | null]>([
    [{ minimum: 1 }, 1, null],
    [{ minimum: 1 }, 0.5, 'must be >= 1, got 0.5'],
    [{ maximum: 10 }, 10, null],
    [{ maximum: 10 }, 11, 'must be <= 10, got 11'],
    [{ exclusiveMinimum: 0 }, 0.1, null],
    [{ exclusiveMinimum: 0 }, 0, 'must be > 0, got 0'],
    [{ exclusiveMaximum: 5 }, 4.9, null],
    [{ exclusiveMaximum: 5 }, 5, 'must be < 5, got 5'],
    [{ minimum: 0, exclusiveMinimum: true }, 0, 'must be > 0, got 0'],
    [{ minimum: 0, exclusiveMinimum: true }, -1, 'must be > 0, got -1'],
    [{ maximum: 1, exclusiveMaximum: true }, 1, 'must be < 1, got 1'],
    [{ minimum: 0, exclusiveMinimum: false }, 0, null],
  ])('%j with %j', (schema, value, error) => {
    const r = compileJsonSchema({ type: 'number', ...schema })(value);
    expect(r).toEqual(error === null ? { ok: true, value } : { ok: false, error });
  });

  it('ignores number bounds on other types', () => {
    expect(accepts({ minimum: 5 }, 'abc')).toBe(true);
  });
});

describe('compileJsonSchema: strings', () => {
  it('minLength and maxLength count code points', () => {
    expect(accepts({ type: 'string', minLength: 2 }, 'ab')).toBe(true);
    expect(errorOf({ type: 'string', minLength: 2 }, 'a')).toBe('must be at least 2 characters long, got 1');
    expect(errorOf({ type: 'string', maxLength: 3 }, 'abcd')).toBe('must be at most 3 characters long, got 4');
    expect(accepts({ type: 'string', maxLength: 1 }, '😀')).toBe(true);
  });

  it('pattern is unanchored, as in JSON Schema', () => {
    const zip = { type: 'string', pattern: '^[0-9]{5}$' };
    expect(accepts(zip, '12345')).toBe(true);
    expect(errorOf(zip, '1234')).toBe('must match the pattern ^[0-9]{5}$');
    expect(accepts({ type: 'string', pattern: 'b' }, 'abc')).toBe(true);
  });

  it('pattern has Unicode semantics, and falls back for legacy-only syntax', () => {
    expect(accepts({ pattern: '^.$' }, '😀')).toBe(true);
    expect(accepts({ pattern: '^\\p{Lu}' }, 'Émile')).toBe(true);
    expect(accepts({ pattern: '^a\\_b$' }, 'a_b')).toBe(true);
  });
});

describe('compileJsonSchema: arrays', () => {
  it('checks items and names their index', () => {
    const tags = { type: 'array', items: { type: 'string' } };
    expect(accepts(tags, ['a', 'b'])).toBe(true);
    expect(errorOf(tags, ['a', 2, 'c', false])).toBe('1: expected string, got number; 3: expected string, got boolean');
  });

  it('checks tuple-style items by position and leaves the rest', () => {
    const pair = { type: 'array', items: [{ type: 'number' }, { type: 'string' }] };
    expect(accepts(pair, [1, 'a', true])).toBe(true);
    expect(errorOf(pair, ['a', 'b'])).toBe('0: expected number, got string');
  });

  it('minItems and maxItems', () => {
    const s = { type: 'array', minItems: 1, maxItems: 2 };
    expect(accepts(s, [1])).toBe(true);
    expect(accepts(s, [1, 2])).toBe(true);
    expect(errorOf(s, [])).toBe('must have at least 1 item, got 0');
    expect(errorOf(s, [1, 2, 3])).toBe('must have at most 2 items, got 3');
  });

  it('true and false as schemas', () => {
    expect(accepts({ items: true }, [1, 'x'])).toBe(true);
    expect(errorOf({ items: false }, [1])).toBe('0: no value is allowed here');
    expect(accepts({ items: false }, [])).toBe(true);
  });
});

describe('compileJsonSchema: anyOf and oneOf', () => {
  it('anyOf accepts a value matching any option and explains a mismatch per option', () => {
    const s = { type: 'object', properties: { when: { anyOf: [{ type: 'string' }, { type: 'integer', minimum: 0 }] } } };
    expect(accepts(s, { when: 'now' })).toBe(true);
    expect(accepts(s, { when: 5 })).toBe(true);
    expect(errorOf(s, { when: -1 })).toBe(
      'when: does not match any allowed schema (option 1: expected string, got number | option 2: must be >= 0, got -1)',
    );
  });

  it('anyOf returns the matching option’s defaults', () => {
    const s = {
      anyOf: [
        { type: 'object', properties: { kind: { const: 'a' }, n: { default: 1 } }, required: ['kind'] },
        { type: 'object', properties: { kind: { const: 'b' }, m: { default: 2 } }, required: ['kind'] },
      ],
    };
    expect(compileJsonSchema(s)({ kind: 'b' })).toEqual({ ok: true, value: { kind: 'b', m: 2 } });
  });

  it('applies sibling keywords together with anyOf', () => {
    const s = { type: 'string', anyOf: [{ minLength: 3 }, { const: 'x' }] };
    expect(accepts(s, 'x')).toBe(true);
    expect(accepts(s, 'abc')).toBe(true);
    expect(accepts(s, 'ab')).toBe(false);
    expect(errorOf(s, 7)).toBe('expected string, got number');
  });

  it('oneOf needs exactly one matching option', () => {
    const s = { oneOf: [{ type: 'integer' }, { type: 'number', maximum: 1 }] };
    expect(accepts(s, 5)).toBe(true);
    expect(accepts(s, 0.5)).toBe(true);
    expect(errorOf(s, 1)).toBe('matches more than one allowed schema (options 1, 2)');
    expect(errorOf(s, 'x')).toBe(
      'does not match any allowed schema (option 1: expected integer, got string | option 2: expected number, got string)',
    );
  });

  it('names nested paths inside an option relative to it', () => {
    const s = { type: 'object', properties: { p: { anyOf: [{ type: 'object', properties: { q: { type: 'string' } } }, { type: 'null' }] } } };
    expect(errorOf(s, { p: { q: 1 } })).toBe(
      'p: does not match any allowed schema (option 1: q: expected string, got number | option 2: expected null, got object)',
    );
  });
});

describe('compileJsonSchema: the schema itself', () => {
  it('ignores annotations and unknown keywords', () => {
    const s = {
      type: 'object',
      title: 'T',
      description: 'D',
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      properties: { d: { type: 'string', format: 'date', description: 'a date', examples: ['2024-01-01'], 'x-custom': 1 } },
    };
    expect(compileJsonSchema(s)({ d: 'not a date' })).toEqual({ ok: true, value: { d: 'not a date' } });
  });

  it.each<[string, unknown, string]>([
    ['an unknown type', { type: 'strin' }, 'type: unknown type "strin"'],
    ['a nested unknown type', { properties: { a: { items: { type: 'int' } } } }, 'properties.a.items.type: unknown type "int"'],
    ['an empty type array', { type: [] }, 'type: must not be empty'],
    ['a non-schema property', { properties: { a: 'string' } }, 'properties.a: a schema must be an object or a boolean'],
    ['properties that is not an object', { properties: [] }, 'properties: must be an object'],
    ['required that is not a list of names', { required: 'a' }, 'required: must be an array of property names'],
    ['an empty enum', { enum: [] }, 'enum: must be a non-empty array'],
    ['an invalid pattern', { pattern: '(' }, 'pattern: invalid regular expression'],
    ['a non-numeric minimum', { minimum: '1' }, 'minimum: must be a number'],
    ['a negative minLength', { minLength: -1 }, 'minLength: must be a non-negative integer'],
    ['a fractional maxItems', { maxItems: 1.5 }, 'maxItems: must be a non-negative integer'],
    ['an empty anyOf', { anyOf: [] }, 'anyOf: must be a non-empty array'],
    ['a bad oneOf option', { oneOf: [{ type: 'x' }] }, 'oneOf.0.type: unknown type "x"'],
    ['a bad additionalProperties', { additionalProperties: 'no' }, 'additionalProperties: a schema must be an object or a boolean'],
    ['a non-object schema', 'object', 'a schema must be an object or a boolean'],
  ])('throws a JsonSchemaError for %s', (_, schema, message) => {
    expect(() => compileJsonSchema(schema)).toThrow(JsonSchemaError);
    expect(() => compileJsonSchema(schema)).toThrow(message);
  });

  it('caps the number of reported problems', () => {
    const s = { type: 'array', items: { type: 'string' } };
    const error = errorOf(s, Array.from({ length: 15 }, (_, i) => i));
    expect(error.split('; ')).toHaveLength(11);
    expect(error).toMatch(/^0: expected string, got number; .*9: expected string, got number; \(5 more\)$/);
  });
});
