import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { functionTool } from '../tools/function-tool';
import { Agent } from './agent';

const tool = (name: string) => functionTool({ name, description: name, parameters: { type: 'object', properties: {} }, execute: () => null });

describe('Agent: tools', () => {
  it('rejects two tools with one name at construction, with a ConfigError naming it', () => {
    expect(() => new Agent({ instructions: 'x', tools: [tool('a'), tool('b'), tool('a')] })).toThrow(ConfigError);
    expect(() => new Agent({ instructions: 'x', tools: [tool('a'), tool('a')] })).toThrow(/Duplicate tool name: a/);
  });

  it('checks tools set later too, and keeps the old ones when refused', () => {
    const agent = new Agent({ instructions: 'x', tools: [tool('a')] });
    expect(() => (agent.tools = [tool('b'), tool('b')])).toThrow(ConfigError);
    expect(agent.tools.map((t) => t.name)).toEqual(['a']);
    agent.tools = [tool('b'), tool('c')];
    expect(agent.tools.map((t) => t.name)).toEqual(['b', 'c']);
  });
});
