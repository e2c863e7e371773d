/* idle_client ADDRESS N [--size S]
 *
 * The client side of bench/run's idle-connection memory case, in its own process: opens N
 * TCP connections to an echo server at ADDRESS (numeric host:port), and on each sends S bytes
 * (default 64) and reads the echo back, so that the server has served every connection once
 * and holds it in its steady idle state (parked in a read). Up to 64 connections are being
 * set up at a time (non-blocking, one epoll instance). Then prints
 * "idle_client: N connections up" on stdout and holds them, idle, until SIGTERM or SIGINT.
 * Raises RLIMIT_NOFILE to N + 32 (the hard limit here is 20,000). Exit status 2 on any error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum { window = 64 };

/* A connection being set up: connecting (sent == 0), then reading its echo. */
struct setup {
    int fd;
    int sent;
    size_t got;
};

static int fail(const char* what) {
    fprintf(stderr, "idle_client: %s: %s\n", what, strerror(errno));
    return -1;
}

static int parse_address(const char* text, struct sockaddr_in* sa) {
    char host[64];
    const char* colon = strrchr(text, ':');
    if (colon == NULL || (size_t)(colon - text) >= sizeof host) {
        return -1;
    }
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)atoi(colon + 1));
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int start_one(const struct sockaddr_in* sa, int ep, struct setup* c) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    c->sent = 0;
    c->got = 0;
    if (c->fd < 0) {
        return fail("socket");
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (const struct sockaddr*)sa, sizeof *sa) != 0 && errno != EINPROGRESS) {
        return fail("connect");
    }
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
    return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) == 0 ? 0 : fail("epoll_ctl");
}

/* Handles one readiness event: 1 when the connection's echo is complete, 0 to wait on, -1. */
static int advance(int ep, struct setup* c, const char* msg, char* back, size_t size) {
    if (!c->sent) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            errno = err;
            return fail("connect");
        }
        if (send(c->fd, msg, size, 0) != (ssize_t)size) {
            return fail("send");
        }
        c->sent = 1;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == 0 ? 0 : fail("epoll_ctl");
    }
    ssize_t n = recv(c->fd, back + c->got, size - c->got, 0);
    if (n < 0 && errno == EAGAIN) {
        return 0;
    }
    if (n <= 0) {
        errno = n == 0 ? ECONNRESET : errno;
        return fail("recv");
    }
    c->got += (size_t)n;
    if (c->got < size) {
        return 0;
    }
    if (memcmp(back, msg, size) != 0) { /* bytes of one message arrive in order */
        errno = EPROTO;
        return fail("echo mismatch");
    }
    return epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL) == 0 ? 1 : fail("epoll_ctl");
}

static int open_all(const struct sockaddr_in* sa, long n, const char* msg, char* back,
                    size_t size) {
    struct setup slots[window];
    struct epoll_event events[window];
    int ep = epoll_create1(0);
    long started = 0, done = 0;
    if (ep < 0) {
        return fail("epoll_create1");
    }
    for (int i = 0; i < window && started < n; ++i, ++started) {
        if (start_one(sa, ep, &slots[i]) != 0) {
            return -1;
        }
    }
    while (done < n) {
        int k = epoll_wait(ep, events, window, 10000);
        if (k <= 0) {
            errno = k == 0 ? ETIMEDOUT : errno;
            return fail("epoll_wait");
        }
        for (int i = 0; i < k; ++i) {
            struct setup* c = events[i].data.ptr;
            int r = advance(ep, c, msg, back, size);
            if (r < 0) {
                return -1;
            }
            if (r == 1) {
                ++done;
                if (started < n) { /* the slot starts the next connection */
                    ++started;
                    if (start_one(sa, ep, c) != 0) {
                        return -1;
                    }
                }
            }
        }
    }
    close(ep);
    return 0;
}

int main(int argc, char** argv) {
    struct sockaddr_in sa;
    size_t size = 64;
    if (argc < 3 || parse_address(argv[1], &sa) != 0) {
        fprintf(stderr, "usage: idle_client ADDRESS N [--size S]\n");
        return 2;
    }
    long n = atol(argv[2]);
    if (argc == 5 && strcmp(argv[3], "--size") == 0) {
        size = (size_t)atol(argv[4]);
    }
    if (n < 1 || size < 1 || size > 65536) {
        fprintf(stderr, "idle_client: bad N or size\n");
        return 2;
    }
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < (rlim_t)n + 32) {
        rl.rlim_cur = (rlim_t)n + 32;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            fail("setrlimit (N + 32 file descriptors)");
            return 2;
        }
    }
    char* msg = malloc(size);
    char* back = malloc(size);
    if (msg == NULL || back == NULL) {
        return 2;
    }
    for (size_t i = 0; i < size; ++i) {
        msg[i] = (char)('a' + i % 26);
    }
    if (open_all(&sa, n, msg, back, size) != 0) {
        return 2;
    }
    printf("idle_client: %ld connections up\n", n);
    fflush(stdout);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sig;
    sigwait(&set, &sig);
    free(msg);
    free(back);
    return 0; /* the kernel closes every connection */
}
