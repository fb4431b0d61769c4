export { makeEnv, BL, SCORE_ACTIONS, decodeCString, digestObservation } from "../../src/env/index.js";
export const InvalidStateOrArg = null;
