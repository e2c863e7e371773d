/* epoll_echo [ADDRESS]  (default 127.0.0.1:7001)
 *
 * The "hand-written limit" that weft's echo server is compared with: one thread, one
 * level-triggered epoll instance, non-blocking sockets, TCP_NODELAY, and nothing else.
 *
 * Per connection: one 16 KiB buffer, allocated at accept and freed at close (never per read).
 *   reading   interest EPOLLIN. A readable event does one recv() into the buffer and sends
 *             the bytes back at once. Level-triggered, so a full buffer is simply reported
 *             again: no extra recv() that ends in EAGAIN.
 *   flushing  a send() came up short: the unsent tail stays in the buffer, interest becomes
 *             EPOLLOUT only (the peer's reads pace ours), and when the tail is gone it goes
 *             back to reading.
 * The listener is drained with accept4() until EAGAIN. When out of descriptors (EMFILE), a
 * spare descriptor is released to accept and close the pending connection, so a full
 * backlog cannot turn the level-triggered listener into a busy loop.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { buffer_size = 16384, max_events = 256 };

struct conn {
    int fd;
    size_t pending_off; /* first unsent byte of buf while flushing */
    size_t pending_len; /* end of unsent bytes; 0 while reading */
    unsigned char buf[buffer_size];
};

static int epfd = -1;
static int spare_fd = -1;

static void die(const char* what) {
    fprintf(stderr, "epoll_echo: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Parses "a.b.c.d:port" or "[v6]:port". Returns the address length, 0 if malformed. */
static socklen_t parse_address(const char* text, struct sockaddr_storage* out) {
    char host[64];
    const char* colon = strrchr(text, ':');
    if (colon == NULL || (size_t)(colon - text) >= sizeof host) {
        return 0;
    }
    char* end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || colon[1] == '\0' || port < 0 || port > 65535) {
        return 0;
    }
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    memset(out, 0, sizeof *out);
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        struct sockaddr_in6* a6 = (struct sockaddr_in6*)out;
        host[n - 1] = '\0';
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((unsigned short)port);
        return inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1 ? sizeof *a6 : 0;
    }
    struct sockaddr_in* a4 = (struct sockaddr_in*)out;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((unsigned short)port);
    return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? sizeof *a4 : 0;
}

static int listen_on(const char* address) {
    struct sockaddr_storage addr;
    socklen_t len = parse_address(address, &addr);
    if (len == 0) {
        fprintf(stderr, "epoll_echo: not a numeric host:port: %s\n", address);
        exit(2);
    }
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        die("socket");
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr*)&addr, len) != 0) {
        die("bind");
    }
    if (listen(fd, 4096) != 0) {
        die("listen");
    }
    return fd;
}

static void set_interest(struct conn* c, unsigned events) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0) {
        die("epoll_ctl(MOD)");
    }
}

static void close_conn(struct conn* c) {
    close(c->fd); /* also removes it from the epoll set */
    free(c);
}

static void accept_one(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct conn* c = malloc(sizeof *c);
    if (c == NULL) {
        close(fd);
        return;
    }
    c->fd = fd;
    c->pending_off = c->pending_len = 0;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        close_conn(c);
    }
}

/* Out of descriptors: take the oldest pending connection and close it, rather than leave
 * it in the backlog where the level-triggered listener would report it forever. */
static void shed_one(int listener) {
    static int warned = 0;
    if (!warned) {
        fprintf(stderr, "epoll_echo: accept: %s (closing new connections)\n", strerror(errno));
        warned = 1;
    }
    close(spare_fd);
    int fd = accept(listener, NULL, NULL);
    if (fd >= 0) {
        close(fd);
    }
    spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void accept_all(int listener) {
    for (;;) {
        int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            accept_one(fd);
        } else if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) {
            continue;
        } else if ((errno == EMFILE || errno == ENFILE) && spare_fd >= 0) {
            shed_one(listener);
        } else {
            return; /* EAGAIN: backlog drained */
        }
    }
}

/* Sends buf[off, len). Returns 1 when all is sent, 0 if the socket is full (the rest is
 * pending), -1 on error. */
static int send_rest(struct conn* c, size_t off, size_t len) {
    while (off < len) {
        ssize_t n = send(c->fd, c->buf + off, len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->pending_off = off;
            c->pending_len = len;
            return 0;
        } else {
            return -1;
        }
    }
    c->pending_off = c->pending_len = 0;
    return 1;
}

static void on_readable(struct conn* c) {
    ssize_t n;
    do {
        n = recv(c->fd, c->buf, sizeof c->buf, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return;
    }
    if (n <= 0) {
        close_conn(c); /* EOF or error */
        return;
    }
    int r = send_rest(c, 0, (size_t)n);
    if (r < 0) {
        close_conn(c);
    } else if (r == 0) {
        set_interest(c, EPOLLOUT);
    }
}

static void on_writable(struct conn* c) {
    int r = send_rest(c, c->pending_off, c->pending_len);
    if (r < 0) {
        close_conn(c);
    } else if (r == 1) {
        set_interest(c, EPOLLIN);
    }
}

static void on_event(struct conn* c, unsigned events) {
    if (c->pending_len != 0) {
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
            on_writable(c);
        }
    } else if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        on_readable(c);
    }
}

int main(int argc, char** argv) {
    const char* address = argc > 1 ? argv[1] : "127.0.0.1:7001";
    if (argc > 2 || strcmp(address, "-h") == 0 || strcmp(address, "--help") == 0) {
        printf("usage: %s [ADDRESS]   (numeric host:port, default 127.0.0.1:7001)\n", argv[0]);
        return argc > 2 ? 2 : 0;
    }
    signal(SIGPIPE, SIG_IGN);
    int listener = listen_on(address);
    spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        die("epoll_create1");
    }
    /* data.ptr == NULL marks the listener. */
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &lev) != 0) {
        die("epoll_ctl(ADD listener)");
    }
    printf("epoll_echo: listening on %s\n", address);
    fflush(stdout);
    struct epoll_event events[max_events];
    for (;;) {
        int n = epoll_wait(epfd, events, max_events, -1);
        if (n < 0 && errno != EINTR) {
            die("epoll_wait");
        }
        for (int i = 0; i < n; ++i) {
            if (events[i].data.ptr == NULL) {
                accept_all(listener);
            } else {
                on_event(events[i].data.ptr, events[i].events);
            }
        }
    }
}
