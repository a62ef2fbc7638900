#!/usr/bin/env bash
# On a machine with a GPU and transformers (vLLM optional): builds a small random-weight Qwen2 model from a
# config (no download), serves it, measures sampled and train tokens/s over gRPC, then runs the TypeScript
# conformance suites (test/python-backend.test.ts) and ten GRPO steps of the calculator tutorial through
# --backbone grpc.
#   bash backend/scripts/gpu_smoke.sh            (PYTHON=python3 to use an existing environment)
#   MODE=ray bash backend/scripts/gpu_smoke.sh   (the Ray Serve application instead: needs ajet_backend[ray])
#   KEEP=DIR bash backend/scripts/gpu_smoke.sh    (copies the GRPO run's experiment folder, metrics.jsonl included, to DIR)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
python="${PYTHON:-python3}"
port="${PORT:-50071}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HF_HUB_OFFLINE=1
"$python" -c "import torch, transformers, grpc, grpc_tools; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
# ajet_backend from this checkout, not installed: a GPU machine is often offline (pip's isolated build would fetch
# setuptools), and the servers the tests start inherit the path.
export PYTHONPATH="$repo/backend${PYTHONPATH:+:$PYTHONPATH}"
"$python" "$repo/backend/scripts/make_tiny_model.py" "$work/model" --hidden 256 --layers 4
# Ray mode (MODE=ray): the backend as a Ray Serve application on a local cluster,
# Serve's gRPC proxy in front, for 1, 2 and 4 sampler replicas: sampled and train tokens/s from smoke_client.py
# (8 Sample calls in flight), then the TypeScript conformance suite and cluster checks (test/ray-backend.test.ts).
# First tinylm (float32 on the CPU: the Ray plumbing and CPU replicas, not the GPU; on the 2-core CPU machine it
# gave 667 / 904 sampled tokens/s for 1 / 2 replicas, 3329 / 3777 train tokens/s), then the random-weight Qwen2
# above on the GPU(s): 1 and 2 sampler replicas sharing them (vLLM when installed) and one NCCL learner worker per
# GPU (NCCL takes one rank per GPU; on one GPU the learner has 1 worker and shares it). Not yet run on a GPU.
ray_serve_once() { # LABEL MODEL ARGS_JSON CPUS: one launcher, the smoke client against it, then SIGTERM
  local log="$work/ray-$1.log"
  "$python" -m ajet_backend.ray_serve serve --model "$2" --grpc-port "$port" --num-cpus "$4" --args "$3" > "$log" 2>&1 &
  local launcher=$!
  for _ in $(seq 1 600); do
    grep -q "serving" "$log" && break
    kill -0 "$launcher" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 1
  done
  grep "ajet_backend:" "$log"
  echo "ray: $1"
  "$python" "$repo/backend/scripts/smoke_client.py" --address "127.0.0.1:$port" --rounds 3 --n 8 --max-tokens 128 --concurrency 8
  kill -TERM "$launcher"
  wait "$launcher" || true
}
ray_mode() {
  for replicas in 1 2 4; do
    # Logical CPUs enough for every replica's reservation (0.5 each) whatever the machine has.
    ray_serve_once "tinylm-$replicas-replicas" builtin:tinylm-calculator "{\"sampler_replicas\": $replicas, \"learner_workers\": 2}" "$((replicas + 4))"
  done
  local gpus
  gpus="$("$python" -c "import torch; print(torch.cuda.device_count())")"
  if [[ "$gpus" -gt 0 ]]; then
    for replicas in 1 2; do
      # One GPU: every replica and the one learner worker share it. More: the samplers share one GPU and each
      # learner worker has its own (NCCL refuses two ranks on one GPU). vLLM takes gpu_memory_utilization of a
      # GPU's memory per replica.
      local workers sampler_share worker_share
      if [[ "$gpus" -eq 1 ]]; then
        workers=1
        sampler_share="$("$python" -c "print(round(1 / ($replicas + 1), 3))")"
        worker_share="$sampler_share"
      else
        workers=$((gpus - 1))
        sampler_share="$("$python" -c "print(round(1 / $replicas, 3))")"
        worker_share=1
      fi
      ray_serve_once "qwen2-$replicas-replicas" "$work/model" \
        "{\"dtype\": \"bf16\", \"max_model_len\": 2048, \"sampler_replicas\": $replicas, \"sampler_gpus\": $sampler_share, \"learner_workers\": $workers, \"learner_worker_gpus\": $worker_share, \"learner_backend\": \"nccl\", \"gpu_memory_utilization\": 0.2}" \
        "$((replicas + workers + 4))"
    done
  fi
  (cd "$repo" && AJET_BACKEND_PYTHON="$("$python" -c "import sys; print(sys.executable)")" pnpm exec vitest run test/ray-backend.test.ts)
}
if [[ "${MODE:-}" == "ray" ]]; then
  "$python" -c "import ray, ray.serve; print('ray', ray.__version__)"
  ray_mode
  exit 0
fi
# Each stage below runs even when one before it failed (a GPU loan is short: one run should say everything); the
# script prints every stage's seconds and status and exits 1 when any failed.
failed=()
stage() { # NAME COMMAND...: runs COMMAND, prints its time and status
  local name="$1" start status=0
  shift
  start="$(date +%s%N)"
  echo "== stage $name"
  "$@" || status=$?
  echo "== stage $name: $([[ $status -eq 0 ]] && echo ok || echo "FAILED (exit $status)") in $((($(date +%s%N) - start) / 1000000)) ms"
  [[ $status -eq 0 ]] || failed+=("$name")
}
# First, with the GPU to themselves: the TypeScript conformance suites and a 2-step tutorial run, each against a
# fresh server of this model that the test starts (--engine auto: vLLM when installed; fp32 because the suite
# compares sampler and trainer logprobs to 1e-4).
conformance() {
  (cd "$repo" && AJET_BACKEND_PYTHON="$("$python" -c "import sys; print(sys.executable)")" AJET_BACKEND_MODEL="$work/model" \
    AJET_BACKEND_DTYPE=fp32 pnpm exec vitest run test/python-backend.test.ts)
}
stage conformance conformance
"$python" -m ajet_backend serve --model "$work/model" --port "$port" --dtype bf16 --max-model-len 2048 > "$work/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
  grep -q "serving" "$work/serve.log" && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 1
done
cat "$work/serve.log"
stage throughput "$python" "$repo/backend/scripts/smoke_client.py" --address "127.0.0.1:$port" --rounds 3 --n 8 --max-tokens 128
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv 2>/dev/null || true
cd "$repo"
# Ten GRPO steps on the bf16 server. A random model earns reward 0 everywhere and a group without variance trains
# nothing, so the repeat-parity judge gives every group variance and each step really updates the weights. Two
# groups of 8 a step (the tutorial has 8 groups): without vLLM the server decodes one request at a time, and on an
# H200 (2026-12-04) a step of the tutorial's 64 episodes took 95-280 s of rollouts, so ten of them outlast a GPU
# loan. STEPS and BATCH override.
stage grpo-steps pnpm ajet --conf tutorial/example_calculator_agent/calculator_agent.yaml --backbone grpc \
  --set ajet.backbones.grpc.address="127.0.0.1:$port" --set ajet.model.path="$work/model" \
  --set ajet.trainer_common.total_training_steps="${STEPS:-10}" --set ajet.data.train_batch_size="${BATCH:-2}" \
  --set ajet.trainer_common.val_before_train=false \
  --set ajet.trainer_common.test_freq=0 \
  --set "ajet.task_judge.judge_protocol=$repo/test/fixtures/python-backend/repeat-parity-judge.ts->RepeatParityJudge" \
  --experiment-dir "$work/experiment"
if [[ -f "$work/experiment/metrics.jsonl" ]]; then
  echo "metrics.jsonl: $(wc -l < "$work/experiment/metrics.jsonl") records; the last:"
  tail -n 1 "$work/experiment/metrics.jsonl"
fi
[[ -z "${KEEP:-}" ]] || cp -r "$work/experiment" "$KEEP"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "gpu_smoke: failed stages: ${failed[*]}"
  exit 1
fi
echo "gpu_smoke: all stages passed"
