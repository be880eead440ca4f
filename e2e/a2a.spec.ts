// An A2A consultation in Chromium against the local server: the voice agent's tool asks a
// headless specialist of the same page, whose own LLM request (its instructions, tools and
// model) the server logs; the spoken answer is made from its reply, and no TTS request
// carries the specialist's raw text.
import { expect, test } from './support/test';
import { control, sessionPages, startAgent } from './support/agent-run';

const pages = sessionPages();
const SECRET = 'Invoice 4471 was settled on 3 March by card ending 9921.';

test('an A2A consultation: the specialist answers headless, its text reaches the voice agent only as a tool result', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  await control(baseURL!, 'script', {
    stt: [{ text: 'Was my invoice paid?' }],
    llm: [
      { toolCalls: [{ name: 'consult_specialist', arguments: { question: 'Was invoice 4471 paid?' } }] },
      { text: SECRET },
      { text: 'Yes, your invoice is paid.' },
    ],
  });
  const page = await pages.open('hello-then-silence', baseURL!);
  // The specialist: its own LLM (another model name, to tell its request apart), instructions and tool.
  const toolsSource = ((E: any) => {
    const llm = new E.OpenAILLM({ baseURL: `${location.origin}/local-ai/v1`, apiKey: 'sk-local-test-key', model: 'specialist-model' });
    const lookup = E.functionTool({ name: 'lookup_invoice', description: 'Finds an invoice', parameters: { type: 'object', properties: { id: { type: 'string' } } }, execute: () => ({ paid: true }) });
    const billing = new E.A2AAgent({ name: 'billing', instructions: 'You are the billing specialist.', tools: [lookup], llm });
    billing.a2a.register({ id: 'billing', domain: 'billing', capabilities: ['invoices'] });
    (window as any).billing = billing;
    return [E.consultTool({ to: { capability: 'invoices' } })];
  }).toString();
  await startAgent(page, { toolsSource });
  await page.waitForFunction(() => (window as any).R.events.some((e: any) => e.name === 'agent_transcript' && e.final && e.text), undefined, { timeout: 30_000 });
  const r = await page.evaluate(() => {
    const R = (window as any).R;
    return {
      heard: R.events.filter((e: any) => e.name === 'agent_transcript' && e.final).map((e: any) => e.text),
      tool: R.events.find((e: any) => e.name === 'tool_call_finished')?.result,
      registered: (window as any).billing.a2a.card?.id ?? null,
    };
  });
  const log: any[] = (await control(baseURL!, 'log')).requests;
  const chats = log.filter((e) => e.route.endsWith('/chat/completions')).map((e) => e.body);
  expect(chats.map((b) => b.model)).toEqual(['local-test', 'specialist-model', 'local-test']);
  // The specialist's request: its own instructions and tools, the question the voice LLM wrote.
  expect(chats[1].messages.map((m: any) => [m.role, m.content])).toEqual([['system', 'You are the billing specialist.'], ['user', 'Was invoice 4471 paid?']]);
  expect(chats[1].tools.map((t: any) => t.function.name)).toEqual(['lookup_invoice']);
  // The voice agent got the reply as the tool result, and answered from it.
  expect(r.tool).toMatchObject({ name: 'consult_specialist', output: JSON.stringify(SECRET), isError: false });
  expect(chats[2].messages.find((m: any) => m.role === 'tool').content).toBe(JSON.stringify(SECRET));
  expect(r.heard).toEqual(['Yes, your invoice is paid.']);
  // Only the voice agent's words went to the TTS.
  const spoken = log.filter((e) => e.route.endsWith('/audio/speech')).map((e) => String(e.body?.input ?? ''));
  expect(spoken.join(' ')).toContain('your invoice is paid');
  expect(spoken.filter((t) => t.includes('9921') || t.includes('settled'))).toEqual([]);
  expect(r.registered).toBe('billing');
});
