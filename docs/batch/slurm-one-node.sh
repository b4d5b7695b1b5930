#!/usr/bin/env bash
# A one-node Slurm on this machine, for trying docs/batch/slurm-sweep.sbatch
# (and for the test suite, which submits it with `sbatch --wait`):
#   docs/batch/slurm-one-node.sh install   # Debian's slurmctld, slurmd, slurm-client, munge
#   docs/batch/slurm-one-node.sh start     # munged, slurmctld -D, slurmd -D; waits for `idle`
#   docs/batch/slurm-one-node.sh stop      # stops the daemons it started, by their PIDs
#   docs/batch/slurm-one-node.sh status
# Made for Debian bookworm (Slurm 22.05) without systemd. Every subcommand
# is idempotent: installed packages are left alone, running daemons are
# kept, and nothing is ever uninstalled. Needs root (uses sudo otherwise).
# The configuration goes to /etc/slurm/slurm.conf (an existing file that
# this script did not write is left alone and start refuses to run);
# logs and PID files go to $SLURM_ONE_NODE_STATE (default
# /var/lib/o11sim-slurm).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "slurm-one-node: not root and no sudo" >&2
        exit 1
    fi
    exec sudo --preserve-env=SLURM_ONE_NODE_STATE,SLURM_ONE_NODE_WAIT bash "$0" "$@"
fi

STATE=${SLURM_ONE_NODE_STATE:-/var/lib/o11sim-slurm}
WAIT=${SLURM_ONE_NODE_WAIT:-60}
CONF=/etc/slurm/slurm.conf
MARK="# Written by o11sim docs/batch/slurm-one-node.sh"
PACKAGES=(slurmctld slurmd slurm-client munge)

die() {
    echo "slurm-one-node: $*" >&2
    exit 1
}

installed() {
    command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 &&
        command -v sbatch >/dev/null 2>&1 && command -v sinfo >/dev/null 2>&1 &&
        command -v munged >/dev/null 2>&1
}

cmd_install() {
    if installed; then
        echo "slurm-one-node: Slurm and MUNGE are installed"
        return
    fi
    command -v apt-get >/dev/null 2>&1 || die "no apt-get: install ${PACKAGES[*]} by hand"
    # The packages' install scripts would start their services; a
    # policy-rc.d that answers 101 ("action forbidden") stops them. An
    # existing policy-rc.d is put back afterwards.
    local policy=/usr/sbin/policy-rc.d saved=""
    if [ -e "$policy" ]; then
        saved=$(mktemp)
        cp -p "$policy" "$saved"
    fi
    # shellcheck disable=SC2064 # expand now
    trap "if [ -n '$saved' ]; then mv -f '$saved' '$policy'; else rm -f '$policy'; fi" EXIT
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q || die "apt-get update failed"
    apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" ||
        die "apt-get install ${PACKAGES[*]} failed"
    installed || die "apt-get finished but slurmctld, slurmd, sbatch, sinfo or munged is missing"
    echo "slurm-one-node: installed $(slurmd -V 2>/dev/null) and $(munged -V 2>/dev/null | head -n1)"
}

# pid NAME: prints the PID recorded for NAME if that process is alive and
# is NAME; otherwise prints nothing.
pid() {
    local f="$STATE/$1.pid" p
    [ -f "$f" ] || return 0
    p=$(cat "$f")
    if [[ "$p" =~ ^[0-9]+$ ]] && [ -r "/proc/$p/comm" ] && [ "$(cat "/proc/$p/comm")" = "$1" ]; then
        echo "$p"
    fi
}

# launch NAME COMMAND...: runs COMMAND in the background in its own
# session, with its output in $STATE/NAME.log, and records its PID.
launch() {
    local name=$1 p
    shift
    if [ -n "$(pid "$name")" ]; then
        echo "slurm-one-node: $name is running (PID $(pid "$name"))"
        return
    fi
    setsid "$@" </dev/null >>"$STATE/$name.log" 2>&1 &
    p=$!
    echo "$p" >"$STATE/$name.pid"
    sleep 0.3
    [ -n "$(pid "$name")" ] || die "$name exited at once; see $STATE/$name.log:
$(tail -n 20 "$STATE/$name.log")"
    echo "slurm-one-node: started $name (PID $p)"
}

write_conf() {
    if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
        die "$CONF exists and was not written by this script; not touching it"
    fi
    # The node must not claim more than it has, or it is drained: take its
    # CPUs, topology and memory from what slurmd itself finds.
    local hw
    hw=$(slurmd -C | head -n1 | tr ' ' '\n' | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore|RealMemory)=' | tr '\n' ' ')
    [[ "$hw" == *CPUs=* && "$hw" == *RealMemory=* ]] || die "slurmd -C did not report CPUs and RealMemory: $(slurmd -C 2>&1)"
    mkdir -p "$(dirname "$CONF")"
    cat >"$CONF.new" <<CONF
$MARK
ClusterName=o11sim
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/slurmctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=$STATE/slurmctld.own.pid
SlurmdPidFile=$STATE/slurmd.own.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
# No cgroups: plain process tracking, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# No accounting.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 ${hw}State=UNKNOWN
PartitionName=one Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
    mv -f "$CONF.new" "$CONF"
}

cmd_start() {
    installed || die "Slurm is not installed; run: $0 install"
    mkdir -p "$STATE/slurmctld" "$STATE/slurmd"
    if [ -z "$(pid slurmctld)" ] && [ -z "$(pid slurmd)" ]; then
        write_conf
    fi
    # MUNGE: the package created the key; munged needs /run/munge, owned
    # by munge, and runs as munge.
    if [ ! -s /etc/munge/munge.key ]; then
        command -v mungekey >/dev/null 2>&1 || die "no /etc/munge/munge.key and no mungekey"
        mungekey --create --keyfile=/etc/munge/munge.key
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
    fi
    mkdir -p /run/munge
    chown munge:munge /run/munge
    chmod 755 /run/munge
    launch munged setpriv --reuid=munge --regid=munge --init-groups munged -F
    local i=0
    until munge -n </dev/null | unmunge >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -lt 50 ] || die "munged does not answer; see $STATE/munged.log"
        sleep 0.1
    done
    launch slurmctld slurmctld -D
    launch slurmd slurmd -D -N localhost
    # Wait, bounded, until the node is idle.
    local state="" start=$SECONDS
    while :; do
        state=$(sinfo -h -N -n localhost -o '%t' 2>/dev/null | head -n1 || true)
        case "$state" in
        idle | mix | alloc) break ;;
        esac
        if [ $((SECONDS - start)) -ge "$WAIT" ]; then
            die "the node is not idle after ${WAIT}s (sinfo says '${state:-nothing}'; $(sinfo -h -R 2>&1 | head -n3))
slurmctld.log:
$(tail -n 15 "$STATE/slurmctld.log" 2>/dev/null)
slurmd.log:
$(tail -n 15 "$STATE/slurmd.log" 2>/dev/null)"
        fi
        sleep 0.2
    done
    echo "slurm-one-node: node localhost is $state after $((SECONDS - start))s"
}

cmd_stop() {
    local name p i
    for name in slurmd slurmctld munged; do
        p=$(pid "$name")
        if [ -z "$p" ]; then
            rm -f "$STATE/$name.pid"
            continue
        fi
        kill -TERM "$p" 2>/dev/null || true
        for i in $(seq 50); do
            [ -n "$(pid "$name")" ] || break
            sleep 0.1
        done
        if [ -n "$(pid "$name")" ]; then
            kill -KILL "$p" 2>/dev/null || true
        fi
        rm -f "$STATE/$name.pid"
        echo "slurm-one-node: stopped $name (PID $p)"
    done
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start ;;
stop) cmd_stop ;;
status)
    for name in munged slurmctld slurmd; do
        p=$(pid "$name")
        echo "$name: ${p:-not running}"
    done
    ;;
*)
    echo "usage: $0 install|start|stop|status" >&2
    exit 2
    ;;
esac
