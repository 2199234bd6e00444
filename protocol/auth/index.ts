// The public surface of protocol/auth: the auth file, the Authenticator, bearer tokens and the
// answers to refused calls (docs/security.md).
export { Action, ACTIONS } from './actions.js';
export { parseAuthConfig, loadAuthFile, type AuthConfig, type AclRule, type PrincipalConfig, type RateLimit } from './parse-config.js';
export {
  ANONYMOUS,
  Authenticator,
  BERTH_SUBPROTOCOL,
  BEARER_SUBPROTOCOL_PREFIX,
  RateLimitedError,
  authSubprotocol,
  bearerHeaders,
  bearerToken,
  pickSubprotocol,
  tokenProblem,
  type Principal,
} from './authenticator.js';
export { authHeaders, httpAnswer, rawHttpAnswer, refusalText, type HttpAnswer } from './http-answer.js';
export { RateLimiter } from './rate-limiter.js';
