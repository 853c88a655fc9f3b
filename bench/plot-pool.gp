# SPDX-License-Identifier: GPL-2.0-or-later
# plot-pool.gp - memory back after a cgroup kill of frozen members, per run, one reaper thread
# vs the default pool (bench-pool's pool.dat: run threads default back_ms batch_ms released took_part)
# gnuplot -e "dat='OUT/pool.dat'; out='OUT/pool.png'" bench/plot-pool.gp
set terminal pngcairo size 900,500 font ",10" noenhanced
set output out
set title "8 frozen members of 512 MB, KillUnit=cgroup: kill_start() to 90% of the memory back (lower is better)"
set style data points
set xlabel "run"
set ylabel "ms"
set yrange [0:*]
set xtics 1
set offsets 0.5, 0.5, 0, 0
set grid ytics
set key bottom right
plot dat using ($3 == 0 ? $1 : 1/0):4 title "ReaperThreads=1" lc rgb "#ee6677" pt 7 ps 1.5, \
     dat using ($3 == 1 ? $1 : 1/0):4 title "ReaperThreads=auto (the default)" lc rgb "#4477aa" pt 5 ps 1.5
