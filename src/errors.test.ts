import { describe, expect, it } from 'vitest';
import { EarshotError, MicrophoneError } from './errors';

/** A DOMException-like object: what `getUserMedia` rejects with (no real DOMException in Node). */
const domLike = (name: string, message = `${name} message`) => ({ name, message });

describe('MicrophoneError.fromGetUserMedia', () => {
  const cases: [string, string][] = [
    ['NotAllowedError', 'mic-permission-denied'],
    ['SecurityError', 'mic-permission-denied'],
    ['NotFoundError', 'mic-not-found'],
    ['DevicesNotFoundError', 'mic-not-found'],
    ['NotReadableError', 'mic-busy'],
    ['TrackStartError', 'mic-busy'],
    ['AbortError', 'mic-busy'],
    ['OverconstrainedError', 'mic-constraints'],
    ['TypeError', 'mic-failed'],
    ['SomethingNewError', 'mic-failed'],
    ['', 'mic-failed'],
  ];

  it.each(cases)('maps a DOMException-like %s object to %s', (name, code) => {
    const cause = domLike(name);
    const err = MicrophoneError.fromGetUserMedia(cause);
    expect(err.code).toBe(code);
    expect(err.cause).toBe(cause);
    expect(err.name).toBe('MicrophoneError');
    expect(err).toBeInstanceOf(MicrophoneError);
    expect(err).toBeInstanceOf(EarshotError);
    expect(err).toBeInstanceOf(Error);
  });

  it.each(cases)('maps an Error subclass named %s to %s and keeps its message', (name, code) => {
    const cause = new Error('device says no');
    cause.name = name;
    const err = MicrophoneError.fromGetUserMedia(cause);
    expect(err.code).toBe(code);
    expect(err.cause).toBe(cause);
    expect(err.message).toContain('device says no');
  });

  it("maps WebKit's no-device OverconstrainedError to mic-not-found only when no input is listed", () => {
    // What WebKitGTK 2.50 rejects with when there is no capture device (probed under WebKitWebDriver).
    const webkit = { name: 'OverconstrainedError', message: 'Invalid constraint', constraint: '' };
    expect(MicrophoneError.fromGetUserMedia(webkit, { audioInputs: 0 }).code).toBe('mic-not-found');
    expect(MicrophoneError.fromGetUserMedia(webkit, { audioInputs: 0 }).cause).toBe(webkit);
    // A device exists but an exact deviceId did not match: a constraint problem.
    expect(MicrophoneError.fromGetUserMedia(webkit, { audioInputs: 2 }).code).toBe('mic-constraints');
    expect(MicrophoneError.fromGetUserMedia(webkit).code).toBe('mic-constraints');
    // The count only matters for OverconstrainedError.
    expect(MicrophoneError.fromGetUserMedia(domLike('NotAllowedError'), { audioInputs: 0 }).code).toBe('mic-permission-denied');
  });

  it('maps a real DOMException by its name', () => {
    const cause = new DOMException('Permission denied', 'NotAllowedError');
    const err = MicrophoneError.fromGetUserMedia(cause);
    expect(err.code).toBe('mic-permission-denied');
    expect(err.cause).toBe(cause);
  });

  it('falls back to mic-failed for values that carry no name', () => {
    for (const cause of [undefined, null, 42, 'boom', { name: 7 }, {}]) {
      const err = MicrophoneError.fromGetUserMedia(cause);
      expect(err.code).toBe('mic-failed');
      expect(err.cause).toBe(cause);
    }
    expect(MicrophoneError.fromGetUserMedia('boom').message).toContain('boom');
  });

  it('does not mistake a name that merely contains a known one', () => {
    expect(MicrophoneError.fromGetUserMedia(domLike('NotAllowedErrorX')).code).toBe('mic-failed');
    expect(MicrophoneError.fromGetUserMedia(domLike('notallowederror')).code).toBe('mic-failed');
  });
});

describe('EarshotError', () => {
  it('takes the concrete class name and keeps code and cause', () => {
    class CustomError extends EarshotError<'session-failed'> {}
    const cause = new Error('inner');
    const err = new CustomError('session-failed', 'outer', { cause });
    expect(err.name).toBe('CustomError');
    expect(err.code).toBe('session-failed');
    expect(err.message).toBe('outer');
    expect(err.cause).toBe(cause);
    expect(err).toBeInstanceOf(EarshotError);
    expect(new EarshotError('closed', 'x').name).toBe('EarshotError');
  });
});
