// rstgen: connection-rate load in which every second connection behaves like
// nmap -sT (handshake, then RST at once via SO_LINGER 0) and the others are
// polite (64 bytes, shutdown(WR), wait for the server's FIN, close).
// usage: rstgen PORT SECONDS CONCURRENCY
// prints: cps=<completed/s> rst=<n> fin=<n> errors=<n>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

enum { CONNECTING, WAITEOF };
struct slot { int fd, st, rst; };

static int ep, port;
static struct sockaddr_in addr;
static long long nrst, nfin, nerr, seq;

static void start(struct slot *s, int i) {
  s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  s->st = CONNECTING;
  s->rst = (seq++ & 1) == 0;
  if (connect(s->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
    nerr++, close(s->fd), s->fd = -1;
    return;
  }
  struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.u32 = (unsigned)i};
  epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
}

static void finish(struct slot *s) {
  epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
  close(s->fd);
  s->fd = -1;
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: rstgen PORT SECONDS CONCURRENCY\n"); return 2; }
  port = atoi(argv[1]);
  double secs = atof(argv[2]);
  int conc = atoi(argv[3]);
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ep = epoll_create1(EPOLL_CLOEXEC);
  struct slot *slots = calloc(conc, sizeof *slots);
  char payload[64], buf[4096];
  memset(payload, 'x', sizeof payload);
  double t0 = now(), stop = t0 + secs;
  for (int i = 0; i < conc; i++) start(&slots[i], i);
  struct epoll_event evs[256];
  while (now() < stop) {
    int n = epoll_wait(ep, evs, 256, 50);
    for (int k = 0; k < n; k++) {
      int i = evs[k].data.u32;
      struct slot *s = &slots[i];
      if (s->fd < 0) continue;
      if (s->st == CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) { nerr++, finish(s), start(s, i); continue; }
        if (s->rst) {
          struct linger l = {1, 0};
          setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
          finish(s), nrst++, start(s, i);
          continue;
        }
        if (write(s->fd, payload, sizeof payload) != (ssize_t)sizeof payload) { nerr++, finish(s), start(s, i); continue; }
        shutdown(s->fd, SHUT_WR);
        s->st = WAITEOF;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = (unsigned)i};
        epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
        continue;
      }
      ssize_t r;
      while ((r = read(s->fd, buf, sizeof buf)) > 0) {}
      if (r == 0) { finish(s), nfin++, start(s, i); }
      else if (errno != EAGAIN) { nerr++, finish(s), start(s, i); }
    }
  }
  double el = now() - t0;
  printf("cps=%.1f rst=%lld fin=%lld errors=%lld elapsed=%.3f\n", (nrst + nfin) / el, nrst, nfin, nerr, el);
  return 0;
}
