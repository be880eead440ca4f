import { ConfigError } from '../errors';
import type { EOUConfig } from '../session/pipeline';

/** The fields of `EOUConfig` the end-of-turn wait depends on. */
export type EouPolicyConfig = Pick<EOUConfig, 'mode' | 'minMaxSpeechWaitTimeout' | 'eouCertaintyThreshold'>;

/**
 * Throws a ConfigError unless `config` is usable: mode `DEFAULT` or `ADAPTIVE`,
 * `0 ≤ min ≤ max` (finite seconds), threshold within 0–1.
 */
export function validateEouConfig(config: EouPolicyConfig): void {
  const { mode, minMaxSpeechWaitTimeout: range, eouCertaintyThreshold: threshold } = config;
  if (mode !== 'DEFAULT' && mode !== 'ADAPTIVE') throw new ConfigError(`eou.mode must be 'DEFAULT' or 'ADAPTIVE', got ${String(mode)}`);
  const [min, max] = Array.isArray(range) ? range : [NaN, NaN];
  if (!(Number.isFinite(min) && Number.isFinite(max) && min >= 0 && max >= min)) {
    throw new ConfigError('eou.minMaxSpeechWaitTimeout must be [min, max] seconds with 0 ≤ min ≤ max');
  }
  if (!(threshold >= 0 && threshold <= 1)) throw new ConfigError('eou.eouCertaintyThreshold must be between 0 and 1');
}

/**
 * How long to wait for more speech before the user's turn ends, in seconds, given a turn
 * detector's probability that the turn is complete (the seed's rule):
 * - `DEFAULT`: `min` when `probability ≥ eouCertaintyThreshold`, else `max`;
 * - `ADAPTIVE`: `min + (max − min) × (1 − probability)`.
 *
 * A probability outside 0–1 is clamped; NaN (a detector that failed to say) waits `max`.
 * @throws ConfigError for a config {@link validateEouConfig} rejects.
 */
export function eouDelaySec(probability: number, config: EouPolicyConfig): number {
  validateEouConfig(config);
  const [min, max] = config.minMaxSpeechWaitTimeout;
  if (Number.isNaN(probability)) return max;
  const p = Math.min(1, Math.max(0, probability));
  if (config.mode === 'DEFAULT') return p >= config.eouCertaintyThreshold ? min : max;
  return min + (max - min) * (1 - p);
}
