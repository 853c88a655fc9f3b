# SPDX-License-Identifier: GPL-2.0-or-later
# plot-sweep.gp - a stuck victim's SIGKILL -> memory back by victim size, per killer, against the
# physical reference (one thread's direct process_mrelease() call)
# (bench-sweep.sh's sweep-plot.dat: gb reapd earlyoom-new earlyoom-old reference, ms; log scale)
# gnuplot -e "dat='OUT/sweep-plot.dat'; out='OUT/sweep.png'; e18='earlyoom-1.8.2'; e17='earlyoom-1.7'" bench/plot-sweep.gp
set terminal pngcairo size 900,520 font ",10"
set output out
set termoption noenhanced
set title "Stuck (D-state) victim: SIGKILL → memory back, by size (medians; log scale, lower is better)"
set xlabel "victim size (GiB)"
set ylabel "ms"
set logscale y
set yrange [50:40000]
set xrange [0:13]
set grid
set key bottom right
set label "not back (waited 12 s)" at graph 0.62, first 12000 offset 0,0.8
plot dat using 1:2 with linespoints lw 2 pt 7 title "reapd", \
     '' using 1:3 with linespoints lw 2 pt 5 title e18, \
     '' using 1:4 with linespoints lw 2 pt 9 title e17, \
     '' using 1:5 with linespoints lw 1 dt 2 pt 1 title "reference: direct process_mrelease() call"
