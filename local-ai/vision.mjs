// Image content in chat requests, as OpenAI (`image_url` parts) and Anthropic (`image` blocks)
// take it: checks the real APIs make (where an image may go, data URL / base64 shape, media
// type matching the bytes), and what the demo brain can say about a picture (its format and size).

const MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

/** The format the bytes are in, by signature, or null. */
function sniff(bytes) {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}

/** Width × height of a PNG, GIF or baseline/progressive JPEG, or null. */
function dimensions(bytes, type) {
  if (type === 'image/png' && bytes.length >= 24) return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  if (type === 'image/gif' && bytes.length >= 10) return [bytes.readUInt16LE(6), bytes.readUInt16LE(8)];
  if (type === 'image/jpeg') {
    for (let i = 2; i + 9 < bytes.length; ) {
      if (bytes[i] !== 0xff) return null;
      const marker = bytes[i + 1];
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return [bytes.readUInt16BE(i + 7), bytes.readUInt16BE(i + 5)];
      i += 2 + bytes.readUInt16BE(i + 2);
    }
  }
  return null;
}

/**
 * Decodes base64 image data of `mediaType` (null: take the bytes' own type).
 * @returns {{ bytes: Buffer, type: string } | string} the image, or the API's complaint
 */
function decodeImage(data, mediaType) {
  if (typeof data !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return 'Invalid base64 image data';
  const bytes = Buffer.from(data, 'base64');
  const type = sniff(bytes);
  if (!type) return 'Could not process image: the data is not a JPEG, PNG, GIF or WebP image';
  if (mediaType && type !== mediaType) return `Image does not match the provided media type ${mediaType} (the data is ${type})`;
  return { bytes, type };
}

/** An OpenAI `image_url.url`: an http(s) URL, or a base64 data URL of a supported image. Returns the complaint or null. */
export function checkImageUrl(url) {
  if (typeof url !== 'string') return 'image_url.url must be a string';
  if (/^https?:\/\//i.test(url)) return null;
  const m = /^data:(image\/[a-z]+);base64,(.*)$/s.exec(url);
  if (!m) return "Invalid 'image_url.url'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,…'), but got a value that is neither that nor an http(s) URL.";
  if (!MEDIA_TYPES.includes(m[1])) return `Invalid image MIME type ${m[1]}: use image/jpeg, image/png, image/gif or image/webp`;
  const decoded = decodeImage(m[2], m[1]);
  return typeof decoded === 'string' ? decoded : null;
}

/** Chat Completions `messages`: content parts, images only from the user. Returns the complaint or null. */
export function checkChatContent(messages) {
  for (const [i, m] of messages.entries()) {
    if (!Array.isArray(m?.content)) continue;
    for (const [j, p] of m.content.entries()) {
      const at = `messages[${i}].content[${j}]`;
      if (p?.type === 'text') {
        if (typeof p.text !== 'string') return `Invalid type for '${at}.text': expected a string.`;
      } else if (p?.type === 'image_url') {
        if (m.role !== 'user') return `Invalid '${at}.type': image_url is only supported in user messages (this one is '${m.role}').`;
        const problem = checkImageUrl(p.image_url?.url);
        if (problem) return `${at}: ${problem}`;
        if (p.image_url.detail !== undefined && !['auto', 'low', 'high'].includes(p.image_url.detail)) return `Invalid '${at}.image_url.detail': expected one of 'auto', 'low', 'high'.`;
      } else return `Invalid value for '${at}.type': '${p?.type}'. Supported values are: 'text' and 'image_url'.`;
    }
  }
  return null;
}

/** An Anthropic `image` block (`source` base64 or url) in message `i` with `role`. Returns the complaint or null. */
export function checkImageBlock(b, role, at) {
  if (role !== 'user') return `${at}: image blocks may only appear in user messages`;
  const s = b.source;
  if (s?.type === 'url') return typeof s.url === 'string' && /^https?:\/\//.test(s.url) ? null : `${at}.source.url: Input should be a valid URL`;
  if (s?.type !== 'base64') return `${at}.source.type: Input tag '${s?.type}' found using 'type' does not match any of the expected tags: 'base64', 'url'`;
  if (!MEDIA_TYPES.includes(s.media_type)) return `${at}.source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
  const decoded = decodeImage(s.data, s.media_type);
  return typeof decoded === 'string' ? `${at}.source.base64: ${decoded}` : null;
}

/** What the demo brain can tell of one image URL: "a 64×48 PNG" (or "a picture at <url>"). */
export function describeImage(url) {
  const m = /^data:(image\/[a-z]+);base64,(.*)$/s.exec(url);
  if (!m) return 'a picture on the web';
  const decoded = decodeImage(m[2], null);
  if (typeof decoded === 'string') return 'a picture I cannot read';
  const size = dimensions(decoded.bytes, decoded.type);
  return `a ${size ? `${size[0]} by ${size[1]} pixel ` : ''}${decoded.type.slice(6).toUpperCase()} picture`;
}
