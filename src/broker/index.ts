/**
 * Public face of the broker layer: training across machines through Redis Streams — broker addresses and their
 * security policy, the binary rollout-segment format, and the Redis client (streams, consumer groups, weights).
 */
export { parseBrokerUrl, isLoopback, checkBrokerSecurity, type BrokerAddress } from "./address.js";
export {
  encodeSegment,
  decodeSegment,
  SegmentError,
  SEGMENT_MAGIC,
  MAX_HEADER_BYTES,
  type Segment,
  type SegmentMeta,
} from "./segment.js";
export { RedisBroker, runKeys, type BrokerOptions, type StreamEntry } from "./redis-broker.js";
export { LocalRedis, redisServerVersion, freeLoopbackPort, type LocalRedisOptions } from "./local-redis.js";
export { groupLag } from "./group-lag.js";
export {
  benchBroker,
  buildBenchSegment,
  parseActorCounts,
  resolveBenchOptions,
  type BrokerBenchOptions,
  type BrokerBenchResult,
  type BrokerBenchRun,
} from "./bench.js";
export {
  benchEndToEnd,
  resolveEndToEndOptions,
  readUpdateRecords,
  type EndToEndOptions,
  type EndToEndResult,
  type EndToEndRun,
} from "./bench-e2e.js";
export { encodeWeights, decodeWeights, WEIGHTS_MAGIC, type WireWeights } from "./weights-wire.js";
export { TedgProcess } from "./tedg-process.js";
