/** One line per metric, shown at the end of every report (and mirrored in the README). */
export const GLOSSARY: readonly [string, string][] = [
  [
    "score",
    "NetHack's bottom-line score (botl_score: gold gained + experience + 50 per level below the first + deep-level bonus) on the episode's last observation.",
  ],
  ["reward", "Sum of the env rewards of the episode (score deltas minus the step penalty)."],
  [
    "95% CI",
    "Percentile bootstrap interval of the mean (10,000 resamples of the episodes, fixed seed): if two runs' intervals for a difference include 0, the difference may be noise.",
  ],
  ["depth", "Deepest dungeon level reached in the episode."],
  ["length", "Steps taken; an episode ends by death or at the step cap (max_steps)."],
  [
    "per-step H(α)",
    "Mean over steps of the entropy of the routing weights α_t: ln K for a uniform router, 0 when every step uses one expert. The routing metric to read.",
  ],
  [
    "H(mean α) (original)",
    "Entropy of α averaged over an episode or batch — what the original prototype logged as alpha_entropy. High both for a uniform router and for sharp switching, so it cannot show specialisation.",
  ],
  ["mean α", "Average routing weight each expert receives."],
  ["dominant share", "Share of steps on which each expert has the largest α."],
  ["switch rate", "Share of consecutive step pairs (within an episode) where the dominant expert changes."],
  [
    "scenario",
    "Label of a step from its conditions: combat (hostile adjacent) > survival (HP low/critical or hungry) > exploration (frontier within 3 squares, or downstairs in view) > general.",
  ],
  [
    "mutual information",
    "I(scenario; dominant expert) in nats from the scenario × expert table: 0 = the expert choice ignores the situation; normalised MI divides by the smaller of the two entropies.",
  ],
  [
    "mutual information, shuffled control",
    "The same MI after permuting the scenario labels across steps (mean of 20 permutations): the level a router unrelated to the situation reaches on a table of this size. Read the real MI against it.",
  ],
  [
    "led by namesake",
    "Share of each scenario's steps whose dominant expert has the scenario's name (combat → Combat, survival → Survival, exploration → Exploration, general → General), averaged over the four scenarios; 1/K for a router that ignores the situation. MI cannot tell a split that follows the names from one that sends every fight to Exploration; this can.",
  ],
  [
    "graph opinion",
    "Which expert the knowledge graph suggests for a state: its enabled operators grouped by owner expert, weighted by learned utilities, relative to each expert's base rate. Mean H(g) is its entropy (ln K = no opinion); confident = its largest share ≥ the run's threshold (model.opinion.confidence: 0.25 in today's presets, i.e. every state with an opinion; 0.6 before).",
  ],
  [
    "dominant = graph's expert",
    "Share of steps whose dominant expert is the graph's suggested expert, over all steps with an opinion and over the confident ones.",
  ],
  [
    "MI of the graph's suggestion",
    "I(scenario; the graph's suggested expert) over the steps with an opinion: how well the graph's own opinion separates the situations, whatever the router does. Compare it with the shuffled-graph ablation's to see how much comes from the graph's rules rather than from learning.",
  ],
  [
    "top operators",
    "Operators of the knowledge graph weighted most in each scenario: GAT readout attention if the policy reports it, else the softmax of the operator-score head (labelled); none without a logic stream.",
  ],
  [
    "loss terms",
    "Raw value of each PPO/auxiliary term per update, and the value as weighted in the total loss.",
  ],
  ["approx_kl / clip_fraction", "How far an update moved the policy from the one that collected the data."],
  ["explained_variance", "1 − Var(return − value)/Var(return): how well the critic predicts returns."],
  ["steps/s", "Environment steps per second of wall time over rollout + update."],
];
