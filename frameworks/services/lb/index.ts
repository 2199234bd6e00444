// The load balancer (a process of its own, `berth lb`): TCP proxying of every service port over
// the services framework's in-rotation endpoints, with an admin HTTP server for metrics and stats.
export { startLoadBalancer, checkLoadBalancerOptions, endpointsStreamUrl, type LoadBalancer, type LoadBalancerOptions, type OptionProblem } from './load-balancer.js';
export { Algorithm, ALGORITHMS, decodeEndpoints, type Endpoint, type DrainingEndpoint, type ServiceEndpoints } from './endpoints.js';
export { Forwarding, FORWARDINGS } from './forwarding.js';
export { BackendPool, type Backend } from './backend-pool.js';
export { looksLikeHttp, startsRequest } from './http-requests.js';
export type { ServicePortStats, BackendStats } from './lb-metrics.js';
export type { LbLog } from './service-port.js';
export { ADMIN_PATHS } from './admin-http.js';
