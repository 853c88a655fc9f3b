# SPDX-License-Identifier: GPL-2.0-or-later
# plot-canary.gp - the canary's latency over one episode, one panel per killer, kills marked
# (bench-reserve.sh's reserve-canary.dat: one block per killer, "seconds latency_ms"; reserve-kills.dat:
# one block per killer, "seconds role sender signal")
# gnuplot -e "dat='OUT/reserve-canary.dat'; kills='OUT/reserve-kills.dat'; names='K1 K2'; what='stuck, 5 %'; out='OUT/canary.png'" bench/plot-canary.gp
n = words(names)
set terminal pngcairo size 900,(n * 150 + 90) font ",9"
set output out
set multiplot layout n,1 title sprintf("Canary (10 ms ticks): latency of each tick, episode %s (log; dashed: 200 ms)", what)
set logscale y
set yrange [0.3:20000]
set xrange [0:*]
set ylabel "ms"
set grid ytics
set key top right horizontal
set lmargin 10
do for [i = 1:n] {
    set title word(names, i) offset 0,-0.6
    if (i == n) { set xlabel "seconds since the culprit started" }
    plot dat index (i - 1) using 1:2 with points pt 7 ps 0.25 lc rgb "#4477aa" notitle, \
         kills index (i - 1) using (strcol(3) eq "kernel-oom" ? NaN : $1):(0.3):(0):(19999) with vectors nohead lw 2 lc rgb "#228833" title "killer's signal", \
         kills index (i - 1) using (strcol(3) eq "kernel-oom" ? $1 : NaN):(0.3):(0):(19999) with vectors nohead lw 2 lc rgb "#ee6677" title "kernel OOM kill", \
         200 with lines dt 2 lc rgb "black" notitle
}
unset multiplot
