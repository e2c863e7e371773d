// weft::http::Server against a client nobody here wrote: curl (Debian), run as a child
// process from the offload pool while the server runs in this Runtime.
#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <weft/http/router.hpp>
#include <weft/http/server.hpp>

#include "support/weft_test.hpp"

using namespace std::chrono_literals;
using weft::http::Request;
using weft::http::Response;

namespace {

bool have_curl() {
    return ::access("/usr/bin/curl", X_OK) == 0;
}

struct Run {
    int status = -1;
    std::string out;  // stdout and stderr together
};

// Runs a shell command on the offload pool (popen and pclose block their thread, never a
// worker), returning its exit status and output.
Run run(const std::string& command) {
    return weft::offload([&] {
        Run r;
        FILE* p = ::popen((command + " 2>&1").c_str(), "r");
        if (p == nullptr) {
            return r;
        }
        char buf[4096];
        while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) {
            r.out.append(buf, n);
        }
        r.status = ::pclose(p);
        return r;
    });
}

std::string temp_file(const std::string& content) {
    char name[] = "/tmp/weft-curl-XXXXXX";
    const int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    std::ofstream{name, std::ios::binary} << content;
    return name;
}

weft::http::Router routes() {
    weft::http::Router r;
    r.get("/hello", [](const Request&, Response& res) { res.set_body("Hello, World!"); });
    r.post("/echo", [](Request& req, Response& res) {
        for (auto piece = req.read_body_some(); !piece.empty(); piece = req.read_body_some()) {
            res.write(piece);
        }
    });
    return r;
}

// Serves routes() while `body` runs, then shuts the server down.
template <class F>
void with_server(F body) {
    weft::Runtime rt{weft::test::runtime_options(2)};
    rt.run([&] {
        auto server = weft::http::Server::bind("127.0.0.1:0", routes());
        auto serving = weft::spawn([&] { server.serve(); });
        body("http://" + server.local_endpoint().to_string());
        server.shutdown(weft::Deadline::after(5s));
        serving.join();
    });
}

}  // namespace

TEST_CASE("curl: keep-alive reuses one connection", "[http][server][curl]") {
    if (!have_curl()) {
        WARN("curl is not installed: skipped (scripts/setup.sh installs it)");
        return;
    }
    with_server([](const std::string& base) {
        Run r = run("curl -sS -w '|%{http_code}|%{num_connects}\\n' " + base + "/hello " + base +
                    "/hello");
        CHECK(r.status == 0);
        CHECK(r.out == "Hello, World!|200|1\nHello, World!|200|0\n");
        r = run("curl -sS -0 " + base + "/hello");  // HTTP/1.0
        CHECK(r.out == "Hello, World!");
    });
}

TEST_CASE("curl: chunked upload and 100-continue", "[http][server][curl]") {
    if (!have_curl()) {
        WARN("curl is not installed: skipped (scripts/setup.sh installs it)");
        return;
    }
    const std::string content = weft::test::pattern(300'000, 7);
    const std::string file = temp_file(content);
    with_server([&](const std::string& base) {
        Run r = run("curl -sS -H 'Transfer-Encoding: chunked' --data-binary @" + file + " " + base +
                    "/echo");
        CHECK(r.status == 0);
        CHECK(r.out == content);
        r = run("curl -sS -v -H 'Expect: 100-continue' --data-binary @" + file + " -o /dev/null " +
                base + "/echo");
        CHECK(r.status == 0);
        CHECK(r.out.find("< HTTP/1.1 100 Continue") != std::string::npos);
        CHECK(r.out.find("< HTTP/1.1 200 OK") != std::string::npos);
    });
    ::unlink(file.c_str());
}
