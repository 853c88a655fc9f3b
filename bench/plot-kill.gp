# SPDX-License-Identifier: GPL-2.0-or-later
# plot-kill.gp - threshold crossed -> SIGKILL -> memory back, per killer and victim kind
# (bench/run.sh's kill-plot.dat: label detect_ms back_ms back_label; log scale)
# gnuplot -e "dat='OUT/kill-plot.dat'; out='OUT/kill.png'" bench/plot-kill.gp
set terminal pngcairo size 900,500 font ",10"
set output out
set title "Same workload, same threshold: median times (log scale, lower is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [1:100000]
set ylabel "ms"
set grid ytics
set key top left
plot dat using 2:xtic(1) title "threshold crossed → SIGKILL" lc rgb "#4477aa", \
     '' using 3 title "SIGKILL → victim's memory back" lc rgb "#ee6677", \
     '' using ($0 + 0.17):($3 * 1.6):4 with labels notitle
