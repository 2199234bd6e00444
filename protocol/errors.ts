// Error codes and WebSocket close codes, defined once. Codes cross the wire as {code, message}.

export const ErrorCode = {
  // Bad input from a peer.
  MALFORMED_FRAME: 'MALFORMED_FRAME',
  INVALID_CALL: 'INVALID_CALL',
  INVALID_RESOURCES: 'INVALID_RESOURCES',
  INVALID_TASK: 'INVALID_TASK',
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  // State the call refers to does not exist or is not the caller's.
  NOT_SUBSCRIBED: 'NOT_SUBSCRIBED',
  OFFER_UNKNOWN: 'OFFER_UNKNOWN',
  OFFER_NOT_OWNED: 'OFFER_NOT_OWNED',
  OFFERS_SPAN_AGENTS: 'OFFERS_SPAN_AGENTS',
  RESOURCES_EXCEED_OFFER: 'RESOURCES_EXCEED_OFFER',
  TASK_ID_DUPLICATE: 'TASK_ID_DUPLICATE',
  TASK_UNKNOWN: 'TASK_UNKNOWN',
  AGENT_UNKNOWN: 'AGENT_UNKNOWN',
  AGENT_MISMATCH: 'AGENT_MISMATCH',
  FRAMEWORK_UNKNOWN: 'FRAMEWORK_UNKNOWN',
  ROLE_NOT_SUBSCRIBED: 'ROLE_NOT_SUBSCRIBED',
  // The master cannot serve the call now.
  NOT_LEADER: 'NOT_LEADER',
  FENCED: 'FENCED',
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** No master answered an HTTP read (the SDK's cluster state). */
  MASTER_UNAVAILABLE: 'MASTER_UNAVAILABLE',
  INTERNAL: 'INTERNAL',
  // HTTP API.
  NOT_FOUND: 'NOT_FOUND',
  BAD_REQUEST: 'BAD_REQUEST',
  CONFLICT: 'CONFLICT',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  // Authentication and authorization (docs/security.md).
  /** No token, or one no principal holds. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** A known principal that the ACLs do not allow this action. */
  FORBIDDEN: 'FORBIDDEN',
  /** A principal over its rate limit; the answer says when to try again. */
  RATE_LIMITED: 'RATE_LIMITED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status for each code, in one table. */
export const httpStatus: Record<ErrorCode, number> = {
  MALFORMED_FRAME: 400,
  INVALID_CALL: 400,
  INVALID_RESOURCES: 400,
  INVALID_TASK: 400,
  UNSUPPORTED_VERSION: 400,
  NOT_SUBSCRIBED: 409,
  OFFER_UNKNOWN: 404,
  OFFER_NOT_OWNED: 403,
  OFFERS_SPAN_AGENTS: 400,
  RESOURCES_EXCEED_OFFER: 400,
  TASK_ID_DUPLICATE: 409,
  TASK_UNKNOWN: 404,
  AGENT_UNKNOWN: 404,
  AGENT_MISMATCH: 400,
  FRAMEWORK_UNKNOWN: 404,
  ROLE_NOT_SUBSCRIBED: 403,
  NOT_LEADER: 503,
  FENCED: 503,
  STORE_UNAVAILABLE: 503,
  MASTER_UNAVAILABLE: 503,
  INTERNAL: 500,
  NOT_FOUND: 404,
  BAD_REQUEST: 400,
  CONFLICT: 409,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
};

/** An error with a stable code and, when it is about one input field, that field's path. */
export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly field: string;
  constructor(code: ErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BerthError';
    this.code = code;
    this.field = options.field ?? '';
  }
  toWire(requestId = ''): { code: string; message: string; field: string; requestId: string } {
    return { code: this.code, message: this.message, field: this.field, requestId };
  }
}

/** Application close codes (RFC 6455 reserves 4000-4999 for applications). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  TOO_BIG: 1009,
  SHUTDOWN: 4000,
  UNSUPPORTED_VERSION: 4001,
  MALFORMED_FRAME: 4002,
  HANDSHAKE_FAILED: 4003,
  HEARTBEAT_TIMEOUT: 4004,
  NOT_LEADER: 4005,
  FENCED: 4006,
  REPLACED: 4007,
  TORN_DOWN: 4008,
  AGENT_REMOVED: 4009,
  POLICY: 4010,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * Close codes after which a client must not reconnect on its own. REPLACED is among them: another
 * process connected as the same agent or framework id, and two processes that each came back after
 * being replaced would evict each other for ever.
 */
export const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.UNSUPPORTED_VERSION,
  CloseCode.REPLACED,
  CloseCode.TORN_DOWN,
  CloseCode.POLICY,
]);
