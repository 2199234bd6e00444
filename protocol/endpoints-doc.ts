// The services framework's endpoints document (GET /api/v1/endpoints, and `endpoints` in its state
// stream): the contract between the framework, which builds it, and the load balancers and DNS
// servers that read it, which may not import the framework. docs/api.md describes it.

/** How a load balancer spreads new connections over a service's endpoints. */
export type EndpointsAlgorithm = 'round-robin' | 'least-connections';

export interface Endpoint {
  /** The instance (task) id. */
  id: string;
  /** The agent's address (its --advertise-address; its hostname for an agent that gives none). */
  host: string;
  hostname: string;
  agentId: string;
  /** Host ports by the spec's port names. */
  ports: Record<string, number>;
  /** The spec version it runs. */
  version: number;
}

export type DrainingEndpoint = Endpoint & { drainingSinceMs: number };

export interface ServiceEndpoints {
  id: string;
  /** `/team/web` -> `web.team.services.berth`. */
  dnsName: string;
  algorithm: EndpointsAlgorithm;
  /** Port name -> service port, for the ports that have one. */
  servicePorts: Record<string, number>;
  killGracePeriodSeconds: number;
  /** In rotation, sorted by id. */
  endpoints: Endpoint[];
  /** Out of rotation, about to be killed: no new connections; open ones may finish. Sorted by id. */
  draining: DrainingEndpoint[];
}
