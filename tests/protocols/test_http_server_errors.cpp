// weft::http::Server against malformed, smuggling, slow and excess clients: each gets its
// status and a closed connection, with no second response and no handler call for what
// followed the bad request; and graceful shutdown.
#include <atomic>
#include <string>

#include <catch2/catch.hpp>

#include <weft/channel.hpp>
#include <weft/http/server.hpp>

#include "protocols/http_test_client.hpp"
#include "support/weft_test.hpp"

using namespace std::chrono_literals;
using namespace std::string_literals;  // "...\0..."s keeps an embedded NUL
using weft::http::Request;
using weft::http::Response;
using weft::http::Server;
using weft::test::RawClient;
using weft::test::TestServer;

namespace {

struct BadRequest {
    const char* what;
    std::string bytes;
    int status;
    int handler_calls;  // 1 where the error is in the body, which the handler reads
};

std::vector<BadRequest> bad_requests() {
    const std::string follow = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    return {
        {"CL and TE",
         "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: "
         "chunked\r\n\r\n0\r\n\r\n" +
             follow,
         400, 0},
        {"TE and CL",
         "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: "
         "4\r\n\r\n0\r\n\r\n" +
             follow,
         400, 0},
        {"duplicate CL",
         "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 41\r\n\r\n" + follow,
         400, 0},
        {"CL list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0, 41\r\n\r\n" + follow, 400, 0},
        {"CL sign", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello" + follow, 400,
         0},
        {"CL overflow",
         "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400, 0},
        {"TE gzip alone", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" + follow,
         400, 0},
        {"TE gzip, chunked",
         "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + follow,
         501, 0},
        {"TE chunked not last",
         "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" +
             follow,
         400, 0},
        {"TE chunked twice",
         "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
         "chunked\r\n\r\n0\r\n\r\n" +
             follow,
         400, 0},
        {"TE in HTTP/1.0",
         "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + follow, 400, 0},
        {"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n" + follow, 400, 0},
        {"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n" + follow, 400, 0},
        {"bare CR", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n" + follow, 400, 0},
        {"bare LF", "GET / HTTP/1.1\nHost: x\n\n" + follow, 400, 0},
        {"bad header name", "GET / HTTP/1.1\r\nHost: x\r\nX(A): 1\r\n\r\n" + follow, 400, 0},
        {"NUL in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n"s + follow, 400, 0},
        {"no Host", "GET / HTTP/1.1\r\n\r\n" + follow, 400, 0},
        {"two Hosts", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n" + follow, 400, 0},
        {"bad version", "GET / HTTP/1.x\r\nHost: x\r\n\r\n" + follow, 400, 0},
        {"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n" + follow, 505, 0},
        {"bad target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n" + follow, 400, 0},
        {"long target", "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, 0},
        {"large head",
         "GET / HTTP/1.1\r\nHost: x\r\nX-A: " + std::string(33 * 1024, 'a') + "\r\n\r\n", 431, 0},
        {"too many headers",
         [] {
             std::string r = "GET / HTTP/1.1\r\nHost: x\r\n";
             for (int i = 0; i < 101; ++i) {
                 r += "X-" + std::to_string(i) + ": 1\r\n";
             }
             return r + "\r\n";
         }(),
         431, 0},
        {"CL above the limit", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413,
         0},
        {"bad chunk size",
         "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n" + follow, 400,
         1},
        {"chunk without CRLF",
         "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n" +
             follow,
         400, 1},
        {"chunks above the limit",
         "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n" +
             std::string(0x200000, 'a') + "\r\n0\r\n\r\n",
         413, 1},
    };
}

}  // namespace

TEST_CASE(
    "http server: malformed and smuggling requests get their status, then the "
    "connection closes with nothing more",
    "[http][server][errors]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        std::atomic<int> calls{0};
        std::atomic<int> smuggled{0};
        TestServer s{[&](Request& req, Response& res) {
            ++calls;
            smuggled += req.path() == "/smuggled";
            res.set_body(req.read_body_all());
        }};
        for (const BadRequest& bad : bad_requests()) {
            INFO(bad.what);
            calls = 0;
            RawClient c{s.at()};
            c.send(bad.bytes);
            auto r = c.read_reply();
            REQUIRE(r);
            CHECK(r->status == bad.status);
            CHECK(r->headers.get("Connection") == "close");
            CHECK(c.closed_by_server());  // no second response
            CHECK(calls == bad.handler_calls);
        }
        CHECK(smuggled == 0);
    });
}

TEST_CASE("http server: the error response survives unread input (lingering close)",
          "[http][server][errors]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TestServer s{[](Request&, Response&) {
        }};
        RawClient c{s.at()};
        // Rejected at the head; 2 MiB follow that the server never parses. Without the
        // lingering read, closing with them unread would reset the connection and could
        // destroy the 400 before the client reads it.
        auto writer = weft::spawn([&] {
            std::error_code ec;
            c.stream().write_all(
                weft::net::as_bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                                    "Content-Length: 2\r\n\r\n" +
                                    std::string(2 << 20, 'z')),
                ec);
        });
        auto r = c.read_reply();
        REQUIRE(r);
        CHECK(r->status == 400);
        writer.join();
    });
}

TEST_CASE("http server: header timeout is absolute: a client dripping bytes gets 408",
          "[http][server][timeouts]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::http::ServerOptions o;
        o.header_timeout = 300ms;
        std::atomic<int> calls{0};
        TestServer s{[&](Request&, Response&) { ++calls; }, o};
        RawClient c{s.at()};
        c.send("GET / HTTP/1.1\r\n");
        std::atomic<bool> answered{false};
        // One header line every 50 ms: each gap is far below the timeout, so only an
        // absolute deadline can end this. Bounded: 400 lines at most.
        auto drip = weft::spawn([&] {
            for (int i = 0; i < 400 && !answered; ++i) {
                weft::this_fiber::sleep_for(50ms);  // intended: the slowloris pace
                std::error_code ec;
                c.stream().write_all(weft::net::as_bytes("X-Drip: 1\r\n"), ec);
                if (ec) {
                    return;
                }
            }
        });
        auto r = c.read_reply();
        answered = true;
        REQUIRE(r);
        CHECK(r->status == 408);
        CHECK(c.closed_by_server());
        drip.join();
        CHECK(calls == 0);
    });
}

TEST_CASE("http server: body idle timeout", "[http][server][timeouts]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::http::ServerOptions o;
        o.body_idle_timeout = 100ms;
        TestServer s{[](Request& req, Response& res) { res.set_body(req.read_body_all()); }, o};
        RawClient c{s.at()};
        c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");  // 7 never come
        auto r = c.read_reply();
        REQUIRE(r);
        CHECK(r->status == 408);
        CHECK(c.closed_by_server());
    });
}

TEST_CASE("http server: keep-alive timeout closes an idle connection", "[http][server][timeouts]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::http::ServerOptions o;
        o.keep_alive_timeout = 100ms;
        TestServer s{[](Request&, Response& res) { res.set_body("x"); }, o};
        RawClient c{s.at()};
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        REQUIRE(c.read_reply());
        CHECK(c.closed_by_server());  // after 100 ms with no request
        CHECK(s.server().connections() <= 1);
    });
}

TEST_CASE("http server: a keep-alive timeout of zero closes after each response",
          "[http][server][timeouts]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::http::ServerOptions o;
        o.keep_alive_timeout = std::chrono::milliseconds::zero();
        TestServer s{[](Request&, Response& res) { res.set_body("x"); }, o};
        RawClient c{s.at()};
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        REQUIRE(c.read_reply());
        CHECK(c.closed_by_server());
    });
}

TEST_CASE("http server: write idle timeout ends a response the client does not read",
          "[http][server][timeouts]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::http::ServerOptions o;
        o.write_idle_timeout = 100ms;
        weft::Channel<std::error_code> result{1};
        TestServer s{[&](Request&, Response& res) {
                         const std::string piece(64 * 1024, 'x');
                         try {
                             for (int i = 0; i < 4096; ++i) {  // 256 MiB at most
                                 res.write(piece);
                             }
                             result.push(std::error_code{});
                         } catch (const std::system_error& e) {
                             result.push(e.code());
                             throw;
                         }
                     },
                     o};
        RawClient c{s.at()};
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");  // and never read
        CHECK(result.pop(weft::Deadline::after(30s)) == weft::errc::timed_out);
    });
}

TEST_CASE("http server: over max_connections, a connection gets 503", "[http][server][overload]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::http::ServerOptions o;
        o.max_connections = 1;
        TestServer s{[](Request&, Response& res) { res.set_body("x"); }, o};
        RawClient first{s.at()};
        first.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        REQUIRE(first.read_reply());  // served, and now kept alive: it holds the one slot
        RawClient second{s.at()};
        auto r = second.read_reply();
        REQUIRE(r);
        CHECK(r->status == 503);
        CHECK(second.closed_by_server());
        first.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        r = first.read_reply();
        REQUIRE(r);
        CHECK(r->status == 200);
    });
}

TEST_CASE(
    "http server: graceful shutdown closes idle connections and finishes requests in "
    "flight",
    "[http][server][shutdown]") {
    weft::Runtime rt{weft::test::runtime_options(2)};
    rt.run([] {
        weft::Channel<int> entered{1};
        weft::Channel<int> gate{1};
        TestServer s{[&](Request& req, Response& res) {
            if (req.path() == "/slow") {
                entered.push(1);
                gate.pop();
            }
            res.set_body("done");
        }};
        RawClient idle{s.at()};
        idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        REQUIRE(idle.read_reply());
        RawClient busy{s.at()};
        busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        entered.pop();

        s.server().shutdown();
        CHECK(idle.closed_by_server());
        gate.push(1);
        auto r = busy.read_reply();
        REQUIRE(r);
        CHECK(r->body == "done");
        CHECK(r->headers.get("Connection") == "close");
        CHECK(busy.closed_by_server());
        s.serving().join();  // serve() returns once every connection has ended
        CHECK(s.server().connections() == 0);
    });
}

TEST_CASE("http server: at the grace deadline, shutdown closes what is still open",
          "[http][server][shutdown]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Channel<std::error_code> result{1};
        weft::Channel<int> entered{1};
        TestServer s{[&](Request& req, Response&) {
            entered.push(1);
            std::error_code ec;
            while (!req.read_body_some(ec).empty()) {
            }
            result.push(ec);
        }};
        RawClient c{s.at()};
        c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");  // stalls
        entered.pop();
        s.server().shutdown(weft::Deadline::after(50ms));
        s.serving().join();
        CHECK(result.pop() == weft::errc::closed);
        CHECK(s.server().connections() == 0);
    });
}
