#!/usr/bin/env bash
# Starts a single-node Slurm on this machine, for `rederive make --executor slurm` and its
# integration test: installs slurm-wlm and munge from Debian (when missing), writes a one-node
# slurm.conf (no accounting, proctrack/linuxproc, task/none), starts munged, slurmctld and
# slurmd, and waits until `sinfo` shows the node idle.
#
# Idempotent: when the node is already idle it only says so. Needs root (apt, daemons).
# Exits non-zero with a message saying why when Slurm cannot be started.
set -u

say() { printf 'slurm-local: %s\n' "$*" >&2; }

# Runs a daemon with only stdin, stdout and stderr open. A daemon keeps whatever else it inherits,
# and a caller that waits for one of its own descriptors to close (Foundation's Process does, for
# the socket it hands each child) would otherwise wait for as long as the daemon runs.
detached() (
    for fd in /proc/self/fd/*; do
        fd=${fd##*/}
        [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
    done
    exec "$@"
)
die() { say "error: $*"; exit 1; }

CONF=/etc/slurm/slurm.conf
MARK="# written by rederive Scripts/slurm-local.sh"
NODE=localhost
LOGS=/var/log/slurm

node_state() { sinfo -h -N -n "$NODE" -o '%t' 2>/dev/null | head -n 1; }

# One node with this machine's CPUs and most of its memory; no accounting (no slurmdbd).
CPUS=$(nproc)
MEM_MB=$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)
REAL_MB=$((MEM_MB > 2048 ? MEM_MB - 1024 : MEM_MB))
NEW=$(mktemp)
trap 'rm -f "$NEW"' EXIT
cat >"$NEW" <<CONF
$MARK
ClusterName=rederive
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
SchedulerParameters=batch_sched_delay=0,sched_min_interval=100000
ReturnToService=2
MinJobAge=600
MpiDefault=none
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
NodeName=$NODE CPUs=$CPUS RealMemory=$REAL_MB State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
if command -v sinfo >/dev/null 2>&1 && cmp -s "$NEW" "$CONF" && [ "$(node_state)" = idle ]; then
    say "Slurm is up: node $NODE is idle"
    exit 0
fi

[ "$(id -u)" = 0 ] || die "must run as root to install and start Slurm (try: sudo $0)"

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v slurmd >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "slurm-wlm and munge are not installed and there is no apt-get"
    say "installing slurm-wlm and munge with apt-get (takes a minute)..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || say "warning: apt-get update failed; trying the install anyway"
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >/tmp/slurm-local-apt.log 2>&1 \
        || die "apt-get install slurm-wlm munge failed (no network?); see /tmp/slurm-local-apt.log"
fi

# munge: a key and its run folder; munged refuses to run as root without --force.
if [ ! -s /etc/munge/munge.key ]; then
    if command -v mungekey >/dev/null 2>&1; then mungekey --create --force >/dev/null 2>&1 || true; fi
    [ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
    chmod 400 /etc/munge/munge.key
fi
mkdir -p /run/munge /var/lib/munge /var/log/munge
chown -R munge:munge /run/munge /var/lib/munge /var/log/munge /etc/munge 2>/dev/null || true
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    detached munged --force 2>/dev/null || detached munged --force -F >/dev/null 2>&1 &
    i=0
    until munge -n 2>/dev/null | unmunge >/dev/null 2>&1; do
        i=$((i + 1)); [ $i -le 50 ] || die "munged did not start; see /var/log/munge/munged.log"
        sleep 0.2
    done
fi

if [ -e "$CONF" ] && ! grep -q "^$MARK" "$CONF"; then
    die "$CONF exists and was not written by this script; not touching it"
fi
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd "$LOGS"
running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if ! cmp -s "$NEW" "$CONF" 2>/dev/null; then
    cp "$NEW" "$CONF"; chmod 644 "$CONF"
    # A changed configuration (scheduler, node size) needs fresh daemons.
    for pidfile in /run/slurmd.pid /run/slurmctld.pid; do
        if running "$pidfile"; then
            pid=$(cat "$pidfile"); kill "$pid"
            i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
        fi
    done
fi
running /run/slurmctld.pid || detached slurmctld || die "slurmctld did not start; see $LOGS/slurmctld.log"
running /run/slurmd.pid || detached slurmd -N "$NODE" || die "slurmd did not start; see $LOGS/slurmd.log"

i=0
while :; do
    state=$(node_state)
    case "$state" in
        idle) break ;;
        down*|drain*|drng*|fail*) scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true ;;
    esac
    i=$((i + 1))
    [ $i -le 60 ] || die "node $NODE is '${state:-unknown}', not idle, after 30 s; see $LOGS/slurmctld.log and $LOGS/slurmd.log"
    sleep 0.5
done
say "Slurm is up: node $NODE is idle ($CPUS CPUs, ${REAL_MB} MB)"
