// examples/weft-get, run as a child process against an in-test HTTP server: files arrive
// byte-exact (one over 1 MiB, one chunked), a 404 is reported and makes the exit status
// non-zero, and progress lines are written.
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <catch2/catch.hpp>

#include "protocols/http_test_server.hpp"
#include "support/weft_test.hpp"

namespace fs = std::filesystem;
using weft::test::HttpTestServer;
using weft::test::ok_response;
using weft::test::ServerConn;

namespace {

struct TempDir {
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "weft-get-test.XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    fs::path path;
};

std::string read_file(const fs::path& p) {
    std::ifstream in{p, std::ios::binary};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Runs weft-get with `args`, stderr to `log`; returns its exit status. The wait runs on the
// offload pool, so the server's fibers go on serving meanwhile.
int run_weft_get(std::vector<std::string> args, const fs::path& log) {
    const std::string backend{weft::to_string(
        weft::test::runtime_options().backend.value_or(weft::BackendKind::automatic))};
    args.insert(args.begin(), {WEFT_GET_PATH, "--threads", "1", "--backend", backend});
    const pid_t pid = weft::test::spawn_child(std::move(args), -1, log.string());
    REQUIRE(pid > 0);
    const int status = weft::offload([&] { return weft::test::reap_child(pid); });
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
}

HttpTestServer::Handler files(const std::string& big) {
    return [big](ServerConn& c) {
        while (auto req = c.read_request()) {
            if (req->target == "/files/big.bin") {
                c.write(ok_response(big));
            } else if (req->target == "/") {
                c.write(ok_response("index page\n"));
            } else if (req->target == "/small.txt") {
                c.write(ok_response("small file\n"));
            } else if (req->target == "/chunked.txt") {
                c.write(
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "6\r\nchunk \r\n5\r\nfile\n\r\n0\r\n\r\n");
            } else if (req->target == "/moved") {
                c.write("HTTP/1.1 301 Moved\r\nLocation: /small.txt\r\nContent-Length: 0\r\n\r\n");
            } else {
                c.write("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
            }
        }
    };
}

}  // namespace

TEST_CASE("weft_get: downloads byte-exact, reports a 404, exits non-zero", "[examples][weft-get]") {
    const std::string big = weft::test::pattern((1 << 20) + 12345, 3);
    TempDir dir;
    weft::Runtime rt{weft::test::runtime_options(1)};
    rt.run([&] {
        HttpTestServer server{files(big)};
        const int status =
            run_weft_get({"-j", "2", "-o", (dir.path / "out").string(),
                          server.url("/files/big.bin"), server.url("/small.txt"),
                          server.url("/chunked.txt"), server.url("/missing"), server.url("/moved")},
                         dir.path / "log");
        CHECK(status == 1);
        const fs::path out = dir.path / "out";
        CHECK(read_file(out / "big.bin") == big);
        CHECK(read_file(out / "small.txt") == "small file\n");
        CHECK(read_file(out / "chunked.txt") == "chunk file\n");
        CHECK(read_file(out / "moved") == "small file\n");  // the redirect was followed
        CHECK(!fs::exists(out / "missing"));
        CHECK(!fs::exists(out / "missing.part"));
        const std::string log = read_file(dir.path / "log");
        INFO(log);
        CHECK(log.find("FAILED " + server.url("/missing") + ": HTTP 404 Not Found") !=
              std::string::npos);
        CHECK(log.find("done " + server.url("/files/big.bin")) != std::string::npos);
        CHECK(log.find("[4/5 files]") != std::string::npos);
        CHECK(log.find("1 failed") != std::string::npos);
    });
}

TEST_CASE("weft_get: URLs from a file, names de-duplicated, exit 0 when all succeed",
          "[examples][weft-get]") {
    TempDir dir;
    weft::Runtime rt{weft::test::runtime_options(1)};
    rt.run([&] {
        HttpTestServer server{files("")};
        {
            std::ofstream list{dir.path / "urls"};
            list << server.url("/small.txt") << "\n"
                 << server.url("/small.txt") << "\n"
                 << server.url("/") << "\n";
        }
        const int status = run_weft_get(
            {"-o", dir.path.string(), "-i", (dir.path / "urls").string()}, dir.path / "log");
        CHECK(status == 0);
        CHECK(read_file(dir.path / "small.txt") == "small file\n");
        CHECK(read_file(dir.path / "small.txt.1") == "small file\n");
        CHECK(read_file(dir.path / "index.html") == "index page\n");  // "/" gets a name
        CHECK(read_file(dir.path / "log").find("[3/3 files]") != std::string::npos);
    });
}
