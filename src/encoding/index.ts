// Byte and text encodings shared by the pure core. No I/O; runs in Node and browsers.
export { encodeBase64, decodeBase64 } from './base64.js';
export { readAtMost } from './bounded.js';
export { MAX_JSON_DEPTH, canonicalJson, isPlainObject } from './canonical-json.js';
export { safeLine, safeText } from './display.js';
export {
  utf8,
  decodeUtf8,
  parseDecimal,
  encodeHex,
  decodeHex,
  isBytes,
  bytesEqual,
  concatBytes,
  readUint32,
  uint32Bytes,
} from './text.js';
