// weft::http::Client against a real server: Debian's nginx, started by each test case on
// loopback with its own config and temp prefix, and killed at the end. Skipped (with a
// WARN) where /usr/sbin/nginx is missing; scripts/setup.sh installs it.
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <signal.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/http/client.hpp>

#include "support/weft_test.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using weft::http::Client;

namespace {

constexpr const char* nginx_path = "/usr/sbin/nginx";

const std::string& big_file() {
    static const std::string content = weft::test::pattern(4 << 20, 11);
    return content;
}

std::string config(const fs::path& prefix, std::uint16_t port) {
    const std::string p = prefix.string();
    return "worker_processes 1;\n"
           "error_log " +
           p +
           "/error.log;\n"
           "pid " +
           p +
           "/nginx.pid;\n"
           "events { worker_connections 64; }\n"
           "http {\n"
           "  access_log off;\n"
           "  client_body_temp_path " +
           p +
           "/tmp/body;\n"
           "  proxy_temp_path " +
           p +
           "/tmp/proxy;\n"
           "  fastcgi_temp_path " +
           p +
           "/tmp/fastcgi;\n"
           "  uwsgi_temp_path " +
           p +
           "/tmp/uwsgi;\n"
           "  scgi_temp_path " +
           p +
           "/tmp/scgi;\n"
           "  keepalive_requests 1000;\n"
           "  server {\n"
           "    listen 127.0.0.1:" +
           std::to_string(port) +
           ";\n"
           "    root " +
           p +
           "/www;\n"
           "    location = /conn { return 200 \"$connection $connection_requests\"; }\n"
           "    location = /redirect { return 302 /big.bin; }\n"
           "    location /ssi/ { ssi on; }\n"  // SSI output has no known length: chunked
           "  }\n"
           "}\n";
}

// nginx in a child process with its own prefix; stopped and cleaned up by the destructor.
class Nginx {
public:
    Nginx() {
        std::string tmpl = (fs::temp_directory_path() / "weft-nginx.XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        prefix_ = tmpl;
        port_ = free_port();
        write_files();
        start();
    }
    ~Nginx() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            weft::test::reap_child(pid_);
        }
        std::error_code ec;
        fs::remove_all(prefix_, ec);
    }
    std::string url(std::string_view path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + std::string{path};
    }

private:
    static std::uint16_t free_port() {
        auto l = weft::test::listen_loopback();
        return l.local_endpoint().port();  // closed on return: nginx binds it next
    }
    void write_files() {
        fs::create_directories(prefix_ / "www" / "ssi");
        fs::create_directories(prefix_ / "tmp");
        std::ofstream{prefix_ / "nginx.conf"} << config(prefix_, port_);
        std::ofstream{prefix_ / "www" / "big.bin", std::ios::binary} << big_file();
        std::ofstream{prefix_ / "www" / "ssi" / "part.txt"} << "included";
        std::ofstream{prefix_ / "www" / "ssi" / "page.html"}
            << "before <!--# include virtual=\"/ssi/part.txt\" --> after";
        // nginx's worker runs as another user when the test runs as root: let it read.
        fs::permissions(prefix_, fs::perms::owner_all | fs::perms::group_exec |
                                     fs::perms::others_exec | fs::perms::group_read |
                                     fs::perms::others_read);
    }
    void start() {
        const std::string p = prefix_.string();
        pid_ = weft::test::spawn_child({nginx_path, "-p", p, "-c", p + "/nginx.conf", "-e",
                                        p + "/error.log", "-g", "daemon off;"},
                                       -1, p + "/stderr.log");
        REQUIRE(pid_ > 0);
    }

    fs::path prefix_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

// Polls until nginx accepts connections (bounded: 500 tries, 10 ms apart).
void wait_until_accepting(const Nginx& nginx) {
    const auto at = weft::net::Endpoint::parse(nginx.url("").substr(7));
    for (int i = 0; i < 500; ++i) {
        std::error_code ec;
        auto s = weft::net::TcpStream::connect(at, weft::Deadline::after(1s), ec);
        if (!ec) {
            return;
        }
        weft::this_fiber::sleep_for(10ms);  // intended: the poll interval while nginx starts
    }
    FAIL("nginx did not accept connections within 5 s");
}

bool have_nginx() {
    if (::access(nginx_path, X_OK) == 0) {
        return true;
    }
    WARN("skipped: /usr/sbin/nginx is not installed (scripts/setup.sh installs it)");
    return false;
}

template <class F>
void with_nginx(F fn) {
    if (!have_nginx()) {
        return;
    }
    weft::Runtime rt{weft::test::runtime_options(2)};
    rt.run([&] {
        Nginx nginx;  // in a fiber: it picks its port with a weft listener
        wait_until_accepting(nginx);
        fn(nginx);
    });
}

}  // namespace

TEST_CASE("client against nginx: a static file of a few MB arrives byte-exact",
          "[http][client][nginx]") {
    with_nginx([](const Nginx& nginx) {
        Client client;
        const auto r = client.get(nginx.url("/big.bin"));
        CHECK(r.status == 200);
        CHECK(r.body.size() == big_file().size());
        CHECK(r.body == big_file());

        auto s = client.stream({.url = nginx.url("/big.bin")});
        CHECK(s.content_length() == static_cast<std::int64_t>(big_file().size()));
        std::string streamed;
        for (auto chunk = s.read_chunk(); !chunk.empty(); chunk = s.read_chunk()) {
            streamed.append(weft::net::as_string(chunk));
        }
        CHECK(streamed == big_file());

        const auto head = client.request({.method = "HEAD", .url = nginx.url("/big.bin")});
        CHECK(head.headers.get("Content-Length") == std::to_string(big_file().size()));
        CHECK(head.body.empty());
        CHECK(client.get(nginx.url("/missing")).status == 404);
    });
}

TEST_CASE("client against nginx: keep-alive connections are reused, within the pool bound",
          "[http][client][nginx]") {
    with_nginx([](const Nginx& nginx) {
        Client client;
        // "$connection $connection_requests": the same connection, one more request each time
        CHECK(client.get(nginx.url("/conn")).body.ends_with(" 1"));
        const std::string first = client.get(nginx.url("/conn")).body;
        CHECK(first.ends_with(" 2"));
        const std::string conn = first.substr(0, first.find(' '));
        CHECK(client.get(nginx.url("/conn")).body == conn + " 3");

        Client bounded{{.max_connections_per_host = 2}};
        std::set<std::string> seen;
        weft::Mutex m;
        std::vector<weft::JoinHandle> fibers;
        for (int i = 0; i < 12; ++i) {
            fibers.push_back(weft::spawn([&] {
                const std::string body = bounded.get(nginx.url("/conn")).body;
                std::lock_guard lk{m};
                seen.insert(body.substr(0, body.find(' ')));
            }));
        }
        for (auto& f : fibers) {
            f.join();
        }
        CHECK(!seen.empty());
        CHECK(seen.size() <= 2);
    });
}

TEST_CASE("client against nginx: redirects off by default, followed when on",
          "[http][client][nginx]") {
    with_nginx([](const Nginx& nginx) {
        Client plain;
        const auto r = plain.get(nginx.url("/redirect"));
        CHECK(r.status == 302);
        CHECK(r.headers.get("Location").ends_with("/big.bin"));
        Client follow{{.follow_redirects = true}};
        const auto f = follow.get(nginx.url("/redirect"));
        CHECK(f.status == 200);
        CHECK(f.redirects == 1);
        CHECK(f.body == big_file());
    });
}

TEST_CASE("client against nginx: a chunked response (SSI) is decoded", "[http][client][nginx]") {
    with_nginx([](const Nginx& nginx) {
        Client client;
        auto s = client.stream({.url = nginx.url("/ssi/page.html")});
        CHECK(s.status() == 200);
        CHECK(s.body_kind() == weft::http::BodyKind::chunked);
        std::string body;
        for (auto chunk = s.read_chunk(); !chunk.empty(); chunk = s.read_chunk()) {
            body.append(weft::net::as_string(chunk));
        }
        CHECK(body == "before included after");
        CHECK(client.get(nginx.url("/conn")).body.ends_with(" 2"));  // reused after chunked
    });
}
