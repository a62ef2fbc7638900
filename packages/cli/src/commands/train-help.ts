import { builtinNames, builtins } from '../builtins.ts';

const backbones = builtins
  .filter((entry) => entry.kind === 'backbone')
  .map((entry) => `  ${entry.name.padEnd(22)} ${entry.summary}`)
  .join('\n');

/** `ajet --help`; built from the registry, so it lists what resolves. */
export const TRAIN_HELP = `Usage:
  ajet --conf FILE [--backbone NAME] [--mode train|eval] [--set key.path=value]...

Options:
  --conf FILE            the experiment's YAML (root key ajet:)
  --backbone NAME        the backend (ajet.backbone): ${builtinNames('backbone').join(', ')} or "module->Export"
  --mode MODE            train (default) or eval (validation split once; writes eval.json)
  --set KEY=VALUE        override a config key, e.g. --set rollout.num_repeat=8 (repeatable)
  --experiment-dir DIR   write the run here instead of experiment_dir/experiment_name
  --seed N               the run's seed
  --resume               continue from the experiment's newest complete checkpoint
  --resume-from DIR      continue from this checkpoints/step-N folder
  --overwrite            train in a folder that holds an earlier run, deleting that run first (without it or
                         --resume, a used experiment folder is refused)
  --with-logview         serve the live report (curves, episodes) while it runs; writes report.html at the end
  --serve-episodes       offer the episodes to external agents over HTTP instead of running the workflow
                         (docs/episode-service.md; token from AJET_EPISODE_TOKEN)
  --port P               the episode service's port (episode_service.port; 0: any free port)
  --verbose              print stack traces with errors
  -h, --help             this text

Backbones:
${backbones}

Examples:
  ajet --conf tutorial/example_calculator_agent/calculator_agent.yaml --backbone debug
  ajet --conf my.yaml --backbone debug --set trainer_common.total_training_steps=5
  ajet --conf my.yaml --mode eval --set trainer_common.val_pass_n=4
`;
