// RecordIO, the framing of Mesos' event streams: each record is its length in bytes, a newline,
// then the record. JSON records escape every non-ASCII character, so the record has no newline and
// its length in characters is its length in bytes (some clients count one as the other).

/** A JSON value as one RecordIO record. */
export function jsonRecord(value: unknown): Buffer {
  const json = JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return record(Buffer.from(json, 'utf8'));
}

/** Bytes as one RecordIO record. */
export function record(bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${bytes.length}\n`, 'ascii'), bytes]);
}
