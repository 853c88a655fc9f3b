# SPDX-License-Identifier: GPL-2.0-or-later
# plot-idle.gp - idle cost per daemon (bench-idle.sh's idle.dat: name cpu_ms_per_min wakeups_per_s rss_mb)
# gnuplot -e "dat='OUT/idle.dat'; out='OUT/idle.png'; secs='60'" bench/plot-idle.gp
set terminal pngcairo size 1100,500 font ",10"
set output out
if (!exists("secs")) secs = "60"
set multiplot layout 1,3 title sprintf("Idle cost over %s s, defaults (lower is better; floors: a bare 10 s timerfd loop, the same in sd-event with an IO source, and with a time source)", secs)
set style fill solid 0.8 border -1
set boxwidth 0.6
set grid ytics
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set xtics rotate by -20 scale 0
unset key
set title "CPU, ms per minute"
plot dat using 0:2:xtic(1) with boxes lc rgb "#4477aa", '' using 0:2:(sprintf("%.2f", $2)) with labels offset 0,0.7
set title "wakeups per second"
plot dat using 0:3:xtic(1) with boxes lc rgb "#ee6677", '' using 0:3:(sprintf("%.2f", $3)) with labels offset 0,0.7
set title "VmRSS, MB"
plot dat using 0:4:xtic(1) with boxes lc rgb "#228833", '' using 0:4:(sprintf("%.2f", $4)) with labels offset 0,0.7
unset multiplot
