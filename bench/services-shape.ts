// The one shape both halves of `npm run bench -- services` use, so berth and Docker Swarm run the
// same service with the same health check and grace period.
export const SERVICES_BENCH = {
  instances: 10,
  image: 'busybox:latest',
  healthIntervalS: 0.5,
  healthTimeoutS: 0.5,
  healthRetries: 3,
  /** SIGTERM, then SIGKILL after this long: Swarm's --stop-grace-period, berth's killGracePeriodSeconds. */
  stopGraceS: 1,
  selfHealRounds: 3,
} as const;

export interface ServicesBenchResult {
  /** From `docker kill` of one instance until its replacement is running and healthy, per round. */
  selfHealMs: number[];
  /** From the update until every instance of the new version is healthy. */
  rollingMs: number;
}
