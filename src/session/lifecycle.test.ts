import { describe, expect, it } from 'vitest';
import { Lifecycle } from './lifecycle';

const tick = () => new Promise((r) => setTimeout(r, 0));
const outcome = (p: Promise<unknown>) => p.then(() => 'resolved', (e) => `rejected ${e?.code ?? e?.message}`);

describe('Lifecycle', () => {
  it('start() once: a second call while starting returns the same promise; after, resolves', async () => {
    const life = new Lifecycle();
    let opens = 0;
    const open = async () => void opens++;
    const a = life.start(open, async () => undefined);
    expect(life.start(open, async () => undefined)).toBe(a);
    await a;
    expect(life.phase).toBe('started');
    await life.start(open, async () => undefined);
    expect(opens).toBe(1);
  });

  it('a failed start is undone and may be retried', async () => {
    const life = new Lifecycle();
    let undone = 0;
    const first = life.start(async () => { throw Object.assign(new Error('denied'), { code: 'mic-permission-denied' }); }, async () => void undone++);
    expect(await outcome(first)).toBe('rejected mic-permission-denied');
    expect(undone).toBe(1);
    expect(life.phase).toBe('new');
    await life.start(async () => undefined, async () => undefined);
    expect(life.phase).toBe('started');
  });

  it('close() during start(): start rejects with closed at once, even if the step in progress hangs', async () => {
    const life = new Lifecycle();
    const start = life.start(() => new Promise(() => undefined), async () => undefined);
    const closed = life.close(async () => undefined);
    expect(await outcome(start)).toBe('rejected closed');
    await closed;
    expect(life.phase).toBe('closed');
  });

  it('close() during start(): the next check() throws closed, so nothing more is built', async () => {
    const life = new Lifecycle();
    const built: string[] = [];
    let release!: () => void;
    const step = new Promise<void>((r) => (release = r));
    const start = life.start(async (check) => {
      built.push('engine');
      await step;
      check();
      built.push('vad');
    }, async () => undefined);
    void life.close(async () => undefined);
    release();
    expect(await outcome(start)).toBe('rejected closed');
    await tick();
    expect(built).toEqual(['engine']);
  });

  it('start() after close() rejects with closed', async () => {
    const life = new Lifecycle();
    await life.start(async () => undefined, async () => undefined);
    await life.close(async () => undefined);
    expect(await outcome(life.start(async () => undefined, async () => undefined))).toBe('rejected closed');
  });

  it('close() is idempotent', async () => {
    const life = new Lifecycle();
    let closes = 0;
    const a = life.close(async () => void closes++);
    expect(life.close(async () => void closes++)).toBe(a);
    await a;
    expect(closes).toBe(1);
  });

  it('work requested before ready runs in order once started; work once ready runs at once', async () => {
    const life = new Lifecycle();
    const ran: string[] = [];
    life.whenReady(() => ran.push('early 1'), () => ran.push('dropped'));
    life.whenReady(() => ran.push('early 2'), () => ran.push('dropped'));
    await life.start(async () => {
      life.markReady();
      life.whenReady(() => ran.push('onEnter'), () => ran.push('dropped'));
    }, async () => undefined);
    expect(ran).toEqual(['onEnter', 'early 1', 'early 2']);
    life.whenReady(() => ran.push('later'), () => ran.push('dropped'));
    expect(ran.at(-1)).toBe('later');
  });

  it('close() drops the work still waiting, and drops what comes after it', async () => {
    const life = new Lifecycle();
    const ran: string[] = [];
    life.whenReady(() => ran.push('ran'), () => ran.push('dropped 1'));
    await life.close(async () => undefined);
    life.whenReady(() => ran.push('ran'), () => ran.push('dropped 2'));
    expect(ran).toEqual(['dropped 1', 'dropped 2']);
  });

  it('a failed start keeps the waiting work for the retry', async () => {
    const life = new Lifecycle();
    const ran: string[] = [];
    life.whenReady(() => ran.push('say'), () => ran.push('dropped'));
    await outcome(life.start(async () => { throw new Error('no mic'); }, async () => undefined));
    expect(ran).toEqual([]);
    await life.start(async () => life.markReady(), async () => undefined);
    expect(ran).toEqual(['say']);
  });
});
