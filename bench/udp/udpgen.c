// udpgen.c - UDP load for bench/udp (a C service and a C client, so that neither limits the relay).
//
//   udpgen echo PORT                 answer every datagram with itself (the service behind the tap)
//   udpgen client PORT SECS FLOWS    FLOWS sockets (one flow each) ask and wait for the answer, in
//                                    a loop for SECS seconds; a datagram unanswered for 200 ms is
//                                    counted lost and asked again.
// Output (client): "rps=N ok=N lost=N flows=N".
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static int echo(int port) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = loopback(port);
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) { perror("bind"); return 2; }
  char buf[65536];
  for (;;) {
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    if (n < 0) continue;
    sendto(s, buf, n, 0, (struct sockaddr *)&from, len);
  }
}

static int client(int port, double secs, int flows) {
  struct pollfd *p = calloc(flows, sizeof *p);
  double *sent = calloc(flows, sizeof *sent);
  struct sockaddr_in to = loopback(port);
  const char msg[64] = "sockscope udp bench: 64 bytes of request, answered by the echo.";
  long ok = 0, lost = 0;
  double start = now(), end = start + secs;
  for (int i = 0; i < flows; i++) {
    p[i].fd = socket(AF_INET, SOCK_DGRAM, 0);
    p[i].events = POLLIN;
    connect(p[i].fd, (struct sockaddr *)&to, sizeof to);
    send(p[i].fd, msg, sizeof msg, 0);
    sent[i] = now();
  }
  char buf[65536];
  while (now() < end) {
    poll(p, flows, 10);
    double t = now();
    for (int i = 0; i < flows; i++) {
      if (p[i].revents & POLLIN) {
        while (recv(p[i].fd, buf, sizeof buf, MSG_DONTWAIT) > 0) ok++;
        send(p[i].fd, msg, sizeof msg, 0);
        sent[i] = t;
      } else if (t - sent[i] > 0.2) {
        lost++;
        send(p[i].fd, msg, sizeof msg, 0);
        sent[i] = t;
      }
    }
  }
  printf("rps=%.1f ok=%ld lost=%ld flows=%d\n", ok / (now() - start), ok, lost, flows);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "echo") == 0) return echo(atoi(argv[2]));
  if (argc == 5 && strcmp(argv[1], "client") == 0) {
    return client(atoi(argv[2]), atof(argv[3]), atoi(argv[4]));
  }
  fprintf(stderr, "usage: udpgen echo PORT | udpgen client PORT SECS FLOWS\n");
  return 2;
}
