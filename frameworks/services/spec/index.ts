// The service spec: types, the JSON Schema, parsing (berth and Marathon formats) and diffs.
export {
  ConstraintOperator,
  Placement,
  HealthCheckProtocol,
  LbAlgorithm,
  type LoadBalancerSpec,
  type ServiceSpec,
  type ServiceInput,
  type GroupInput,
  type ContainerSpec,
  type ResourcesSpec,
  type PortSpec,
  type ConstraintSpec,
  type HealthCheckSpec,
  type HealthCheckTimings,
  type ReadinessCheckSpec,
  type UpgradeStrategySpec,
  type BackoffSpec,
  type AutoscaleSpec,
  type AutoscaleTarget,
  type SpecProblem,
  type ParseResult,
  type SpecFormat,
} from './types.js';
export { parseServiceFile, parseServiceDocument, parseMarathonDocument, type ParseOptions } from './parse-service-file.js';
export { readDocument, DEFAULT_MAX_BYTES, type ReadLimits, type ReadResult } from './read-document.js';
export { serviceFileSchema, MAX_INSTANCES } from './schema.js';
export { fillDefaults, DEFAULTS } from './defaults.js';
export { isMarathonDocument, translateMarathon, type MarathonTranslation } from './marathon.js';
export { dependencyCycles } from './semantic-checks.js';
export { clampInstances, AUTOSCALE_DEFAULTS } from './autoscale.js';
export { joinPath } from './field-path.js';
export { deployOrder } from './deploy-order.js';
export { diffServiceSpec, diffServiceSets, type ServiceSetDiff, type PatchOperation } from './diff.js';
