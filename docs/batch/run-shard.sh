#!/usr/bin/env bash
# Runs one shard of an o11sim sweep on a batch system and writes its part
# file. The shard comes from the batch system's array index:
#   Slurm job array:           SLURM_ARRAY_TASK_ID (0-based with --array=0-N),
#                              SLURM_ARRAY_TASK_COUNT
#   Kubernetes Indexed Job:    JOB_COMPLETION_INDEX (0-based), SHARDS (set it
#                              to the Job's .spec.completions)
# Edit SWEEP below (or set it in the environment) to your own sweep; every
# shard must run the same arguments. Combine the parts afterwards with
#   o11sim merge "$PARTS"/part-*.toml --csv results.csv
set -euo pipefail

O11SIM=${O11SIM:-o11sim}
PARTS=${PARTS:-parts}
SWEEP=${SWEEP:-"sweep prod --vary front_ends=2..6 --vary traffic.portal.rate=200,350,500 --replications 20"}

if [[ -n "${SLURM_ARRAY_TASK_ID:-}" ]]; then
    index=$SLURM_ARRAY_TASK_ID
    count=${SLURM_ARRAY_TASK_COUNT:?SLURM_ARRAY_TASK_COUNT is not set}
elif [[ -n "${JOB_COMPLETION_INDEX:-}" ]]; then
    index=$JOB_COMPLETION_INDEX
    count=${SHARDS:?set SHARDS to the Job completions count}
else
    echo "run-shard.sh: no SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX: not in a job array" >&2
    exit 2
fi

mkdir -p "$PARTS"
# o11sim's shards are 1-based: shard K of N.
# shellcheck disable=SC2086 # SWEEP is a list of arguments
exec "$O11SIM" $SWEEP --threads "${THREADS:-${SLURM_CPUS_PER_TASK:-2}}" \
    --shard "$((index + 1))/$count" --part "$PARTS/part-$((index + 1))-of-$count.toml"
