# SPDX-License-Identifier: GPL-2.0-or-later
# plot-contended.gp - a victim that cannot get CPU: SIGKILL -> memory back per killer (medians)
# (bench-contended.sh's contended-plot.dat: "killer" ms "label"; log scale)
# gnuplot -e "dat='OUT/contended-plot.dat'; out='OUT/contended.png'" bench/plot-contended.gp
set terminal pngcairo size 900,480 font ",10"
set output out
set termoption noenhanced
set title "Victim pinned to a CPU a SCHED_FIFO loop saturates: SIGKILL → memory back (median; log scale)"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.6
set logscale y
set yrange [10:30000]
set ylabel "ms"
set grid ytics
unset key
plot dat using 2:xtic(1) lc rgb "#ee6677", \
     '' using ($0):($2 * 1.5):3 with labels notitle
