/**
 * Entry of the learner's thread (pipelined mode): builds the policy and a LocalLearner from `workerData`, then
 * answers the WorkerLearner's requests one at a time, in order.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadBuiltinGraph } from "../knowledge/index.js";
import { initBackend } from "../model/index.js";
import { policyForConfig } from "../agent/index.js";
import { LocalLearner, type LearnerStart } from "./learner.js";
import type { LearnerRequest, LearnerReply, LearnerInit } from "./worker-learner.js";

const init = workerData as LearnerInit;
const port = parentPort!;

const ready = (async () => {
  await initBackend(init.backend);
  const policy = policyForConfig(init.config, loadBuiltinGraph());
  policy.setWeights(init.weights);
  const start: LearnerStart = init.start;
  return { policy, learner: await LocalLearner.create(policy, init.config, start) };
})();

// Requests run one after another. A failed start-up must not stall the queue: every request then answers with
// that error (`await ready` below rethrows it).
let queue: Promise<unknown> = ready.catch(() => {});
port.on("message", (req: LearnerRequest) => {
  queue = queue.then(async () => {
    let reply: LearnerReply;
    try {
      const { policy, learner } = await ready;
      let value: unknown;
      if (req.kind === "update") {
        const r = await learner.update(req.job);
        value = { ...r, state: { weights: policy.getWeights(), optimizer: await learner.optimizerState() } };
      } else if (req.kind === "weights") value = policy.getWeights();
      else if (req.kind === "optimizer") value = await learner.optimizerState();
      else {
        await learner.close();
        policy.dispose();
        value = null;
      }
      reply = { id: req.id, ok: true, value };
    } catch (e) {
      const err = e as Error & { failures?: number; lastReason?: string };
      reply = {
        id: req.id,
        ok: false,
        error: {
          name: err.constructor?.name ?? err.name,
          message: err.message,
          stack: err.stack ?? "",
          failures: err.failures,
          lastReason: err.lastReason,
        },
      };
    }
    port.postMessage(reply);
  });
});
