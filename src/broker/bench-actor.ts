/**
 * One actor process of `tedg bench broker` (forked by bench.ts with an IPC channel; argv[2] is its JSON config).
 * It reads the prerecorded segment, re-encodes it once under its own actor name, connects, says "ready"; on "go"
 * it publishes the segment as fast as the stream accepts for the given seconds — one XADD in flight, and only
 * while the learner group's lag is below `backlog`, so MAXLEN never trims an unread entry — then reports how
 * many segments and bytes it published and how long it waited, and exits.
 */
import { readFileSync } from "node:fs";
import { parseBrokerUrl } from "./address.js";
import { groupLag } from "./group-lag.js";
import { RedisBroker } from "./redis-broker.js";
import { decodeSegment, encodeSegment } from "./segment.js";

/** What the bench passes to each actor process (argv[2], JSON). */
export interface BenchActorConfig {
  url: string;
  run: string;
  group: string;
  file: string;
  actor: string;
  maxLen: number;
  backlog: number;
}

const cfg = JSON.parse(process.argv[2] ?? "{}") as BenchActorConfig;
const send = (m: object) => new Promise<void>((resolve) => process.send!(m, undefined, {}, () => resolve()));

async function main(): Promise<void> {
  if (!process.send) throw new Error("bench-actor must be started by `tedg bench broker` (no IPC channel)");
  const seg = decodeSegment(readFileSync(cfg.file));
  seg.meta.actor = cfg.actor;
  seg.meta.run = cfg.run;
  const data = encodeSegment(seg);
  const broker = new RedisBroker(parseBrokerUrl(cfg.url), { name: cfg.actor });
  await broker.connect();
  const go = new Promise<number>((resolve) =>
    process.on("message", (m: { type: string; seconds: number }) => m.type === "go" && resolve(m.seconds)),
  );
  // The bench went away (crashed or was interrupted): stop rather than publish into a server nobody reads.
  process.on("disconnect", () => process.exit(1));
  await send({ type: "ready" });
  const seconds = await go;
  const end = performance.now() + seconds * 1000;
  let published = 0;
  let bytes = 0;
  let waitMs = 0;
  while (performance.now() < end) {
    if ((await groupLag(broker, cfg.run, cfg.group)) >= cfg.backlog) {
      const w0 = performance.now();
      await new Promise((r) => setTimeout(r, 1));
      waitMs += performance.now() - w0;
      continue;
    }
    await broker.publishSegment(cfg.run, data, cfg.maxLen);
    published++;
    bytes += data.length;
  }
  await send({ type: "done", actor: cfg.actor, published, bytes, waitSeconds: waitMs / 1000 });
  process.removeAllListeners("disconnect");
  await broker.close();
  process.disconnect();
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
