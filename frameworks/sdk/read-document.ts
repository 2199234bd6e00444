// Spec files are read by protocol's bounded document reader (size, lines, entries, depth and
// alias limits), which the master's own files (the auth file) use too.
export { readDocument, DEFAULT_MAX_BYTES, type DocumentProblem, type ReadLimits, type ReadResult } from '../../protocol/read-document.js';
