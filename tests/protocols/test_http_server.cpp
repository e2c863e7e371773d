// weft::http::Server over loopback, checked on the wire with a raw client: framing,
// keep-alive, pipelining, 100-continue, the router, errors and shutdown.
#include <atomic>
#include <string>

#include <catch2/catch.hpp>

#include <weft/http/router.hpp>
#include <weft/http/server.hpp>

#include "protocols/http_test_client.hpp"
#include "support/weft_test.hpp"

using namespace std::chrono_literals;
using weft::http::Request;
using weft::http::Response;
using weft::http::Server;
using weft::test::RawClient;
using weft::test::TestServer;

namespace {

void hello(const Request&, Response& res) {
    res.set_body("Hello, World!", "text/plain");
}

}  // namespace

TEST_CASE("http server: GET answers with Content-Length and Date, and keeps the connection",
          "[http][server]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TestServer s{hello};
        RawClient c{s.at()};
        for (int i = 0; i < 3; ++i) {
            c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            auto r = c.read_reply();
            REQUIRE(r);
            CHECK(r->status == 200);
            CHECK(r->body == "Hello, World!");
            CHECK(r->headers.get("Content-Length") == "13");
            CHECK(r->headers.get("Date").ends_with(" GMT"));
            CHECK(r->headers.get("Content-Type") == "text/plain");
            CHECK(r->keep_alive);
        }
    });
}

TEST_CASE("http server: pipelined requests are answered in order", "[http][server]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TestServer s{[](Request& req, Response& res) {
            res.set_body(req.target());
        }};
        RawClient c{s.at()};
        c.send(
            "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
            "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        for (std::string_view want : {"/a", "/b", "/c"}) {
            auto r = c.read_reply();
            REQUIRE(r);
            CHECK(r->body == want);
        }
        CHECK(c.closed_by_server());
    });
}

TEST_CASE("http server: HEAD gets the head only, with the body's Content-Length",
          "[http][server]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TestServer s{hello};
        RawClient c{s.at()};
        c.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        auto head = c.read_reply("HEAD");
        REQUIRE(head);
        CHECK(head->headers.get("Content-Length") == "13");
        CHECK(head->body.empty());
        auto get = c.read_reply();  // the next reply starts right after the head
        REQUIRE(get);
        CHECK(get->body == "Hello, World!");
    });
}

TEST_CASE("http server: request bodies, Content-Length and chunked with trailers",
          "[http][server]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TestServer s{[](Request& req, Response& res) {
            std::string body = req.read_body_all();
            res.set_body(std::to_string(body.size()) + ":" + body + ":" +
                         std::string(req.trailers().get("X-Sum")));
        }};
        RawClient c{s.at()};
        c.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        auto r = c.read_reply();
        REQUIRE(r);
        CHECK(r->body == "5:hello:");
        c.send(
            "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            "3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nX-Sum: 7\r\n\r\n");
        r = c.read_reply();
        REQUIRE(r);
        CHECK(r->body == "7:abcdefg:7");
    });
}

TEST_CASE(
    "http server: a body the handler leaves unread is discarded, and the connection "
    "goes on",
    "[http][server]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TestServer s{hello};
        RawClient c{s.at()};
        const std::string body(100'000, 'b');
        c.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + body +
               "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        for (int i = 0; i < 2; ++i) {
            auto r = c.read_reply();
            REQUIRE(r);
            CHECK(r->body == "Hello, World!");
        }
    });
}

TEST_CASE("http server: streamed responses are chunked (1.1) or end at close (1.0)",
          "[http][server]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TestServer s{[](Request&, Response& res) {
            res.write("abc");
            res.flush();
            res.write(std::string(70'000, 'x'));  // large: gathered, not copied
            res.write("def");
        }};
        RawClient c{s.at()};
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        auto r = c.read_reply();
        REQUIRE(r);
        CHECK(r->headers.get("Transfer-Encoding") == "chunked");
        CHECK(r->body == "abc" + std::string(70'000, 'x') + "def");
        CHECK(r->keep_alive);

        RawClient old{s.at()};
        old.send("GET / HTTP/1.0\r\n\r\n");
        r = old.read_reply();
        REQUIRE(r);
        CHECK(!r->headers.contains("Transfer-Encoding"));
        CHECK(r->body.size() == 70'006);
        CHECK(!r->keep_alive);
    });
}

TEST_CASE("http server: Expect 100-continue", "[http][server]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TestServer s{[](Request& req, Response& res) {
            if (req.path() == "/no") {
                res.set_status(403);  // refused without reading: no 100, and close
                return;
            }
            res.set_body(req.read_body_all());
        }};
        RawClient c{s.at()};
        c.send(
            "POST /yes HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        CHECK(c.read_raw_head() == "HTTP/1.1 100 Continue\r\n\r\n");
        c.send("hello");
        auto r = c.read_reply();
        REQUIRE(r);
        CHECK(r->body == "hello");

        RawClient refused{s.at()};
        refused.send(
            "POST /no HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        r = refused.read_reply();
        REQUIRE(r);
        CHECK(r->status == 403);
        CHECK(!r->keep_alive);
    });
}

TEST_CASE("http server: the router matches methods and paths, with parameters",
          "[http][server][router]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::http::Router router;
        router.get("/users/{id}", [](Request& req, Response& res) {
            res.set_body("user " + std::string(req.param("id")));
        });
        router.get("/files/{path...}", [](Request& req, Response& res) {
            res.set_body("file " + std::string(req.param("path")));
        });
        router.post("/users", [](Request&, Response& res) { res.set_status(201); });
        TestServer s{router};
        RawClient c{s.at()};
        auto get = [&](std::string_view method, std::string_view target) {
            c.send(std::string(method) + " " + std::string(target) +
                   " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            auto r = c.read_reply(method);
            REQUIRE(r);
            return *r;
        };
        CHECK(get("GET", "/users/42").body == "user 42");
        CHECK(get("GET", "/users/a%20b").body == "user a b");
        CHECK(get("GET", "/files/a/b/c.txt").body == "file a/b/c.txt");
        CHECK(get("HEAD", "/users/1").status == 200);
        CHECK(get("POST", "/users").status == 201);
        CHECK(get("GET", "/nope").status == 404);
        CHECK(get("GET", "/users/1/2").status == 404);
        auto wrong = get("DELETE", "/users");
        CHECK(wrong.status == 405);
        CHECK(wrong.headers.get("Allow") == "POST");
        CHECK(get("GET", "/users/%zz").status == 400);
    });
}

TEST_CASE("http server: a handler's exception is a 500 for that request only", "[http][server]") {
    std::atomic<int> reported{0};
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([&] {
        weft::http::ServerOptions o;
        o.on_handler_error = [&](const Request&, std::exception_ptr) {
            ++reported;
        };
        TestServer s{[](Request& req, Response& res) {
                         if (req.path() == "/throw") {
                             throw std::runtime_error("boom");
                         }
                         if (req.path() == "/inject") {
                             res.set_header("X-A", "1\r\nSet-Cookie: evil=1");
                         }
                         res.set_body("ok");
                     },
                     o};
        RawClient bad{s.at()};
        bad.send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n");
        auto r = bad.read_reply();
        REQUIRE(r);
        CHECK(r->status == 500);
        CHECK(bad.closed_by_server());

        RawClient inject{s.at()};
        inject.send("GET /inject HTTP/1.1\r\nHost: x\r\n\r\n");
        r = inject.read_reply();
        REQUIRE(r);
        CHECK(r->status == 500);  // std::invalid_argument from set_header
        CHECK(!r->headers.contains("Set-Cookie"));

        RawClient good{s.at()};
        good.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        r = good.read_reply();
        REQUIRE(r);
        CHECK(r->body == "ok");
    });
    CHECK(reported == 2);
}

TEST_CASE(
    "http server: a buffered body set before streaming goes out first, and one added "
    "after goes out before the end",
    "[http][server]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TestServer s{[](Request&, Response& res) {
            res.set_body("head-");
            res.write("stream");
            res.body() += "-tail";
        }};
        RawClient c{s.at()};
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        auto r = c.read_reply();
        REQUIRE(r);
        CHECK(r->headers.get("Transfer-Encoding") == "chunked");
        CHECK(r->body == "head-stream-tail");
    });
}
