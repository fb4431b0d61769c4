/**
 * The broker: Redis, through ioredis. One run uses these keys (prefix `tedg:<run>:`):
 *   segments  a stream; actors XADD one entry per rollout segment (field `d`: the encoded segment), capped at
 *             MAXLEN ~ maxLen so a stalled learner cannot exhaust the server's memory (the learner deletes
 *             the entries it has acknowledged, so in a healthy run the cap is never reached);
 *   weights   the newest published weights (encoded blob) and `weights:version` its update count; a PUBLISH on
 *             the `weights` channel tells actors a new version exists;
 *   seeds     a counter from which every actor takes a disjoint range of game seeds;
 *   info      the run's description (JSON: config, config and graph hashes, …), published by the learner.
 * The learner reads the stream through a consumer group: an entry is delivered to one consumer and stays in the
 * group's pending list until acknowledged, so a learner that dies mid-batch gets it again (XAUTOCLAIM).
 * The client reconnects with capped exponential backoff and queues commands meanwhile.
 */
import { Redis } from "ioredis";
import { StateError } from "../util/index.js";
import type { BrokerAddress } from "./address.js";

export interface StreamEntry {
  id: string;
  data: Buffer;
}

export interface BrokerOptions {
  /** Shown in Redis's CLIENT LIST and in logs. */
  name?: string;
  /** Called with a line on connection loss and recovery. */
  log?: (line: string) => void;
  /** Longest wait between reconnection attempts (ms, default 5000). */
  maxBackoffMs?: number;
}

export function runKeys(run: string) {
  const p = `tedg:${run}:`;
  return {
    segments: `${p}segments`,
    weights: `${p}weights`,
    weightsVersion: `${p}weights:version`,
    channel: `${p}weights`,
    seeds: `${p}seeds`,
    info: `${p}info`,
  };
}

export class RedisBroker {
  readonly redis: Redis;

  constructor(
    readonly address: BrokerAddress,
    opts: BrokerOptions = {},
  ) {
    const maxBackoff = opts.maxBackoffMs ?? 5000;
    let down = false;
    this.redis = new Redis({
      host: address.host,
      port: address.port,
      db: address.db,
      username: address.username,
      password: address.password,
      tls: address.tls ? {} : undefined,
      connectionName: opts.name,
      lazyConnect: true,
      // Commands wait for the connection to come back instead of failing after a few retries.
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(maxBackoff, 100 * 2 ** Math.min(attempt, 10)),
    });
    this.redis.on("error", (e: Error) => {
      if (!down) opts.log?.(`broker ${address.display}: ${e.message} (reconnecting)`);
      down = true;
    });
    this.redis.on("ready", () => {
      if (down) opts.log?.(`broker ${address.display}: reconnected`);
      down = false;
    });
  }

  async connect(): Promise<void> {
    await this.redis.connect();
  }

  /**
   * Connects, waiting out a broker that is not up yet (retrying with the same capped backoff as reconnection,
   * each failure logged once); rejects only when the broker refuses the credentials.
   */
  async connectPatiently(): Promise<void> {
    const r = this.redis;
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        r.off("ready", onReady);
        r.off("error", onError);
      };
      const onReady = () => {
        done();
        resolve();
      };
      const onError = (e: Error) => {
        if (!/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(e.message)) return;
        done();
        r.disconnect();
        reject(new StateError(`broker ${this.address.display} refused the credentials: ${e.message}`));
      };
      r.on("ready", onReady);
      r.on("error", onError);
      r.connect().catch(() => {});
    });
  }

  /** Creates the run's consumer group (and the stream) if missing; new groups start at the stream's end. */
  async ensureGroup(run: string, group: string): Promise<void> {
    try {
      await this.redis.xgroup("CREATE", runKeys(run).segments, group, "$", "MKSTREAM");
    } catch (e) {
      if (!String((e as Error).message).includes("BUSYGROUP")) throw e;
    }
  }

  /** Appends one segment; returns its stream id. */
  async publishSegment(run: string, data: Buffer, maxLen: number): Promise<string> {
    const id = await this.redis.xadd(runKeys(run).segments, "MAXLEN", "~", maxLen, "*", "d", data);
    if (!id) throw new StateError("XADD returned no id");
    return id;
  }

  /** Up to `count` entries never delivered to the group, waiting up to `blockMs` for the first. */
  async readSegments(run: string, group: string, consumer: string, count: number, blockMs: number) {
    return this.readGroup(run, group, consumer, count, ">", blockMs);
  }

  /** Takes over entries another consumer of the group received but did not acknowledge for `minIdleMs`. */
  async claimStale(run: string, group: string, consumer: string, minIdleMs: number, count = 100) {
    const res = (await this.redis.callBuffer(
      "XAUTOCLAIM",
      runKeys(run).segments,
      group,
      consumer,
      String(minIdleMs),
      "0-0",
      "COUNT",
      String(count),
    )) as [Buffer, [Buffer, Buffer[] | null][]];
    return entriesOf(res[1].filter((e): e is [Buffer, Buffer[]] => e[1] !== null));
  }

  async ack(run: string, group: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.redis.xack(runKeys(run).segments, group, ...ids);
  }

  /**
   * Acknowledges `ids` and deletes them from the stream in one MULTI (atomic, so a crash leaves them either
   * pending and present or acknowledged and gone). Ids already acknowledged or deleted are ignored, so
   * repeating it (after a resume) is harmless. Returns how many were deleted.
   */
  async ackAndDelete(run: string, group: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const key = runKeys(run).segments;
    const res = await this.redis
      .multi()
      .xack(key, group, ...ids)
      .xdel(key, ...ids)
      .exec();
    for (const [err] of res ?? []) if (err) throw err;
    return Number(res?.[1]?.[1] ?? 0);
  }

  /**
   * Entries ever added to the run's stream, deleted and trimmed ones included (XINFO STREAM
   * "entries-added", Redis ≥ 7.0); null before the stream exists or on an older server.
   */
  async entriesAdded(run: string): Promise<number | null> {
    let info: unknown[];
    try {
      info = (await this.redis.xinfo("STREAM", runKeys(run).segments)) as unknown[];
    } catch {
      return null;
    }
    for (let i = 0; i + 1 < info.length; i += 2)
      if (String(info[i]) === "entries-added")
        return typeof info[i + 1] === "number" ? (info[i + 1] as number) : null;
    return null;
  }

  /**
   * Entries already delivered to `consumer` and not yet acknowledged (what a restarted consumer of the same
   * name must finish first), oldest first, after stream id `after`.
   */
  async readOwnPending(run: string, group: string, consumer: string, count: number, after = "0-0") {
    return this.readGroup(run, group, consumer, count, after);
  }

  /** XREADGROUP from stream id `from` (">": never delivered), blocking up to `blockMs` when given. */
  private async readGroup(
    run: string,
    group: string,
    consumer: string,
    count: number,
    from: string,
    blockMs?: number,
  ) {
    const block = blockMs === undefined ? [] : ["BLOCK", String(blockMs)];
    const res = (await this.redis.callBuffer(
      "XREADGROUP",
      "GROUP",
      group,
      consumer,
      "COUNT",
      String(count),
      ...block,
      "STREAMS",
      runKeys(run).segments,
      from,
    )) as [Buffer, [Buffer, Buffer[] | null][]][] | null;
    // An entry trimmed away (MAXLEN) while pending comes back without fields.
    return entriesOf((res?.[0]?.[1] ?? []).map(([id, f]) => [id, f ?? []] as [Buffer, Buffer[]]));
  }

  /**
   * Entries of the stream not yet delivered to the group (XINFO GROUPS "lag", Redis ≥ 7); null when Redis
   * cannot tell (an older server, or entries deleted from the middle) or the group does not exist.
   */
  async groupLag(run: string, group: string): Promise<number | null> {
    let groups: unknown[][];
    try {
      groups = (await this.redis.xinfo("GROUPS", runKeys(run).segments)) as unknown[][];
    } catch {
      return null;
    }
    for (const g of groups) {
      const f = new Map<string, unknown>();
      for (let i = 0; i + 1 < g.length; i += 2) f.set(String(g[i]), g[i + 1]);
      if (f.get("name") === group) {
        const lag = f.get("lag");
        return typeof lag === "number" ? lag : null;
      }
    }
    return null;
  }

  /** Entries in the run's stream. */
  async streamLength(run: string): Promise<number> {
    return this.redis.xlen(runKeys(run).segments);
  }

  /** Stores the run's description (JSON). */
  async setRunInfo(run: string, info: unknown): Promise<void> {
    await this.redis.set(runKeys(run).info, JSON.stringify(info));
  }

  /** The run's description, or null before a learner published it. */
  async getRunInfo(run: string): Promise<unknown> {
    const s = await this.redis.get(runKeys(run).info);
    return s === null ? null : JSON.parse(s);
  }

  /** The version of the newest published weights (null: none yet), without fetching them. */
  async weightsVersion(run: string): Promise<number | null> {
    const v = await this.redis.get(runKeys(run).weightsVersion);
    return v === null ? null : Number(v);
  }

  /** Entries delivered to the group and not yet acknowledged. */
  async pending(run: string, group: string): Promise<number> {
    const res = (await this.redis.xpending(runKeys(run).segments, group)) as [number, ...unknown[]];
    return Number(res[0]);
  }

  /** Stores weights of `version` and notifies subscribers. */
  async publishWeights(run: string, version: number, data: Buffer): Promise<void> {
    const k = runKeys(run);
    await this.redis.multi().set(k.weights, data).set(k.weightsVersion, String(version)).exec();
    await this.redis.publish(k.channel, String(version));
  }

  /** The newest weights, or null before any were published. */
  async fetchWeights(run: string): Promise<{ version: number; data: Buffer } | null> {
    const k = runKeys(run);
    const [[, data], [, version]] = (await this.redis
      .multi()
      .getBuffer(k.weights)
      .get(k.weightsVersion)
      .exec()) as [[unknown, Buffer | null], [unknown, string | null]];
    return data && version !== null ? { version: Number(version), data } : null;
  }

  /** A range of `count` seeds no other caller of this run gets: [start, start + count). */
  async allocateSeeds(run: string, count: number, base: number): Promise<number> {
    const end = await this.redis.incrby(runKeys(run).seeds, count);
    return base + end - count;
  }

  /** Seeds handed out so far (the counter allocateSeeds adds to; 0 before any). */
  async seedsAllocated(run: string): Promise<number> {
    return Number((await this.redis.get(runKeys(run).seeds)) ?? 0);
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}

function entriesOf(list: [Buffer, Buffer[]][]): StreamEntry[] {
  const out: StreamEntry[] = [];
  for (const [id, fields] of list) {
    let data: Buffer | null = null;
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i].toString() === "d") data = fields[i + 1];
    out.push({ id: id.toString(), data: data ?? Buffer.alloc(0) });
  }
  return out;
}
