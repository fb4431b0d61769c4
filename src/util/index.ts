export * from "./errors.js";
export * from "./rng.js";
export * from "./fs.js";
export * from "./paths.js";
export * from "./tensor-file.js";
