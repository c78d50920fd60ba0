/* The floor for the "scale" benchmark (scripts/bench-scale.js compiles it with gcc into a temp
 * dir): the least work the engine's counter sampler could do on a host of many namespaces. It
 * opens one NETLINK_ROUTE socket in its own namespace and one inside each namespace given by pid
 * (setns into /proc/PID/ns/net, socket, setns back), then ticks at HZ for SECONDS, as the engine's
 * sampler does with one client looking at HOT namespaces: a tick reads the first HOT pods' namespaces,
 * and once every HZ/LOWHZ ticks every namespace — one RTM_GETSTATS dump (IFLA_STATS_LINK_64) per
 * socket read, parsed just enough to sum the counters. (HOT = all, LOWHZ = HZ: every namespace
 * every tick.)
 * Prints "setup_us sweep_cpu_us sweep_wall_us sweeps sockets interfaces_per_sweep", where the CPU
 * (user + system, from getrusage) covers the sweeps only — the kernel's dump work is charged to the
 * process that reads it, so the system part is the kernel's side of each sweep.
 * Usage: floor HZ LOWHZ HOT SECONDS PID... */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench-stats-dump.h"

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static int open_rtnl(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) { perror("socket"); exit(1); }
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { perror("bind"); exit(1); }
  return fd;
}

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: floor HZ LOWHZ HOT SECONDS PID...\n"); return 2; }
  double hz = atof(argv[1]), low_hz = atof(argv[2]), seconds = atof(argv[4]);
  int hot = atoi(argv[3]);
  if (hz <= 0 || low_hz <= 0 || seconds <= 0 || hot < 0) { fprintf(stderr, "floor: HZ, LOWHZ and SECONDS must be > 0, HOT >= 0\n"); return 2; }
  const int first_pid = 5;
  int n = argc - first_pid + 1;
  int *fds = calloc(n, sizeof *fds);

  double t0 = now_us();
  int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) { perror("open /proc/self/ns/net"); return 1; }
  fds[0] = open_rtnl(); /* the namespace the floor runs in: the engine samples it too */
  for (int i = 1; i < n; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/ns/net", argv[i + first_pid - 1]);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) { perror(path); return 1; }
    if (setns(ns, CLONE_NEWNET) < 0) { perror("setns"); return 1; }
    fds[i] = open_rtnl(); /* a netlink socket stays bound to the namespace it was made in */
    if (setns(self, CLONE_NEWNET) < 0) { perror("setns back"); return 1; }
    close(ns);
  }
  double setup = now_us() - t0;

  long sweeps = (long)(hz * seconds + 0.5);
  long full_every = low_hz >= hz ? 1 : (long)(hz / low_hz + 0.5);
  if (hot > n - 1) hot = n - 1;
  long period_ns = (long)(1e9 / hz);
  uint64_t sink = 0; int n_if = 0; uint32_t seq = 1;
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  double c0 = cpu_us(), w0 = now_us();
  for (long s = 0; s < sweeps; s++) {
    n_if = 0;
    if (s % full_every == 0) for (int i = 0; i < n; i++) n_if += stats_dump(fds[i], seq++, &sink);
    else for (int i = 1; i <= hot; i++) n_if += stats_dump(fds[i], seq++, &sink);
    next.tv_nsec += period_ns;
    while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
  double cpu = cpu_us() - c0, wall = now_us() - w0;
  printf("%.0f %.0f %.0f %ld %d %d %llu\n", setup, cpu, wall, sweeps, n, n_if, (unsigned long long)(sink & 1));
  return 0;
}
