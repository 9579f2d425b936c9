#!/usr/bin/env bash
# A one-node SLURM cluster on loopback for the tests: `scripts/slurm.sh start DIR` installs the
# Debian packages if they are missing, writes DIR/slurm.conf, starts munged, slurmctld and
# slurmd, and waits for the node; `scripts/slurm.sh stop DIR` stops each by its PID.
set -euo pipefail
action=${1:?start or stop}
dir=$(realpath -m "${2:?a folder for the cluster}")

stop() {
  for name in slurmd slurmctld munged; do
    if [ -f "$dir/$name.pid" ]; then
      pid=$(cat "$dir/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true  # still there after 5 s
      rm -f "$dir/$name.pid"
    fi
  done
}

if [ "$action" = stop ]; then stop; exit 0; fi

if ! command -v slurmctld >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge >/dev/null
fi
node=$(hostname -s)
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 755 "$dir"  # mktemp makes it private, and munged (user munge) keeps its PID file inside
chown munge:munge "$dir/munge"
cat >"$dir/slurm.conf" <<CONF
ClusterName=matjobs
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
# Without these slurmctld and slurmd listen on every address; loopback only here.
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# A 1 s scheduling tick instead of about 3 s.
SchedulerParameters=batch_sched_delay=0
MailProg=/bin/true
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
AccountingStorageType=accounting_storage/none
# Finished jobs' states and exit codes, for sacct -c, without slurmdbd.
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.log
ReturnToService=2
# A job past its time limit gets SIGTERM, then SIGKILL 2 s later (not 30).
KillWait=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
# FORCE:8 lets more jobs than cores run at once, as small test jobs should.
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
CONF
export SLURM_CONF="$dir/slurm.conf"

install -d -o munge -g munge -m 0755 /run/munge
runuser -u munge -- /usr/sbin/munged --pid-file="$dir/munge/munged.pid" -F >"$dir/munged.log" 2>&1 &
echo $! >"$dir/munged.pid"  # runuser stays as munged's parent; stopping it stops munged
for _ in $(seq 1 50); do [ -S /run/munge/munge.socket.2 ] && break; sleep 0.1; done
sleep 0.2
if ! kill -0 "$(cat "$dir/munged.pid")" 2>/dev/null; then
  echo "munged did not start:" >&2; cat "$dir/munged.log" >&2; exit 1
fi
slurmctld -D -c -f "$SLURM_CONF" >"$dir/slurmctld.out" 2>&1 &
echo $! >"$dir/slurmctld.pid"
slurmd -D -f "$SLURM_CONF" >"$dir/slurmd.out" 2>&1 &
echo $! >"$dir/slurmd.pid"
for _ in $(seq 1 100); do
  state=$(timeout 5 sinfo -h -o %T 2>/dev/null | head -n 1 || true)
  [ "$state" = idle ] && { echo "SLURM up: SLURM_CONF=$SLURM_CONF"; exit 0; }
  sleep 0.2
done
echo "SLURM did not come up; logs in $dir" >&2
tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
stop
exit 1
