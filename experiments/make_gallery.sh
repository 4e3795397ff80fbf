#!/usr/bin/env bash
# Rebuild every figure of experiments/README.md from the committed configs and scripts.
# Each config runs with `optad run` into a new folder under runs/; its figures are copied here.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p experiments/figures
for name in quickstart mds least_squares wine_mlp zero_order_rate; do
    run_dir=$(optad run "configs/$name.yaml" --out runs | tail -n 1)
    for figure in "$run_dir"/figures/*.png; do
        cp "$figure" "experiments/figures/${name}_$(basename "$figure")"
    done
done
for script in jacobian_modes gradient_modes hutchinson checkpointing trebuchet constrained_mds; do
    python "experiments/$script.py"
done
