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
    .option(
      "--updates <n>",
      "also measure end to end: N updates (after --warmup) of the pipelined trainer and of tedg train --broker " +
        "with tedg actor processes at equal total envs; fills end_to_end",
      int("updates", 1),
    )
    .option("--warmup <n>", "with --updates: updates before the measurement (default 2)", int("warmup", 1))
    .option("--e2e-envs <n>", "with --updates: total envs of both setups (default 16)", int("e2e-envs", 1))
    .option(
      "--e2e-actors <k>",
      "with --updates: actor processes sharing the envs (default 1)",
      int("e2e-actors", 1),
    )
    .option("--rounds <n>", "with --updates: alternations of the two setups (default 2)", int("rounds", 1))
    .option(
      "--e2e-config <file>",
      "with --updates: a config file for both setups (default: training defaults)",
    )
    .option("--e2e-preset <name>", "with --updates: a preset for both setups (tedg train --preset)")
    .option("--no-ingest", "with --updates: skip the ingest measurement (only the end-to-end one)")
    .option("--json", "print JSON only")
    .action(
      async (o: {
        actors: string;
        seconds: number;
        segmentEnvs: number;
        segmentSteps: number;
        maxLen: number;
        updates?: number;
        warmup?: number;
        e2eEnvs?: number;
        e2eActors?: number;
        rounds?: number;
        e2eConfig?: string;
        e2ePreset?: string;
        ingest: boolean;
        json?: boolean;
      }) => {
        const flags = {
          warmup: "--warmup",
          e2eEnvs: "--e2e-envs",
          e2eActors: "--e2e-actors",
          rounds: "--rounds",
          e2eConfig: "--e2e-config",
          e2ePreset: "--e2e-preset",
        } as const;
        const e2eOnly = (Object.keys(flags) as (keyof typeof flags)[]).find((k) => o[k] !== undefined);
        if (o.updates === undefined && (e2eOnly || !o.ingest)) {
          const flag = e2eOnly ? flags[e2eOnly] : "--no-ingest";
          console.error(
            `tedg bench broker: ${flag} only applies with --updates N (the end-to-end measurement)`,
          );
          process.exit(2);
        }
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
          ingest: o.ingest,
          endToEnd:
            o.updates === undefined
              ? undefined
              : {
                  updates: o.updates,
                  warmup: o.warmup,
                  envs: o.e2eEnvs,
                  actors: o.e2eActors,
                  rounds: o.rounds,
                  config: o.e2eConfig,
                  extraArgs: o.e2ePreset ? ["--preset", o.e2ePreset] : [],
                },
          log: o.json ? undefined : (m) => console.error(`tedg bench broker: ${m}`),
        });
        console.log(o.json ? JSON.stringify(r) : JSON.stringify(r, null, 2));
      },
    );
}
