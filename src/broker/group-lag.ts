/** A consumer group's lag: entries added to the stream and not yet delivered to the group (Redis ≥ 7.0). */
import { StateError } from "../util/index.js";
import { runKeys, type RedisBroker } from "./redis-broker.js";

export async function groupLag(broker: RedisBroker, run: string, group: string): Promise<number> {
  const groups = (await broker.redis.xinfo("GROUPS", runKeys(run).segments)) as unknown[][];
  for (const g of groups) {
    const f: Record<string, unknown> = {};
    for (let i = 0; i + 1 < g.length; i += 2) f[String(g[i])] = g[i + 1];
    if (f.name !== group) continue;
    if (typeof f.lag !== "number")
      throw new StateError(`consumer group ${group} reports no lag (needs redis-server ≥ 7.0; got ${f.lag})`);
    return f.lag;
  }
  throw new StateError(`no consumer group ${group} on ${runKeys(run).segments}`);
}
