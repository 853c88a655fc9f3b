# SPDX-License-Identifier: GPL-2.0-or-later
# plot-reserve.gp - the reserve sweep: the canary's worst tick by threshold, per killer and episode
# (bench-reserve.sh's reserve-sweep.dat: episode killer threshold worst_ms all_safe)
# gnuplot -e "dat='OUT/reserve-sweep.dat'; eps='runaway stuck thrash'; names='K1 K2'; out='OUT/reserve.png'" bench/plot-reserve.gp
ne = words(eps)
nk = words(names)
set terminal pngcairo size (ne * 420 + 60),520 font ",9"
set output out
set multiplot layout 1,ne title "Canary's worst 10 ms tick by memory threshold (log; circled: unsafe — worst ≥ 200 ms, kernel OOM kill or collateral)"
set logscale y
set yrange [1:20000]
set xlabel "threshold, % of MemTotal"
set ylabel "worst tick, ms"
set grid
set key top right font ",8"
set offsets 0.3, 0.3, 0, 0
colors = "#4477aa #ee6677 #228833 #ccbb44 #66ccee #aa3377"
do for [e = 1:ne] {
    ep = word(eps, e)
    set title ep
    plot for [k = 1:nk] dat using (strcol(1) eq ep && strcol(2) eq word(names, k) ? $3 : NaN):4 \
             with linespoints lw 2 pt 7 lc rgb word(colors, k) title word(names, k), \
         for [k = 1:nk] dat using (strcol(1) eq ep && strcol(2) eq word(names, k) && $5 == 0 ? $3 : NaN):4 \
             with points pt 6 ps 2.2 lc rgb "black" notitle, \
         dat using (strcol(1) eq ep && strcol(2) eq "kernel-alone" ? $3 : NaN):4 with points pt 2 ps 2 lc rgb "black" title "kernel alone", \
         200 with lines dt 2 lc rgb "black" notitle
}
unset multiplot
