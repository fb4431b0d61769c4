/** `tedg actor`: one host's envs collecting rollouts for a broker run (`tedg train --broker`). */
import type { Command } from "commander";
import { runActor } from "../../train/index.js";
import { InvalidArgumentError } from "../../util/index.js";

type IntParser = (name: string, min?: number) => (v: string) => number;

interface ActorCliOptions {
  broker: string;
  run: string;
  envs?: number;
  workers?: number;
  insecure?: boolean;
  backend?: string;
  maxSegments?: number;
}

export function registerActorCommand(program: Command, int: IntParser): void {
  program
    .command("actor")
    .description(
      "collect rollouts for a run whose learner runs `tedg train --broker` (on this or another host)",
    )
    .requiredOption(
      "--broker <url>",
      "redis://[user][:password@]host[:port][/db] (password also REDIS_PASSWORD)",
    )
    .requiredOption("--run <name>", "the run's name (the learner's --exp-name)")
    .option("--envs <n>", "environments on this host (default: the run config's envs)", int("envs", 1))
    .option("--workers <n>", "worker threads for the environments (default: cores)", int("workers", 1))
    .option("--insecure", "allow a broker outside loopback without a password")
    .option("--backend <kind>", "tensor backend: wasm | cpu", "wasm")
    .option("--max-segments <n>", "stop after publishing this many segments", int("max-segments", 1))
    .action(async (o: ActorCliOptions) => {
      if (o.backend !== "wasm" && o.backend !== "cpu")
        throw new InvalidArgumentError("--backend", o.backend, "wasm or cpu");
      const controller = new AbortController();
      const stop = () => {
        if (controller.signal.aborted) process.exit(130);
        console.error("tedg actor: stopping after this rollout (again to quit at once)");
        controller.abort();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      try {
        const r = await runActor({
          broker: o.broker,
          run: o.run,
          envs: o.envs,
          workers: o.workers,
          insecure: o.insecure,
          backend: o.backend,
          maxSegments: o.maxSegments,
          signal: controller.signal,
          log: (l) => console.error(`tedg ${l}`),
        });
        console.log(
          `${r.status}: actor ${r.actor} published ${r.segments} segments (${r.episodes} episodes, ${r.envSteps} steps)`,
        );
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    });
}
