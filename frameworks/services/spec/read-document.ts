// Service files are read by the SDK's document reader (size, depth and alias limits).
export { readDocument, DEFAULT_MAX_BYTES, type ReadLimits, type ReadResult } from '../../sdk/read-document.js';
