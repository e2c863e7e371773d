/* uring_echo [ADDRESS] [--buf-ring]  (default 127.0.0.1:7001)
 *
 * The completion-side "hand-written limit" that weft's io_uring backend is compared with: one
 * thread, one io_uring, TCP_NODELAY, and nothing else. The counterpart of epoll_echo.c.
 *
 * The ring: SINGLE_ISSUER | DEFER_TASKRUN where the kernel has them (6.1: completions are
 * produced only when this thread waits for them), else COOP_TASKRUN | TASKRUN_FLAG (5.19),
 * else neither. The loop is one io_uring_submit_and_wait(1) per round: it submits every SQE
 * queued while the previous round's CQEs were handled, and waits for at least one more.
 *
 * The listener has one multishot accept (5.19; re-armed when a CQE comes without
 * IORING_CQE_F_MORE). A kernel that refuses the flag gets single-shot accepts, re-armed
 * after each connection.
 *
 * Per connection one op is in flight at a time, so bytes cannot be reordered:
 *   recv   -> n > 0 bytes: send them back; 0 or an error: close.
 *   send   -> all sent: recv again; short: send the rest; an error: close.
 * Buffers, two ways:
 *   default     one 16 KiB buffer per connection, allocated at accept and freed at close
 *               (never per op), as in epoll_echo.
 *   --buf-ring  a provided-buffer ring (IORING_REGISTER_PBUF_RING, 5.19) of buf_count
 *               buffers of 16 KiB shared by all connections: recv picks one
 *               (IOSQE_BUFFER_SELECT), the send that echoes it gives it back. A recv that finds
 *               the ring empty (-ENOBUFS) waits in a list until a buffer comes back.
 * user_data: the connection's address, with the op in the low bits (LISTENER for the accept).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <liburing.h>

enum {
    buffer_size = 16384,
    sq_entries = 1024,
    cq_entries = 16384,
    buf_count = 4096, /* provided buffers (a power of two), 64 MiB of address space */
    buf_group = 1,
};
enum op { OP_RECV = 1, OP_SEND = 2, OP_MASK = 3 };
#define LISTENER ((uint64_t)0)

struct conn {
    int fd;
    int buf_id;                /* --buf-ring: the provided buffer being echoed, else -1 */
    size_t sent;               /* bytes of the current echo already sent */
    size_t len;                /* bytes of the current echo */
    struct conn* next_starved; /* --buf-ring: waiting for a buffer */
    unsigned char buf[];       /* buffer_size bytes, unless --buf-ring */
};

static struct io_uring ring;
static int listener = -1;
static int multishot = 1;    /* cleared if the kernel refuses IORING_ACCEPT_MULTISHOT */
static int use_buf_ring = 0; /* --buf-ring */
static struct io_uring_buf_ring* br;
static unsigned char* buf_base;
static struct conn* starved_head; /* --buf-ring: connections whose recv found no buffer */
static struct conn** starved_tail = &starved_head;

static void die(const char* what, int err) {
    fprintf(stderr, "uring_echo: %s: %s\n", what, strerror(err));
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
        fprintf(stderr, "uring_echo: not a numeric host:port: %s\n", address);
        exit(2);
    }
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        die("socket", errno);
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr*)&addr, len) != 0) {
        die("bind", errno);
    }
    if (listen(fd, 4096) != 0) {
        die("listen", errno);
    }
    return fd;
}

/* An SQE; a full SQ is submitted first (never fails for long: the CQ is 16x the SQ). */
static struct io_uring_sqe* get_sqe(void) {
    struct io_uring_sqe* sqe;
    while ((sqe = io_uring_get_sqe(&ring)) == NULL) {
        int r = io_uring_submit(&ring);
        if (r < 0 && r != -EBUSY && r != -EAGAIN && r != -EINTR) {
            die("io_uring_submit", -r);
        }
    }
    return sqe;
}

static void arm_accept(void) {
    struct io_uring_sqe* sqe = get_sqe();
    if (multishot) {
        io_uring_prep_multishot_accept(sqe, listener, NULL, NULL, SOCK_CLOEXEC);
    } else {
        io_uring_prep_accept(sqe, listener, NULL, NULL, SOCK_CLOEXEC);
    }
    io_uring_sqe_set_data64(sqe, LISTENER);
}

static void submit_recv(struct conn* c) {
    struct io_uring_sqe* sqe = get_sqe();
    if (use_buf_ring) {
        io_uring_prep_recv(sqe, c->fd, NULL, buffer_size, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = buf_group;
    } else {
        io_uring_prep_recv(sqe, c->fd, c->buf, buffer_size, 0);
    }
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)c | OP_RECV);
}

static unsigned char* echo_bytes(struct conn* c) {
    return use_buf_ring ? buf_base + (size_t)c->buf_id * buffer_size : c->buf;
}

static void submit_send(struct conn* c) {
    struct io_uring_sqe* sqe = get_sqe();
    io_uring_prep_send(sqe, c->fd, echo_bytes(c) + c->sent, c->len - c->sent, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)c | OP_SEND);
}

/* --buf-ring: hands buffer `id` back to the kernel, then lets one starved recv retry. */
static void give_back(int id) {
    io_uring_buf_ring_add(br, buf_base + (size_t)id * buffer_size, buffer_size, (unsigned short)id,
                          io_uring_buf_ring_mask(buf_count), 0);
    io_uring_buf_ring_advance(br, 1);
    struct conn* c = starved_head;
    if (c != NULL) {
        starved_head = c->next_starved;
        if (starved_head == NULL) {
            starved_tail = &starved_head;
        }
        submit_recv(c);
    }
}

static void close_conn(struct conn* c) {
    if (c->buf_id >= 0) {
        give_back(c->buf_id);
    }
    close(c->fd); /* no op of it is in flight: each conn has one at a time */
    free(c);
}

static void on_accept(int res, unsigned flags) {
    if (!(flags & IORING_CQE_F_MORE)) {
        if (res == -EINVAL && multishot) {
            multishot = 0; /* a kernel before 5.19: single-shot accepts from now on */
            fprintf(stderr, "uring_echo: no multishot accept; single-shot accepts\n");
        }
        arm_accept();
    }
    if (res < 0) {
        return; /* EMFILE, ECONNABORTED, ...: the next connection may fare better */
    }
    int one = 1;
    setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct conn* c = malloc(sizeof *c + (use_buf_ring ? 0 : buffer_size));
    if (c == NULL) {
        close(res);
        return;
    }
    c->fd = res;
    c->buf_id = -1;
    c->sent = c->len = 0;
    c->next_starved = NULL;
    submit_recv(c);
}

static void on_recv(struct conn* c, int res, unsigned flags) {
    if (res == -ENOBUFS && use_buf_ring) {
        *starved_tail = c; /* retried when a buffer comes back */
        starved_tail = &c->next_starved;
        c->next_starved = NULL;
        return;
    }
    if (use_buf_ring && (flags & IORING_CQE_F_BUFFER)) {
        c->buf_id = (int)(flags >> IORING_CQE_BUFFER_SHIFT);
    }
    if (res <= 0) {
        close_conn(c); /* EOF or error */
        return;
    }
    c->sent = 0;
    c->len = (size_t)res;
    submit_send(c);
}

static void on_send(struct conn* c, int res) {
    if (res < 0) {
        close_conn(c);
        return;
    }
    c->sent += (size_t)res;
    if (c->sent < c->len) {
        submit_send(c); /* short send: the rest */
        return;
    }
    if (c->buf_id >= 0) {
        int id = c->buf_id;
        c->buf_id = -1;
        give_back(id);
    }
    submit_recv(c);
}

static void setup_ring(void) {
    static const unsigned flag_sets[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
        0,
    };
    int r = -EINVAL;
    for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0] && r == -EINVAL; ++i) {
        struct io_uring_params p;
        memset(&p, 0, sizeof p);
        p.flags = IORING_SETUP_CQSIZE | flag_sets[i];
        p.cq_entries = cq_entries;
        r = io_uring_queue_init_params(sq_entries, &ring, &p);
    }
    if (r < 0) {
        die("io_uring_queue_init_params", -r);
    }
}

static void setup_buf_ring(void) {
    size_t ring_bytes = buf_count * sizeof(struct io_uring_buf);
    void* mem = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    buf_base = mmap(NULL, (size_t)buf_count * buffer_size, PROT_READ | PROT_WRITE,
                    MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (mem == MAP_FAILED || buf_base == MAP_FAILED) {
        die("mmap", errno);
    }
    br = mem;
    io_uring_buf_ring_init(br);
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (uint64_t)(uintptr_t)br;
    reg.ring_entries = buf_count;
    reg.bgid = buf_group;
    int r = io_uring_register_buf_ring(&ring, &reg, 0);
    if (r < 0) {
        die("io_uring_register_buf_ring (Linux 5.19)", -r);
    }
    for (int i = 0; i < buf_count; ++i) {
        io_uring_buf_ring_add(br, buf_base + (size_t)i * buffer_size, buffer_size,
                              (unsigned short)i, io_uring_buf_ring_mask(buf_count), i);
    }
    io_uring_buf_ring_advance(br, buf_count);
}

static void dispatch(uint64_t data, int res, unsigned flags) {
    if (data == LISTENER) {
        on_accept(res, flags);
        return;
    }
    struct conn* c = (struct conn*)(uintptr_t)(data & ~(uint64_t)OP_MASK);
    if ((data & OP_MASK) == OP_RECV) {
        on_recv(c, res, flags);
    } else {
        on_send(c, res);
    }
}

int main(int argc, char** argv) {
    const char* address = "127.0.0.1:7001";
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--buf-ring") == 0) {
            use_buf_ring = 1;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf(
                "usage: %s [ADDRESS] [--buf-ring]   (numeric host:port, default "
                "127.0.0.1:7001)\n",
                argv[0]);
            return 0;
        } else if (argv[i][0] != '-' && i == 1) {
            address = argv[i];
        } else {
            fprintf(stderr, "uring_echo: unknown argument %s (see --help)\n", argv[i]);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    listener = listen_on(address);
    setup_ring();
    if (use_buf_ring) {
        setup_buf_ring();
    }
    arm_accept();
    printf("uring_echo: listening on %s%s\n", address, use_buf_ring ? " (provided buffers)" : "");
    fflush(stdout);
    for (;;) {
        int r = io_uring_submit_and_wait(&ring, 1);
        if (r < 0 && r != -EINTR && r != -EBUSY && r != -EAGAIN) {
            die("io_uring_submit_and_wait", -r);
        }
        struct io_uring_cqe* cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            dispatch(cqe->user_data, cqe->res, cqe->flags);
            ++seen;
        }
        io_uring_cq_advance(&ring, seen);
    }
}
