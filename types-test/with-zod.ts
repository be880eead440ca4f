// Compiled by scripts/check-types.mjs in an app that has zod 4 installed (see expect-errors.ts).
import { Agent, functionTool } from 'earshot';
import { z } from 'zod';
import * as zm from 'zod/mini';

const weather = functionTool({
  name: 'weather',
  description: 'The forecast for a city',
  parameters: z.object({ city: z.string(), days: z.number().int().default(1) }),
  execute: async (args, { session }) => {
    const city: string = args.city;
    const days: number = args.days;
    // @ts-expect-error TS2339 not in the schema
    void args.town;
    // @ts-expect-error TS2322 city is a string
    const n: number = args.city;
    session.say(`Looking up ${city}`);
    return { city, days, n };
  },
});
new Agent({ instructions: 'x', tools: [weather] });

// @ts-expect-error TS2322 zod/mini schemas have no toJSONSchema(): the LLM could not be told the schema
functionTool({ name: 'm', description: 'd', parameters: zm.object({ a: zm.string() }), execute: () => 1 });
