// Child process for the cross-process determinism test: prints the digest sequence of a fixed episode.
import { makeEnv, digestObservation } from "../../src/env/index.js";

const seed = Number(process.argv[2]);
const steps = Number(process.argv[3]);
const env = makeEnv({ maxEpisodeSteps: 100000 });
const out: string[] = [digestObservation(env.reset({ seed }).obs)];
let rs = 12345;
for (let k = 0; k < steps; k++) {
  rs = (Math.imul(rs, 1103515245) + 12345) & 0x7fffffff;
  const r = env.step(rs % env.numActions);
  out.push(digestObservation(r.obs));
  if (r.terminated || r.truncated) break;
}
process.stdout.write(JSON.stringify(out));
