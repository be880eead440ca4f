import { describe, expect, it } from 'vitest';
import { TAP_PROCESSOR } from './tap';
import { CAPTURE_PROCESSOR } from './worklet-protocol';

describe('tap (loaded with the extras, which import no core value)', () => {
  it('names the capture processor the engine registers', () => {
    expect(TAP_PROCESSOR).toBe(CAPTURE_PROCESSOR);
  });
});
