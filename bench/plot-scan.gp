# SPDX-License-Identifier: GPL-2.0-or-later
# plot-scan.gp - CPU per process of one victim decision (bench-scan.sh's scan.dat:
# sleepers procs reapd_us eo17_us reapd_n eo17_n scoped_us scoped_n victim_mb eo18_us eo18_n)
# gnuplot -e "dat='OUT/scan.dat'; out='OUT/scan.png'" bench/plot-scan.gp
set terminal pngcairo size 900,500 font ",10"
set output out
set title "CPU per process scanned, one victim decision (dry run, same PID namespace; lower is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "µs per process"
set yrange [0:*]
set grid ytics
set key top left
plot dat using ($3 / $2):xtic(sprintf("%d processes, %d MB victim", $2, $9)) title "reapd, system-wide" lc rgb "#4477aa", \
     '' using ($10 / $2) title "earlyoom 1.8.2" lc rgb "#ccbb44", \
     '' using ($4 / $2) title "earlyoom 1.7" lc rgb "#ee6677", \
     '' using ($7 / $2) title "reapd, Cgroup= scope" lc rgb "#228833"
