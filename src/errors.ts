import type { ProviderError, ProviderErrorCode } from './providers/errors';

/**
 * Every error Earshot raises or emits is an {@link EarshotError}: a stable string `code`
 * to branch on, a readable message, and the underlying `cause` when there is one. This is
 * every code there is: `EarshotError` accepts no other.
 */
export type EarshotErrorCode =
  | ProviderErrorCode
  | 'config-invalid'
  | 'audio-context-failed'
  | 'audio-unsupported'
  | 'mic-permission-denied'
  | 'mic-not-found'
  | 'mic-busy'
  | 'mic-constraints'
  | 'mic-insecure-context'
  | 'mic-failed'
  | 'asset-load-failed'
  | 'worklet-failed'
  | 'vad-failed'
  /** A turn detector (end-of-turn model) failed to load or to run. */
  | 'turn-detector-failed'
  | 'session-failed'
  | 'tool-timeout'
  /** `earshot/testing`: an awaited event did not come in time. */
  | 'event-timeout'
  /** `earshot/a2a`: no agent with that id, domain or capability is registered. */
  | 'a2a-unknown-agent'
  /** `earshot/a2a`: the asked agent gave no reply in time. */
  | 'a2a-timeout'
  /** `earshot/a2a`: the asked agent failed to answer (its handler threw). */
  | 'a2a-failed'
  /** `earshot/telephony`: the transport failed a transfer or hang-up, or a transfer ended in failure. */
  | 'transfer-failed'
  /** `earshot/telephony`: the supervisor did not join, or the briefing did not end, in time. */
  | 'transfer-timeout'
  /** `earshot/telephony`: a warm transfer is already running. */
  | 'transfer-busy'
  | 'closed';

/**
 * Base class of all Earshot errors. `name` is the concrete class name. Earshot's own
 * classes spell it out, because the minified build renames classes (`new.target.name`
 * would read "a"); a subclass in the page's code gets its own name.
 */
export class EarshotError<C extends EarshotErrorCode = EarshotErrorCode> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target === EarshotError ? 'EarshotError' : new.target.name;
  }
}

/** The caller passed options Earshot cannot use. Thrown synchronously. */
export class ConfigError extends EarshotError<'config-invalid'> {
  override name = 'ConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('config-invalid', message, options);
  }
}

export type MicrophoneErrorCode = Extract<EarshotErrorCode, `mic-${string}`>;

/** The microphone could not be opened. `code` says why, mapped from the DOMException name. */
export class MicrophoneError extends EarshotError<MicrophoneErrorCode> {
  override name = 'MicrophoneError';
  /**
   * Maps a `getUserMedia` failure to a typed error. The DOMException names come from the
   * Media Capture spec; older Chromium used `DevicesNotFoundError` / `TrackStartError`.
   *
   * `audioInputs`: how many audio inputs `enumerateDevices()` listed after the failure, if
   * known. WebKit (WebKitGTK 2.50, Safari) rejects a request when there is no capture
   * device at all with an `OverconstrainedError` ("Invalid constraint", `constraint: ""`)
   * where the spec and the other engines say `NotFoundError`; with zero inputs listed, that
   * error is mapped to `mic-not-found`.
   */
  static fromGetUserMedia(err: unknown, context: { audioInputs?: number } = {}): MicrophoneError {
    const name = err instanceof Error || isDomLike(err) ? (err as { name: string }).name : '';
    const text = err instanceof Error ? err.message : String(err);
    switch (name) {
      case 'NotAllowedError':
      case 'PermissionDeniedError':
      case 'SecurityError':
        return new MicrophoneError('mic-permission-denied', `Microphone permission denied: ${text}`, { cause: err });
      case 'NotFoundError':
      case 'DevicesNotFoundError':
        return new MicrophoneError('mic-not-found', `No microphone found: ${text}`, { cause: err });
      case 'NotReadableError':
      case 'TrackStartError':
      case 'AbortError':
        return new MicrophoneError('mic-busy', `The microphone is in use or failed to start: ${text}`, { cause: err });
      case 'OverconstrainedError':
      case 'ConstraintNotSatisfiedError':
        if (context.audioInputs === 0) return new MicrophoneError('mic-not-found', `No microphone found: ${text}`, { cause: err });
        return new MicrophoneError('mic-constraints', `No microphone matches the constraints: ${text}`, { cause: err });
      default:
        return new MicrophoneError('mic-failed', `Could not open the microphone: ${text}`, { cause: err });
    }
  }
}

function isDomLike(err: unknown): boolean {
  return typeof err === 'object' && err !== null && typeof (err as { name?: unknown }).name === 'string';
}

/** A runtime asset (model, wasm, worklet, worker) could not be fetched or compiled. */
export class AssetLoadError extends EarshotError<'asset-load-failed'> {
  override name = 'AssetLoadError';
  readonly url: string;
  /** HTTP status, when a response came back. */
  readonly status: number | undefined;
  /** The response's Content-Type (null: none sent), when a response came back. */
  readonly contentType: string | null | undefined;
  constructor(url: string, message: string, options?: { cause?: unknown; status?: number; contentType?: string | null }) {
    super('asset-load-failed', message.includes(url) ? message : `${message} (${url})`, options);
    this.url = url;
    this.status = options?.status;
    this.contentType = options?.contentType;
  }
}

/** An AudioWorklet failed to load or threw in its processor (`onprocessorerror`). */
export class WorkletError extends EarshotError<'worklet-failed'> {
  override name = 'WorkletError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('worklet-failed', message, options);
  }
}

/** The VAD worker failed to start or to run the model. */
export class VadError extends EarshotError<'vad-failed'> {
  override name = 'VadError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('vad-failed', message, options);
  }
}

/** A turn detector failed to load its model or to predict. */
export class TurnDetectorError extends EarshotError<'turn-detector-failed'> {
  override name = 'TurnDetectorError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('turn-detector-failed', message, options);
  }
}

/**
 * What `error` events carry: one of Earshot's error classes, told apart by `code` or with
 * `instanceof`. `if (error.code === 'provider-rate-limited') error.retryAfterMs` type-checks;
 * codes with no class of their own (`closed`, `session-failed`, …) are plain `EarshotError`s.
 */
export type AnyEarshotError =
  | ConfigError
  | MicrophoneError
  | AssetLoadError
  | WorkletError
  | VadError
  | TurnDetectorError
  | ProviderError
  | EarshotError<Exclude<EarshotErrorCode, SpecificError['code']>>;

type SpecificError = ConfigError | MicrophoneError | AssetLoadError | WorkletError | VadError | TurnDetectorError | ProviderError;
