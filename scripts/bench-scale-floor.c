/* The floor for the "scale" benchmark (scripts/bench-scale.js compiles it with gcc into a temp
 * dir): the least work the engine could do for what it does in its steady state on a host of many
 * namespaces, in the same kernel calls. It opens one NETLINK_ROUTE socket in its own namespace and
 * one inside each namespace given by pid (setns into /proc/PID/ns/net, socket, setns back), then
 * ticks at HZ for SECONDS and does, as the engine does with one client looking at HOT namespaces:
 *   - counters: a tick reads the first HOT pods' namespaces, and once every HZ/LOWHZ ticks every
 *     namespace — one RTM_GETSTATS dump (IFLA_STATS_LINK_64) per socket read, parsed just enough
 *     to sum the counters (HOT = all, LOWHZ = HZ: every namespace every tick);
 *   - reconciliation: RECONCILE namespaces a second, in turn from the first pod, spread over the
 *     ticks, each re-read as the engine's reconciliation pass reads it: links, addresses (both
 *     families), IPv4 and IPv6 routes and the bridge FDB, one dump each, every record walked;
 *   - discovery: every PROCPERIOD ticks (0 = never) a pass over /proc as the engine's periodic
 *     one: readdir, then readlink of /proc/PID/ns/net for the pids not seen in the pass before or
 *     first seen then, and for one known pid in PROCEVERY (by pid, in turn), and the command
 *     (/proc/PID/comm) of one pod in ceil(pods / 100) (the engine's labels, 100 a pass).
 * Prints "setup_us cpu_us wall_us ticks sockets interfaces_per_tick counters_cpu_us
 * reconcile_cpu_us proc_cpu_us", where the CPU (user + system, from getrusage) covers the ticks
 * only — the kernel's dump work is charged to the process that reads it, so the system part is
 * the kernel's side of each read.
 * Usage: floor HZ LOWHZ HOT SECONDS RECONCILE PROCPERIOD PROCEVERY PID... */
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
#include <dirent.h>
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

/* One dump of `type` (family `family`) on one socket, every record walked; returns the records. */
static int dump_all(int fd, uint16_t type, uint8_t family, uint32_t seq) {
  struct { struct nlmsghdr nh; struct rtgenmsg g; char pad[32]; } req;
  memset(&req, 0, sizeof req);
  /* Each request's family header is at least a struct rtgenmsg; the kernel reads the family from
   * its first byte (ifinfomsg, ifaddrmsg, rtmsg and ndmsg all start with it). */
  size_t hdr = type == RTM_GETLINK ? sizeof(struct ifinfomsg) : type == RTM_GETADDR ? sizeof(struct ifaddrmsg)
             : type == RTM_GETROUTE ? sizeof(struct rtmsg) : sizeof(struct ndmsg);
  req.nh.nlmsg_len = NLMSG_LENGTH(hdr);
  req.nh.nlmsg_type = type;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.nh.nlmsg_seq = seq;
  req.g.rtgen_family = family;
  if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) { perror("send"); exit(1); }
  int n = 0;
  for (;;) {
    ssize_t len = recv(fd, stats_buf, sizeof stats_buf, 0);
    if (len < 0) { perror("recv"); exit(1); }
    for (struct nlmsghdr *nh = (struct nlmsghdr *)stats_buf; NLMSG_OK(nh, (size_t)len); nh = NLMSG_NEXT(nh, len)) {
      if (nh->nlmsg_type == NLMSG_DONE) return n;
      if (nh->nlmsg_type == NLMSG_ERROR) { fprintf(stderr, "netlink error\n"); exit(1); }
      n++;
    }
  }
}

/* The engine's reconciliation pass over one namespace: the same five dumps. */
static int reconcile(int fd, uint32_t *seq) {
  int n = dump_all(fd, RTM_GETLINK, AF_UNSPEC, (*seq)++);
  n += dump_all(fd, RTM_GETADDR, AF_UNSPEC, (*seq)++);
  n += dump_all(fd, RTM_GETROUTE, AF_INET, (*seq)++);
  n += dump_all(fd, RTM_GETROUTE, AF_INET6, (*seq)++);
  return n + dump_all(fd, RTM_GETNEIGH, AF_BRIDGE, (*seq)++);
}

/* pid -> the pass it was last read in and first seen in (a table indexed by pid). */
#define MAX_PID (1 << 22)
static int *seen_in, *first_in;

/* One discovery pass over /proc (see the header). */
static void proc_pass(int pass, int every, char **pods, int npods) {
  DIR *d = opendir("/proc");
  if (!d) { perror("opendir /proc"); exit(1); }
  struct dirent *e;
  char path[64], link[64];
  while ((e = readdir(d))) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    int pid = atoi(e->d_name);
    if (pid <= 0 || pid >= MAX_PID) continue;
    int known = seen_in[pid] > 0, young = first_in[pid] == pass - 1;
    if (!known) first_in[pid] = pass;
    seen_in[pid] = pass;
    if (known && !young && (pid + pass) % every != 0) continue;
    snprintf(path, sizeof path, "/proc/%d/ns/net", pid);
    ssize_t n = readlink(path, link, sizeof link);
    (void)n;
  }
  closedir(d);
  int step = (npods + 99) / 100;
  for (int i = 0; i < npods; i++) {
    if ((atoi(pods[i]) + pass) % step != 0) continue;
    snprintf(path, sizeof path, "/proc/%s/comm", pods[i]);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) { ssize_t n = read(fd, link, sizeof link); (void)n; close(fd); }
  }
}

int main(int argc, char **argv) {
  if (argc < 8) { fprintf(stderr, "usage: floor HZ LOWHZ HOT SECONDS RECONCILE PROCPERIOD PROCEVERY PID...\n"); return 2; }
  double hz = atof(argv[1]), low_hz = atof(argv[2]), seconds = atof(argv[4]), per_sec = atof(argv[5]);
  int hot = atoi(argv[3]), proc_period = atoi(argv[6]), proc_every = atoi(argv[7]);
  if (hz <= 0 || low_hz <= 0 || seconds <= 0 || hot < 0 || per_sec < 0 || proc_period < 0 || proc_every < 1) {
    fprintf(stderr, "floor: HZ, LOWHZ and SECONDS must be > 0, HOT, RECONCILE and PROCPERIOD >= 0, PROCEVERY >= 1\n");
    return 2;
  }
  const int first_pid = 8;
  int n = argc - first_pid + 1;
  int *fds = calloc(n, sizeof *fds);
  seen_in = calloc(MAX_PID, sizeof *seen_in);
  first_in = calloc(MAX_PID, sizeof *first_in);

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
  /* The engine has read every process once before its steady state: so has the floor. */
  int pass = 1;
  if (proc_period > 0) proc_pass(pass, 1, argv + first_pid, n - 1);

  long ticks = (long)(hz * seconds + 0.5);
  long full_every = low_hz >= hz ? 1 : (long)(hz / low_hz + 0.5);
  if (hot > n - 1) hot = n - 1;
  long period_ns = (long)(1e9 / hz);
  uint64_t sink = 0; int n_if = 0; uint32_t seq = 1;
  /* Reconciliation: namespaces owed, and the next one. The walk starts at the first pod: a window
   * of SECONDS sees RECONCILE x SECONDS pods, as most windows of the engine's do (its walk reaches
   * its own namespace, with every host-side veth and bridge port in it, once a round). */
  double owed = 0; int cursor = n > 1 ? 1 : 0;
  double cpu_counters = 0, cpu_reconcile = 0, cpu_proc = 0;
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  double c0 = cpu_us(), w0 = now_us();
  for (long s = 0; s < ticks; s++) {
    double a = cpu_us();
    n_if = 0;
    if (s % full_every == 0) for (int i = 0; i < n; i++) n_if += stats_dump(fds[i], seq++, &sink);
    else for (int i = 1; i <= hot; i++) n_if += stats_dump(fds[i], seq++, &sink);
    double b = cpu_us();
    cpu_counters += b - a;
    for (owed += per_sec / hz; owed >= 1; owed -= 1) { sink += reconcile(fds[cursor], &seq); cursor = (cursor + 1) % n; }
    double c = cpu_us();
    cpu_reconcile += c - b;
    if (proc_period > 0 && (s + 1) % proc_period == 0) proc_pass(++pass, proc_every, argv + first_pid, n - 1);
    cpu_proc += cpu_us() - c;
    next.tv_nsec += period_ns;
    while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
  double cpu = cpu_us() - c0, wall = now_us() - w0;
  printf("%.0f %.0f %.0f %ld %d %d %.0f %.0f %.0f %llu\n", setup, cpu, wall, ticks, n, n_if, cpu_counters, cpu_reconcile, cpu_proc,
         (unsigned long long)(sink & 1));
  return 0;
}
