/** `tedg play` (a person at the keyboard) and `tedg watch` (a random agent), both through the same env. */
import { makeEnv, keyName, type NetHackEnv, FULL_ACTIONS } from "../../env/index.js";
import { Rng } from "../../util/index.js";

const CLEAR = "\x1b[H\x1b[2J";

function frame(env: NetHackEnv, footer: string): string {
  return CLEAR + env.render() + "\n" + footer + "\n";
}

export async function play(opts: { seed: number; character?: string }): Promise<void> {
  if (!process.stdin.isTTY) throw new Error("tedg play needs an interactive terminal (stdin is not a TTY)");
  const env = makeEnv({ actions: "full", character: opts.character, maxEpisodeSteps: 1_000_000 });
  env.reset({ seed: opts.seed });
  const keyToAction = new Map<number, number>();
  FULL_ACTIONS.forEach((k, i) => keyToAction.has(k) || keyToAction.set(k, i));
  process.stdout.write(frame(env, `seed ${opts.seed} — keys go to the game; Ctrl-C quits`));
  process.stdin.setRawMode(true);
  process.stdin.resume();
  await new Promise<void>((resolve) => {
    process.stdin.on("data", (buf: Buffer) => {
      for (let key of buf) {
        if (key === 3) return resolve(); // Ctrl-C
        if (key === 10) key = 13;
        const a = keyToAction.get(key);
        if (a === undefined) continue;
        const r = env.step(a);
        let footer = `seed ${opts.seed} — last key ${keyName(key)} — reward ${r.reward.toFixed(2)}`;
        if (r.terminated || r.truncated) {
          footer = `episode over (${r.info.endReason}${r.info.deathCause ? ": " + r.info.deathCause : ""}); press any key for a new game`;
          process.stdout.write(frame(env, footer));
          env.reset({ seed: opts.seed + 1 });
          return;
        }
        process.stdout.write(frame(env, footer));
      }
    });
  });
  process.stdin.setRawMode(false);
  process.stdin.pause();
}

export async function watch(opts: { seed: number; steps: number; delayMs: number }): Promise<void> {
  const env = makeEnv({ maxEpisodeSteps: opts.steps });
  const rng = new Rng(opts.seed);
  env.reset({ seed: opts.seed });
  let total = 0;
  for (let k = 0; k < opts.steps; k++) {
    const a = rng.int(env.numActions);
    const r = env.step(a);
    total += r.reward;
    const tty = process.stdout.isTTY;
    if (tty)
      process.stdout.write(
        frame(
          env,
          `seed ${opts.seed} step ${k + 1} action ${a} (${keyName(env.actionKeys[a])}) return ${total.toFixed(2)}`,
        ),
      );
    if (r.terminated || r.truncated) {
      if (!tty) process.stdout.write(env.render() + "\n");
      console.log(
        `episode over after ${k + 1} steps: ${r.info.endReason}${r.info.deathCause ? " (" + r.info.deathCause + ")" : ""}, return ${total.toFixed(2)}`,
      );
      return;
    }
    if (opts.delayMs > 0 && tty) await new Promise((res) => setTimeout(res, opts.delayMs));
  }
}
