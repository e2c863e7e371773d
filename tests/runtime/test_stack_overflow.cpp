// Stack overflow in a fiber: reported by name from the guard page (overflow_handler.cpp), other
// faults left to the handler that was there before. Every case runs in a forked child, which
// is forked before it creates anything (CTest runs one case per process: no other threads).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/weft_test.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_TEST_ASAN 1
#endif
#endif

namespace {

struct ChildResult {
    int status = 0;
    std::string err;  // the child's stderr
};

/// Runs `body` in a child process with stderr captured; the child exits 0 if body returns.
template <class F>
ChildResult in_child(F body) {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // Catch2's fatal-signal handler would report to the parent's listeners, whose
        // threads do not exist here: the child starts from the default dispositions.
        ::signal(SIGSEGV, SIG_DFL);
        ::signal(SIGBUS, SIG_DFL);
        ::dup2(p[1], STDERR_FILENO);
        body();
        ::_exit(0);
    }
    ::close(p[1]);
    ChildResult r;
    char buf[4096];
    for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) != 0;) {
        if (n < 0) {
            REQUIRE(errno == EINTR);
            continue;
        }
        r.err.append(buf, static_cast<std::size_t>(n));
    }
    ::close(p[0]);
    REQUIRE(::waitpid(pid, &r.status, 0) == pid);
    return r;
}

volatile unsigned long recursion_limit = ~0ul;  // never reached; keeps the compiler honest

[[gnu::noinline]] unsigned long recurse(unsigned long depth) {
    volatile char frame[256];  // under a page, so every frame lands on the guard page
    frame[0] = static_cast<char>(depth);
    if (depth >= recursion_limit) {
        return frame[0];
    }
    return recurse(depth + 1) + frame[0];  // not a tail call
}

bool died_of_fault(int status) {
    return WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS);
}

std::string quoted(const std::string& s) {
    return "child stderr: <<<" + s + ">>>";
}

}  // namespace

TEST_CASE("a fiber that overflows its stack is reported by name") {
    const unsigned threads = GENERATE(1u, 2u);
    ChildResult r = in_child([threads] {
        weft::RuntimeOptions o = weft::test::runtime_options(threads);
        o.stack_size = 64 * 1024;
        weft::Runtime rt{o};
        rt.run([] {
            // On worker 1 too, whose thread is not the one that called run().
            weft::FiberOptions fo{.name = "the-name", .pinned = true};
            fo.worker = weft::this_fiber::worker_count() - 1;
            weft::spawn([] { recurse(0); }, fo).join();
        });
    });
    INFO(quoted(r.err));
#if defined(WEFT_TEST_ASAN)
    // ASan's own SEGV handler may take the fault first (it reports "stack-overflow").
    if (r.err.find("stack overflow in fiber 'the-name'") == std::string::npos) {
        WARN("ASan build: the fault was reported by ASan, not by weft's overflow handler");
        CHECK_FALSE((WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0));
        return;
    }
#endif
    CHECK(died_of_fault(r.status));
    CHECK(r.err.find("weft: stack overflow in fiber 'the-name' (guard page 0x") !=
          std::string::npos);
    CHECK(r.err.find(", stack size 65472)") != std::string::npos);  // 64 KiB less the header
}

TEST_CASE("a fault outside any guard page goes to the previous handler") {
    ChildResult r = in_child([] {
        struct sigaction prev {};
        prev.sa_handler = +[](int) {
            static const char msg[] = "previous handler ran\n";
            [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
            ::_exit(42);
        };
        sigemptyset(&prev.sa_mask);
        ::sigaction(SIGSEGV, &prev, nullptr);
        weft::Runtime rt{weft::test::runtime_options()};
        rt.run([] {
            void* p = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            *static_cast<volatile int*>(p) = 1;
        });
    });
    INFO(quoted(r.err));
    CHECK(r.err.find("stack overflow") == std::string::npos);
    CHECK(WIFEXITED(r.status));
    CHECK(WEXITSTATUS(r.status) == 42);
}

TEST_CASE("a fault outside any guard page with no previous handler dies of the signal") {
    ChildResult r = in_child([] {
        weft::Runtime rt{weft::test::runtime_options()};
        rt.run([] {
            void* p = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            *static_cast<volatile int*>(p) = 1;
        });
    });
    INFO(quoted(r.err));
    CHECK(r.err.find("stack overflow") == std::string::npos);
#if defined(WEFT_TEST_ASAN)
    CHECK_FALSE((WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0));
#else
    CHECK(died_of_fault(r.status));
#endif
}

TEST_CASE("the last Runtime gone restores the previous SIGSEGV and SIGBUS handlers") {
    ChildResult r = in_child([] {
        struct sigaction before[2]{};
        ::sigaction(SIGSEGV, nullptr, &before[0]);
        ::sigaction(SIGBUS, nullptr, &before[1]);
        bool changed = false;
        {
            weft::Runtime a{weft::test::runtime_options()};
            { weft::Runtime b{weft::test::runtime_options()}; }
            struct sigaction during {};
            ::sigaction(SIGSEGV, nullptr, &during);
            changed = during.sa_sigaction != before[0].sa_sigaction;  // still installed for a
        }
        struct sigaction after[2]{};
        ::sigaction(SIGSEGV, nullptr, &after[0]);
        ::sigaction(SIGBUS, nullptr, &after[1]);
        const bool restored = after[0].sa_sigaction == before[0].sa_sigaction &&
                              after[1].sa_sigaction == before[1].sa_sigaction;
#if defined(WEFT_TEST_ASAN)
        changed = true;  // ASan may keep its own handler and ignore ours (allow_user_segv_handler)
#endif
        ::_exit(changed && restored ? 0 : 1);
    });
    INFO(quoted(r.err));
    CHECK(WIFEXITED(r.status));
    CHECK(WEXITSTATUS(r.status) == 0);
}
