/** `tedg bench broker`: the learner's ingest capacity through Redis Streams (src/broker/bench.ts). */
import type { Command } from "commander";

type IntParser = (name: string, min?: number) => (v: string) => number;

export function registerBrokerBench(bench: Command, int: IntParser): void {
  bench
    .command("broker")
    .description(
      "ingest capacity of one learner through Redis Streams: K actor processes publish real-sized rollout " +
        "segments to a throwaway local redis-server; the learner decodes, validates and acknowledges them",
    )
    .option("--actors <k>", "actor processes, or a comma-separated list to sweep (e.g. 1,2,4)", "2")
    .option("--seconds <n>", "publishing time per actor count", int("seconds", 1), 10)
    .option("--segment-envs <n>", "envs per segment (training default 16)", int("segment-envs", 1), 16)
    .option("--segment-steps <n>", "steps per segment (training default 128)", int("segment-steps", 1), 128)
    .option("--max-len <n>", "the stream's MAXLEN (~), entries", int("max-len", 2), 32)
    .option("--json", "print JSON only")
    .action(
      async (o: {
        actors: string;
        seconds: number;
        segmentEnvs: number;
        segmentSteps: number;
        maxLen: number;
        json?: boolean;
      }) => {
        // Loaded on use: the bench records real play (the engine and the model's feature code).
        const { benchBroker, parseActorCounts } = await import("../../broker/index.js");
        // Exit through process.exit on a signal, so the throwaway redis-server is killed with us ("exit" hook).
        for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => process.exit(130));
        const r = await benchBroker({
          actors: parseActorCounts(o.actors),
          seconds: o.seconds,
          segmentEnvs: o.segmentEnvs,
          segmentSteps: o.segmentSteps,
          maxLen: o.maxLen,
          log: o.json ? undefined : (m) => console.error(`tedg bench broker: ${m}`),
        });
        console.log(o.json ? JSON.stringify(r) : JSON.stringify(r, null, 2));
      },
    );
}
