# SPDX-License-Identifier: GPL-2.0-or-later
# plot-psi.gp - reapd's PSI event -> SIGKILL latency, every sample sorted (bench-psi.sh's psi.dat)
# gnuplot -e "dat='OUT/psi.dat'; out='OUT/psi.png'" bench/plot-psi.gp
set terminal pngcairo size 900,500 font ",10"
set output out
set title "PSI trigger event → SIGKILL, 1 000 processes in scope (each point one kill, sorted)"
set xlabel "share of samples"
set ylabel "ms"
set grid
set key top left
# room above the 5 ms target line, so it shows when every sample is under it
set yrange [0:*]
set offsets 0, 0, 1, 0
stats dat using 1 nooutput
n = STATS_records
plot '< sort -g ' . dat using (($0 + 1) / n):1 with linespoints pt 7 lc rgb "#4477aa" title "event (reapd woken) → SIGKILL", \
     '< sort -g -k4 ' . dat using (($0 + 1) / n):4 with linespoints pt 5 lc rgb "#ee6677" title "reapd running → SIGKILL", \
     5 with lines dt 2 lc rgb "black" title "target p99 ≤ 5 ms"
