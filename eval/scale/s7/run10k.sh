#!/bin/bash
# usage: run10k.sh BINARY LABEL  -- ingest /work/bench/c10k into a fresh store, print
# wall/CPU (/usr/bin/time -v), per-thread CPU seconds (last sample of
# /proc/PID/task/*/stat utime+stime, polled every 50 ms) and uptime before/after.
BIN=$1; LABEL=$2
D=/work/bench/s7/T-$LABEL
rm -rf $D
echo "== $LABEL $(date -u +%H:%M:%S) start: $(uptime | sed 's/.*load/load/')"
/usr/bin/time -v $BIN --data $D ingest --quiet --no-incidents /work/bench/c10k 2> /work/bench/s7/time-$LABEL.txt &
TPID=$!
sleep 0.05
PID=$(pgrep -P $TPID | head -1)
declare -A CPU NAME
TCK=$(getconf CLK_TCK)
while kill -0 $PID 2>/dev/null; do
  for st in /proc/$PID/task/*/stat; do
    tid=${st#/proc/$PID/task/}; tid=${tid%/stat}
    line=$(cat $st 2>/dev/null) || continue
    name=${line#*(}; name=${name%%)*}
    rest=${line##*) }
    set -- $rest
    CPU[$tid]=$(( ${12} + ${13} )); NAME[$tid]=$name
  done
  sleep 0.05
done
wait $TPID
echo "   end: $(uptime | sed 's/.*load/load/')"
grep -E 'Elapsed|User time|System time|Maximum resident' /work/bench/s7/time-$LABEL.txt | sed 's/^\s*/   /'
for t in "${!CPU[@]}"; do printf "   thread %-16s tid %s cpu %.2f s\n" "${NAME[$t]}" $t $(echo "${CPU[$t]} / $TCK" | bc -l); done | sort -k6 -n -r
du -sh $D | sed 's/^/   store /'
ls -la $D | grep db | awk '{print "   " $5, $9}'
rm -rf $D
