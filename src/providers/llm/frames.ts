/**
 * Vision frames → image URLs for the LLM providers' entries (not the core): files are sent as
 * they are, anything drawable has one frame drawn into an OffscreenCanvas and encoded as JPEG.
 */

import { ConfigError } from '../../errors';
import type { VisionFrame } from '../types';

/** Longest side of a drawn frame, px: detail enough to read a label, ~1 k tokens at most. */
export const FRAME_MAX_SIDE = 1024;
/** JPEG quality of a drawn frame (0–1). */
export const FRAME_QUALITY = 0.85;
/** The image types OpenAI and Anthropic both take. */
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const DATA_URL = /^data:(image\/(?:jpeg|png|gif|webp));base64,([A-Za-z0-9+/]+={0,2})$/;

/** One encoding per `frames` array: every LLM round of a reply sends the same pictures. */
const encoded = new WeakMap<readonly VisionFrame[], Promise<string[]>>();

/**
 * `frames` as `data:image/…;base64,` or http(s) URLs. Each array is encoded once (a video's frame
 * is grabbed on the first call, when the reply's first request is made).
 * @throws ConfigError for a frame that is not a picture: a non-image Blob, a `<video>` with no
 *   frame yet, a canvas the page may not read (cross-origin), an unknown object or string.
 */
export function frameUrls(frames: readonly VisionFrame[] | undefined, provider: string): Promise<string[]> {
  if (!frames?.length) return Promise.resolve([]);
  let urls = encoded.get(frames);
  if (!urls) encoded.set(frames, (urls = Promise.all(frames.map((f, i) => frameUrl(f, `${provider}: frame ${i}`)))));
  return urls;
}

/** A data URL's media type and base64 payload, or null for an http(s) URL. */
export function splitDataUrl(url: string): { mediaType: string; data: string } | null {
  const m = DATA_URL.exec(url);
  return m ? { mediaType: m[1]!, data: m[2]! } : null;
}

async function frameUrl(frame: VisionFrame, where: string): Promise<string> {
  if (typeof frame === 'string') {
    if (/^https?:\/\//i.test(frame) || DATA_URL.test(frame)) return frame;
    throw new ConfigError(`${where}: a string frame must be an http(s) URL or a base64 data URL of a JPEG, PNG, GIF or WebP image`);
  }
  if (typeof Blob !== 'undefined' && frame instanceof Blob) {
    if (!IMAGE_TYPES.includes(frame.type)) throw new ConfigError(`${where}: a Blob of type '${frame.type || 'none'}' is not an image the LLM takes (JPEG, PNG, GIF, WebP)`);
    return toDataUrl(frame.type, await frame.arrayBuffer());
  }
  return toDataUrl('image/jpeg', await (await draw(frame as Exclude<VisionFrame, Blob | string>, where)).arrayBuffer());
}

/** One frame of a drawable source, scaled to fit FRAME_MAX_SIDE, as a JPEG Blob. */
async function draw(frame: Exclude<VisionFrame, Blob | string>, where: string): Promise<Blob> {
  const f = frame as { videoWidth?: number; videoHeight?: number; displayWidth?: number; displayHeight?: number; width?: number; height?: number; readyState?: number };
  // A <video> before HAVE_CURRENT_DATA (2) has nothing to draw.
  if (f.readyState !== undefined && f.readyState < 2) throw new ConfigError(`${where}: the <video> has no frame yet (readyState ${f.readyState}); wait for 'loadeddata'`);
  const w = f.videoWidth ?? f.displayWidth ?? f.width ?? 0;
  const h = f.videoHeight ?? f.displayHeight ?? f.height ?? 0;
  if (!(w > 0 && h > 0)) throw new ConfigError(`${where}: not a picture (an ImageBitmap, VideoFrame, <video>, <canvas>, OffscreenCanvas, Blob or URL), or one of size 0`);
  if (typeof OffscreenCanvas === 'undefined') throw new ConfigError(`${where}: drawing a frame needs OffscreenCanvas`);
  const scale = Math.min(1, FRAME_MAX_SIDE / Math.max(w, h));
  const canvas = new OffscreenCanvas(Math.round(w * scale), Math.round(h * scale));
  try {
    canvas.getContext('2d')!.drawImage(frame as CanvasImageSource, 0, 0, canvas.width, canvas.height);
    return await canvas.convertToBlob({ type: 'image/jpeg', quality: FRAME_QUALITY });
  } catch (cause) {
    // A cross-origin video or image without CORS taints the canvas: SecurityError on export.
    throw new ConfigError(`${where}: could not draw the frame (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
}

function toDataUrl(type: string, bytes: ArrayBuffer): string {
  const view = new Uint8Array(bytes);
  let binary = '';
  for (let i = 0; i < view.length; i += 0x8000) binary += String.fromCharCode(...view.subarray(i, i + 0x8000));
  return `data:${type};base64,${btoa(binary)}`;
}
