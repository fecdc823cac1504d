#!/bin/bash
# A real single-node Slurm (Debian's slurm-wlm and munge, daemons started
# here by hand on localhost, stopped by pid at the end) draining sweeps with
# scripts/slurm/sweep.sbatch:
#   array     a 24-run sweep as an array of 4 workers: every run trained
#             exactly once, the index opens all of them;
#   twice     the same sweep submitted twice at once, plus a sparse array
#             (--array=1,3): still every run exactly once, none corrupt;
#   stop      a sweep stopped mid-run with `scancel -b --signal=TERM`,
#             resubmitted with another --cpus-per-task (so another
#             train.threads), against an uninterrupted sweep: the same
#             table, timing columns aside.
# Needs root (the daemons) and the packages (.ci/run installs them): outside
# CI it skips with a message when it cannot run; under CI=true it fails.
# Not run under ASan (make asan sets SLURM_TEST=0). Prints cmocka-style
# summary lines for scripts/run_tests.sh.
set -u
TEST=test_slurm
. "$(dirname "$0")/lib.sh"
finish() { summary; exit; }
cannot() {
    if [ "${CI:-}" = true ]; then
        bad "cannot run under CI: $*"
    else
        echo "test_slurm: SKIPPED: $*"
    fi
    finish
}
[ "${SLURM_TEST:-1}" = 0 ] && { echo "test_slurm: not run here (SLURM_TEST=0)"; finish; }
[ "$(id -u)" -eq 0 ] || cannot "starting slurmctld, slurmd and munged needs root"
for b in munged slurmctld slurmd sbatch squeue scancel sinfo; do
    command -v "$b" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
    command -v "$b" >/dev/null 2>&1 ||
        cannot "$b is missing (apt-get install slurm-wlm munge)"
done

S=$T/slurm
mkdir -p "$S/state" "$S/spool"
pids=()
stop_daemons() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
    done
    rm -rf "$T"
}
trap stop_daemons EXIT
started=$(date +%s.%N)

# munged: ours unless one already answers
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    [ -s /etc/munge/munge.key ] || mungekey --create 2>/dev/null ||
        dd if=/dev/urandom of=/etc/munge/munge.key bs=128 count=1 2>/dev/null
    chown -R munge:munge /run/munge /var/lib/munge /var/log/munge /etc/munge
    chmod 0400 /etc/munge/munge.key
    rm -f /run/munge/munged.pid
    runuser -u munge -- munged || cannot "munged would not start"
    for _ in $(seq 1 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
    pids+=("$(cat /run/munge/munged.pid)")
fi

mem=$(awk '/MemTotal/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)
cpus=$(nproc)
export SLURM_CONF=$S/slurm.conf
cat > "$SLURM_CONF" <<EOF
ClusterName=rnnlabtest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmctldPort=16817
SlurmdPort=16818
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmdSpoolDir=$S/spool
StateSaveLocation=$S/state
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -i || cannot "slurmctld would not start: $(tail -n 3 "$S/slurmctld.log")"
for _ in $(seq 1 50); do [ -s "$S/slurmctld.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$S/slurmctld.pid")")
slurmd -N localhost || cannot "slurmd would not start: $(tail -n 3 "$S/slurmd.log")"
for _ in $(seq 1 50); do [ -s "$S/slurmd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$S/slurmd.pid")")
for _ in $(seq 1 150); do
    sinfo -h -o %T 2>/dev/null | grep -q idle && break
    sleep 0.2
done
sinfo -h -o %T | grep -q idle || cannot "the node never became idle: $(sinfo 2>&1)"
setup=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "test_slurm: munged, slurmctld and slurmd up in $setup s ($cpus CPUs, $mem MB)"

# sweep NAME EPOCHS: a 24-run sweep into $T/NAME
sweep() {
    cat > "$T/$1.yaml" <<YAML
name: $1
dataset: {name: timemachine, max_tokens: 2000, valid_fraction: 0.1}
sampler: {batch_size: 8, num_steps: 10}
model: {cell: gru, hidden: 8, dropout: 0.1}
optimizer: {kind: adam, lr: 0.01}
train: {epochs: $2, eval_every: 2}
generate: {prefixes: ["the "], length: 8, every: 2, strategy: sample}
output: {dir: $T/$1}
sweep:
  grid:
    seed: [1, 2, 3, 4, 5, 6]
    model.hidden: [8, 12, 16, 20]
YAML
}
submit() { sbatch --parsable -o "$T/log-%A_%a.out" "$@"; }
wait_jobs() {
    for _ in $(seq 1 1200); do
        [ -z "$(squeue -h -o %i 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    bad "jobs still queued after 120 s: $(squeue 2>&1)"
    scancel --user=root 2>/dev/null
}
# trained NAME: how many trainings the logs record, and every run exactly once
trained() { cat "$T"/log-*.out | grep -cE '^[0-9a-f]{12}  (completed|diverged) in'; }
statuses() { "$R" ls "$T/$1" --csv | tail -n +2 | cut -d, -f3 | sort | uniq -c | tr -s ' ' | tr '\n' ';'; }

# ---- an array of 4 workers ------------------------------------------------
t0=$(date +%s.%N)
sweep array 6
submit --array=0-3 --cpus-per-task=1 scripts/slurm/sweep.sbatch "$T/array.yaml" >/dev/null
wait_jobs
n=$(trained)
links=$("$R" index "$T/array" 2>&1)
if [ "$n" -eq 24 ] && [ "$(statuses array)" = " 24 completed;" ] &&
    [ "$links" = "index: 24 run(s) -> $T/array/index.h5" ] &&
    [ "$(h5dump -H "$T/array/index.h5" | grep -c EXTERNAL_LINK)" -eq 24 ] &&
    h5dump "$T/array/index.h5" >/dev/null 2>&1; then ok; else
    bad "array: $n trainings of 24, '$(statuses array)', $links"; fi
span=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
rm -f "$T"/log-*.out

# ---- the same sweep twice at once, and a sparse array ---------------------
sweep twice 6
submit --array=0-3 --cpus-per-task=1 scripts/slurm/sweep.sbatch "$T/twice.yaml" >/dev/null
submit --array=0-3 --cpus-per-task=1 scripts/slurm/sweep.sbatch "$T/twice.yaml" >/dev/null
submit --array=1,3 --cpus-per-task=1 scripts/slurm/sweep.sbatch "$T/twice.yaml" >/dev/null
wait_jobs
n=$(trained)
failed=$(cat "$T"/log-*.out | grep -c '^runner: .*failed' || true)
if [ "$n" -eq 24 ] && [ "$(statuses twice)" = " 24 completed;" ] && [ "$failed" -eq 0 ] &&
    "$R" index "$T/twice" >/dev/null 2>&1; then ok; else
    bad "twice: $n trainings of 24, '$(statuses twice)', $failed failure line(s)"; fi
rm -f "$T"/log-*.out

# ---- stopped with scancel -b --signal=TERM, resubmitted with other CPUs ----
sweep ref 40
"$R" sweep "$T/ref.yaml" --quiet >/dev/null 2>&1
mv "$T/ref" "$T/ref-done"
sweep ref 40
job=$(submit --array=0-1 --cpus-per-task=2 scripts/slurm/sweep.sbatch "$T/ref.yaml")
for _ in $(seq 1 600); do
    [ "$(ls "$T/ref/runs" 2>/dev/null | grep -c '\.h5$')" -ge 3 ] && break
    sleep 0.05
done
scancel -b --signal=TERM "$job"
wait_jobs
stopped=$(ls "$T/ref/runs" | grep -c '\.h5$')
interrupted=$(cat "$T"/log-*.out | grep -c 'sweep interrupted' || true)
submit --array=0-2 --cpus-per-task=1 scripts/slurm/sweep.sbatch "$T/ref.yaml" >/dev/null
wait_jobs
resumed=$(cat "$T"/log-*.out | grep -c 'resuming after epoch' || true)
# the table without its timing columns (time s, tok/s)
table() { "$R" ls "$1" --csv | cut -d, -f1-9,12-; }
if [ "$stopped" -lt 24 ] && [ "$interrupted" -ge 1 ] &&
    [ "$(table "$T/ref")" = "$(table "$T/ref-done")" ] &&
    [ "$(statuses ref)" = " 24 completed;" ]; then ok; else
    bad "stop and resubmit: $stopped finished at the stop, $interrupted interrupted, $resumed resumed; tables differ:
$(diff <(table "$T/ref") <(table "$T/ref-done") | head)"; fi
echo "test_slurm: setup $setup s; a 24-run array sweep of 4 workers in $span s; stop/resubmit: $stopped of 24 finished before the stop, $resumed run(s) resumed"
finish
