#!/usr/bin/env bash
# Regenerates the committed sample outputs shown in the README, with the
# README's exact commands. Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
# tests/integration/samples.rs runs this script with O11SIM set to the test
# build and checks that it reproduces every committed file byte for byte.
[ -n "${O11SIM:-}" ] || cargo build --release --quiet
o11sim=${O11SIM:-./target/release/o11sim}

$o11sim run --replications 3 --duration 10m > results/run-production.txt
$o11sim compare prod --front-ends 1,3 --replications 10 --duration 30m \
    --csv results/compare-front-ends.csv --plot results/compare-front-ends.svg \
    --json results/compare-front-ends.json --html results/compare-front-ends.html \
    > results/compare-front-ends.txt
$o11sim sweep prod --vary traffic.portal.rate=200,300,400,500 --vary front_ends=2,3,4 \
    --replications 5 --duration 30m \
    --csv results/sweep-rate-front-ends.csv --plot results/sweep-rate-front-ends.svg \
    > results/sweep-rate-front-ends.txt
$o11sim size prod --slo 'portal:p95<=800ms' --slo 'backoffice:p95<=2s' --spare 1 \
    --replications 10 --duration 30m --csv results/size-prod.csv \
    > results/size-prod.txt
$o11sim team nonprod --developers 8,16,24,32,48 --replications 10 \
    --csv results/team.csv --plot results/team.svg \
    > results/team.txt
