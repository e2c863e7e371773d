// Backend selection: RuntimeOptions::backend, WEFT_BACKEND, and the fallback of `auto` when
// io_uring cannot start. The failure is injected through the test seam
// WEFT_TEST_FAIL_IO_URING_SETUP (runtime/src/backend/select_backend.cpp), which fails
// io_uring's setup with the errno it names, as seccomp or kernel.io_uring_disabled would.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/weft_test.hpp"

namespace {

// Sets an environment variable for one scope (test processes run one case each).
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) {
            old_ = old;
        }
        ::setenv(name, value, 1);
    }
    ~ScopedEnv() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

// Captures what is written to fd 2 while it lives.
class StderrCapture {
public:
    StderrCapture() : file_(std::tmpfile()), saved_(::dup(2)) {
        std::fflush(stderr);
        ::dup2(::fileno(file_), 2);
    }
    ~StderrCapture() {
        restore();
        std::fclose(file_);
    }
    std::string take() {
        restore();
        std::string out;
        std::rewind(file_);
        std::array<char, 512> buf;
        while (std::size_t n = std::fread(buf.data(), 1, buf.size(), file_)) {
            out.append(buf.data(), n);
        }
        return without_sanitizer_lines(out);
    }

private:
    // A sanitizer runtime's own lines ("==<pid>==WARNING: ASan doesn't fully support
    // makecontext/swapcontext ...", written once per process at its first fiber switch in
    // the sanitizer builds) are not weft's log.
    static std::string without_sanitizer_lines(const std::string& text) {
        std::string kept;
        for (std::size_t at = 0; at < text.size();) {
            std::size_t end = text.find('\n', at);
            end = end == std::string::npos ? text.size() : end + 1;
            if (text.compare(at, 2, "==") != 0) {
                kept.append(text, at, end - at);
            }
            at = end;
        }
        return kept;
    }

    void restore() {
        if (saved_ >= 0) {
            std::fflush(stderr);
            ::dup2(saved_, 2);
            ::close(saved_);
            saved_ = -1;
        }
    }
    std::FILE* file_;
    int saved_;
};

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
        ++n;
    }
    return n;
}

weft::RuntimeOptions with_backend(weft::BackendKind kind) {
    weft::RuntimeOptions o = weft::test::runtime_options();
    o.backend = kind;
    return o;
}

// A round trip over loopback: the runtime's backend really works.
void echo_once(weft::Runtime& rt) {
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        client.write_all(weft::net::as_bytes("ping"));
        std::array<std::byte, 4> buf;
        server.read_exact(buf);
        CHECK(weft::net::as_string(buf) == "ping");
    });
}

}  // namespace

TEST_CASE("auto uses io_uring where it starts, and says nothing", "[runtime][backend]") {
    StderrCapture err;
    weft::Runtime rt{with_backend(weft::BackendKind::automatic)};
    echo_once(rt);
    CHECK(rt.backend() == weft::BackendKind::io_uring);
    CHECK(count(err.take(), "weft: using epoll") == 0);
}

TEST_CASE("auto falls back to epoll with one log line when io_uring setup is refused",
          "[runtime][backend]") {
    const char* err_name = GENERATE("EPERM", "ENOSYS");
    ScopedEnv fail{"WEFT_TEST_FAIL_IO_URING_SETUP", err_name};
    StderrCapture err;
    {
        weft::Runtime rt{with_backend(weft::BackendKind::automatic)};
        CHECK(rt.backend() == weft::BackendKind::epoll);
        echo_once(rt);
        echo_once(rt);  // the reason is given once per Runtime, not per run
    }
    const std::string log = err.take();
    INFO(log);
    CHECK(count(log, "weft: using epoll: ") == 1);
    CHECK(count(log, "\n") == 1);
    CHECK(count(log, std::string{"failed with "} + err_name) == 1);
}

TEST_CASE("explicit io_uring that cannot start throws backend_unavailable with the reason",
          "[runtime][backend]") {
    ScopedEnv fail{"WEFT_TEST_FAIL_IO_URING_SETUP", "EPERM"};
    try {
        weft::Runtime rt{with_backend(weft::BackendKind::io_uring)};
        FAIL("the runtime started without io_uring");
    } catch (const std::system_error& e) {
        CHECK(e.code() == weft::errc::backend_unavailable);
        CHECK_THAT(e.what(), Catch::Contains("io_uring") && Catch::Contains("EPERM"));
    }
    weft::Runtime epoll{with_backend(weft::BackendKind::epoll)};  // epoll does not care
    CHECK(epoll.backend() == weft::BackendKind::epoll);
}

TEST_CASE("WEFT_BACKEND picks the backend when the option leaves it open", "[runtime][backend]") {
    const char* name = GENERATE("epoll", "io_uring");
    ScopedEnv env{"WEFT_BACKEND", name};
    weft::RuntimeOptions o = weft::test::runtime_options();
    o.backend.reset();
    weft::Runtime rt{o};
    CHECK(rt.backend() == weft::parse_backend_kind(name));
    echo_once(rt);
}
