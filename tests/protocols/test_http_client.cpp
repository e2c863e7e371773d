// weft::http::Client against scripted servers (tests/protocols/http_test_server.hpp): every
// byte the client sees is canned, so framing errors, early closes and stale connections are
// produced on purpose. Reuse is observed by counting the connections the server accepted.
#include <atomic>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/http/client.hpp>

#include "protocols/http_test_server.hpp"
#include "support/weft_test.hpp"

using namespace std::chrono_literals;
using weft::http::Client;
using weft::http::ClientOptions;
using weft::http::ClientRequest;
using weft::test::HttpTestServer;
using weft::test::ok_response;
using weft::test::ServerConn;

namespace {

// Answers every request on the connection with `response`, until the client closes.
HttpTestServer::Handler always(std::string response) {
    return [response](ServerConn& c) {
        while (c.read_request()) {
            c.write(response);
        }
    };
}

// Runs `fn` in a Runtime with `threads` workers.
template <class F>
void run(F fn, unsigned threads = 1) {
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run(fn);
}

}  // namespace

TEST_CASE("client: a Content-Length body, status, reason and headers", "[http][client]") {
    run([] {
        std::string seen_host, seen_agent, seen_target;
        HttpTestServer server{[&](ServerConn& c) {
            while (auto req = c.read_request()) {
                seen_host = req->headers.get("Host");
                seen_agent = req->headers.get("User-Agent");
                seen_target = req->target;
                c.write(ok_response("hello, world", "X-Test: yes\r\n"));
            }
        }};
        Client client;
        const auto r = client.get(server.url("/path/file.txt?q=1"));
        CHECK(r.status == 200);
        CHECK(r.reason == "OK");
        CHECK(r.ok());
        CHECK(r.body == "hello, world");
        CHECK(r.headers.get("X-Test") == "yes");
        CHECK(r.redirects == 0);
        CHECK(seen_target == "/path/file.txt?q=1");
        CHECK(seen_host == server.url("").substr(7));  // "127.0.0.1:PORT"
        CHECK(seen_agent == "weft-http-client");
    });
}

TEST_CASE("client: a chunked body with trailers", "[http][client]") {
    run([] {
        HttpTestServer server{
            always("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5\r\nhello\r\n1;ext=1\r\n,\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n")};
        Client client;
        const auto r = client.get(server.url());
        CHECK(r.body == "hello, world");
        CHECK(r.trailers.get("X-Checksum") == "abc");
        CHECK(client.get(server.url()).body == "hello, world");
        CHECK(server.accepted() == 1);  // a chunked body read to its end leaves it reusable
    });
}

TEST_CASE("client: keep-alive connections are reused, Connection: close ones are not",
          "[http][client]") {
    run([] {
        HttpTestServer keep{always(ok_response("k"))};
        HttpTestServer close{[](ServerConn& c) {
            if (c.read_request()) {
                c.write(ok_response("c", "Connection: close\r\n"));
            }
        }};
        Client client;
        for (int i = 0; i < 5; ++i) {
            CHECK(client.get(keep.url()).body == "k");
            CHECK(client.get(close.url()).body == "c");
        }
        CHECK(keep.accepted() == 1);
        CHECK(close.accepted() == 5);
    });
}

TEST_CASE("client: max_idle_per_host = 0 sends Connection: close and reuses nothing",
          "[http][client]") {
    run([] {
        std::string connection;
        HttpTestServer server{[&](ServerConn& c) {
            while (auto req = c.read_request()) {
                connection = req->headers.get("Connection");
                c.write(ok_response("x"));
            }
        }};
        Client client{{.max_idle_per_host = 0}};
        CHECK(client.get(server.url()).body == "x");
        CHECK(client.get(server.url()).body == "x");
        CHECK(connection == "close");
        CHECK(server.accepted() == 2);
    });
}

TEST_CASE("client: the pool bounds connections per host and waiting requests get a slot",
          "[http][client]") {
    const unsigned threads = GENERATE(1u, 2u);
    run(
        [] {
            HttpTestServer server{[](ServerConn& c) {
                while (auto req = c.read_request()) {
                    c.write(ok_response("body of " + req->target));
                }
            }};
            Client client{{.max_connections_per_host = 2}};
            std::atomic<int> good{0};
            std::vector<weft::JoinHandle> fibers;
            for (int i = 0; i < 16; ++i) {
                fibers.push_back(weft::spawn([&, i] {
                    const std::string path = "/" + std::to_string(i);
                    if (client.get(server.url(path)).body == "body of " + path) {
                        ++good;
                    }
                }));
            }
            for (auto& f : fibers) {
                f.join();
            }
            CHECK(good == 16);
            CHECK(server.accepted() >= 1);
            CHECK(server.accepted() <= 2);
        },
        threads);
}

TEST_CASE("client: ambiguous framing is an error naming it, and that connection is dropped",
          "[http][client]") {
    struct Bad {
        const char* response;
        weft::http::errc error;
    };
    const Bad bad = GENERATE(
        Bad{"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
            "0\r\n\r\n",
            weft::http::errc::content_length_and_transfer_encoding},
        Bad{"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
            weft::http::errc::bad_content_length},
        Bad{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            weft::http::errc::bad_chunk});
    run([&] {
        HttpTestServer server{[&](ServerConn& c) {
            c.read_request();
            c.write(c.index == 1 ? std::string{bad.response} : ok_response("fine"));
            while (c.read_request()) {
                c.write(ok_response("fine"));
            }
        }};
        Client client;
        std::error_code ec;
        (void)client.get(server.url("/bad"), ec);
        CHECK(ec == bad.error);
        try {
            (void)client.get(server.url("/bad"));  // the second connection answers fine
        } catch (const std::system_error& e) {
            FAIL(e.what());
        }
        CHECK(server.accepted() == 2);  // the first was not reused after its error
    });
}

TEST_CASE("client: the error message names the method, URL, step and cause", "[http][client]") {
    run([] {
        HttpTestServer server{
            always("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")};
        Client client;
        const std::string url = server.url("/x");
        try {
            (void)client.get(url);
            FAIL("no exception");
        } catch (const std::system_error& e) {
            const std::string what = e.what();
            CHECK(what.find("GET " + url + ": read response head: ") == 0);
            CHECK(what.find("Transfer-Encoding") != std::string::npos);
        }
    });
}

TEST_CASE("client: a refused connect names the URL", "[http][client]") {
    run([] {
        std::string url;
        {
            auto listener = weft::test::listen_loopback();
            url = "http://" + listener.local_endpoint().to_string() + "/x";
        }  // closed: nothing listens on that port now
        Client client;
        try {
            (void)client.get(url);
            FAIL("no exception");
        } catch (const std::system_error& e) {
            CHECK(e.code() == std::errc::connection_refused);
            CHECK(std::string{e.what()}.find("GET " + url + ": connect: ") == 0);
        }
        std::error_code ec;
        (void)client.get(url, ec);
        CHECK(ec == std::errc::connection_refused);
    });
}

TEST_CASE("client: bad URLs and header injection fail before any connection", "[http][client]") {
    run([] {
        HttpTestServer server{always(ok_response("x"))};
        Client client;
        std::error_code ec;
        (void)client.get("https://127.0.0.1/", ec);
        CHECK(ec == weft::http::client_errc::https_not_supported);
        ClientRequest req{.url = server.url()};
        req.headers.add("X-Evil", "a\r\nInjected: yes");
        (void)client.request(req, ec);
        CHECK(ec == weft::http::client_errc::invalid_request);
        CHECK_THROWS_WITH(client.request(ClientRequest{.method = "G T", .url = server.url()}),
                          Catch::Contains("build request"));
        CHECK(server.accepted() == 0);
    });
}

TEST_CASE("client: a server that never answers times out with errc::timed_out", "[http][client]") {
    const bool whole = GENERATE(false, true);
    run([whole] {
        HttpTestServer server{[](ServerConn& c) {
            c.read_request();
            c.write("HTTP/1.1 200 OK\r\n");  // a head that never ends
            c.wait_for_close();
        }};
        ClientOptions o;
        (whole ? o.timeout : o.read_timeout) = 50ms;
        Client client{o};
        std::error_code ec;
        (void)client.get(server.url(), ec);
        CHECK(ec == weft::errc::timed_out);
    });
}

TEST_CASE("client: HEAD, 1xx, 204 and 304 responses have no body and keep the connection",
          "[http][client]") {
    run([] {
        HttpTestServer server{[](ServerConn& c) {
            while (auto req = c.read_request()) {
                if (req->method == "HEAD") {
                    c.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
                } else if (req->target == "/204") {
                    c.write("HTTP/1.1 204 No Content\r\n\r\n");
                } else if (req->target == "/304") {
                    c.write("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n");
                } else {
                    c.write(
                        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n" +
                        ok_response("after 1xx"));
                }
            }
        }};
        Client client;
        const auto head = client.request({.method = "HEAD", .url = server.url()});
        CHECK(head.status == 200);
        CHECK(head.headers.get("Content-Length") == "100");
        CHECK(head.body.empty());
        CHECK(client.get(server.url("/204")).status == 204);
        CHECK(client.get(server.url("/304")).body.empty());
        const auto r = client.get(server.url("/1xx"));
        CHECK(r.status == 200);
        CHECK(r.body == "after 1xx");
        CHECK(server.accepted() == 1);
    });
}

TEST_CASE("client: a body delimited by the close, and a close mid-body", "[http][client]") {
    run([] {
        HttpTestServer server{[](ServerConn& c) {
            auto req = c.read_request();
            if (req && req->target == "/until-close") {
                c.write("HTTP/1.1 200 OK\r\n\r\nall of it");
            } else if (req) {
                c.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b");
            }
        }};  // the handler returns: its stream closes
        Client client;
        CHECK(client.get(server.url("/until-close")).body == "all of it");
        std::error_code ec;
        (void)client.get(server.url("/short"), ec);
        CHECK(ec == weft::http::errc::unexpected_eof);
        CHECK(server.accepted() == 2);
    });
}

TEST_CASE("client: a pooled connection the server closed is retried once, for GET only",
          "[http][client]") {
    run([] {
        // Each connection answers one request with keep-alive, then closes without a word.
        HttpTestServer server{[](ServerConn& c) {
            if (c.read_request()) {
                c.write(ok_response("one"));
            }
        }};
        Client client;
        CHECK(client.get(server.url()).body == "one");
        CHECK(client.get(server.url()).body == "one");  // stale pooled conn, then a fresh one
        CHECK(server.accepted() == 2);
        std::error_code ec;
        (void)client.post(server.url(), "data", "text/plain", ec);  // not idempotent
        CHECK(ec);
        CHECK(server.accepted() == 2);
    });
}

TEST_CASE("client: redirects are off by default, followed when on, bounded", "[http][client]") {
    run([] {
        std::vector<std::string> methods;
        HttpTestServer server{[&](ServerConn& c) {
            while (auto req = c.read_request()) {
                methods.push_back(req->method);
                if (req->target == "/final") {
                    c.write(ok_response("final via " + req->method + " body=" + req->body));
                } else if (req->target == "/loop") {
                    c.write("HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n");
                } else if (req->target == "/see-other") {
                    c.write(
                        "HTTP/1.1 303 See Other\r\nLocation: final\r\nContent-Length: 0\r\n\r\n");
                } else {
                    c.write(
                        "HTTP/1.1 307 Temporary Redirect\r\nLocation: /final\r\n"
                        "Content-Length: 5\r\n\r\nmoved");
                }
            }
        }};
        Client plain;
        const auto r0 = plain.get(server.url("/start"));
        CHECK(r0.status == 307);
        CHECK(r0.headers.get("Location") == "/final");
        CHECK(r0.body == "moved");

        Client follow{{.follow_redirects = true, .max_redirects = 3}};
        const auto r1 = follow.get(server.url("/start"));
        CHECK(r1.status == 200);
        CHECK(r1.redirects == 1);
        CHECK(r1.url == server.url("/final"));
        CHECK(follow.post(server.url("/start"), "abc", "text/plain").body ==
              "final via POST body=abc");  // 307 keeps the method and body
        CHECK(follow.post(server.url("/see-other"), "abc", "text/plain").body ==
              "final via GET body=");  // 303 becomes GET
        try {
            (void)follow.get(server.url("/loop"));
            FAIL("no exception");
        } catch (const std::system_error& e) {
            CHECK(e.code() == weft::http::client_errc::too_many_redirects);
            CHECK(std::string{e.what()}.find("too many redirects") != std::string::npos);
        }
        CHECK(server.accepted() == 2);  // one per Client: small redirect bodies are drained
    });
}

TEST_CASE("client: a streamed body is read piecewise, byte-exact", "[http][client]") {
    const std::string big = weft::test::pattern(3 << 20, 7);
    run([&] {
        HttpTestServer server{always(ok_response(big))};
        Client client;
        auto s = client.stream({.url = server.url("/big")});
        CHECK(s.status() == 200);
        CHECK(s.content_length() == static_cast<std::int64_t>(big.size()));
        std::string got;
        std::array<std::byte, 1000> buf;  // read_some with a buffer smaller than a chunk
        while (std::size_t n = s.read_some(buf)) {
            got.append(weft::net::as_string({buf.data(), n}));
        }
        CHECK(s.at_end());
        CHECK(got == big);
        CHECK(client.get(server.url("/big")).body == big);
        CHECK(server.accepted() == 1);
    });
}

TEST_CASE("client: an abandoned stream closes its connection", "[http][client]") {
    run([] {
        HttpTestServer server{always(ok_response(std::string(100000, 'x')))};
        Client client;
        {
            auto s = client.stream({.url = server.url()});
            CHECK(s.read_chunk().size() > 0);
        }  // destroyed mid-body
        CHECK(client.get(server.url()).body.size() == 100000);
        CHECK(server.accepted() == 2);
    });
}

TEST_CASE("client: max_body bounds a body read into memory", "[http][client]") {
    run([] {
        HttpTestServer server{always(ok_response(std::string(100, 'x')))};
        Client client{{.max_body = 10}};
        std::error_code ec;
        (void)client.get(server.url(), ec);
        CHECK(ec == weft::http::client_errc::body_too_large);
    });
}

TEST_CASE("client: request bodies with Content-Length and chunked", "[http][client]") {
    run([] {
        HttpTestServer server{[](ServerConn& c) {
            while (auto req = c.read_request()) {
                c.write(ok_response(std::string{req->headers.get("Content-Type")} + "|" +
                                    std::string{req->headers.get("Content-Length")} + "|" +
                                    std::string{req->headers.get("Transfer-Encoding")} + "|" +
                                    req->body));
            }
        }};
        Client client;
        CHECK(client.post(server.url(), "a=1", "application/x-www-form-urlencoded").body ==
              "application/x-www-form-urlencoded|3||a=1");
        const std::vector<std::string> parts = {"first,", "second,", "third"};
        std::size_t next = 0;
        ClientRequest req{.method = "PUT", .url = server.url()};
        req.body_stream = [&]() -> weft::net::ConstBuffer {
            return next < parts.size() ? weft::net::as_bytes(parts[next++])
                                       : weft::net::ConstBuffer{};
        };
        CHECK(client.request(req).body == "||chunked|first,second,third");
        CHECK(server.accepted() == 1);
    });
}

TEST_CASE("client: a slot freed on one host wakes the request waiting for that host",
          "[http][client]") {
    // All hosts share one condition variable in the pool: a release must wake every waiter
    // (each rechecks its own host), or the one wake-up can go to a request for another host
    // while the request for this one stays parked.
    run([] {
        HttpTestServer a{always(ok_response("a"))};
        HttpTestServer b{always(ok_response("b"))};
        Client client{{.max_connections_per_host = 1}};
        weft::http::ResponseStream held_b = client.stream({.url = b.url()});  // B's one slot
        weft::http::ResponseStream held_a = client.stream({.url = a.url()});  // A's one slot
        std::string got_a, got_b;
        auto wait_b = weft::spawn([&] { got_b = client.get(b.url()).body; });
        weft::this_fiber::yield();  // one worker: wait_b runs until it parks in the pool
        auto wait_a = weft::spawn([&] { got_a = client.get(a.url()).body; });
        weft::this_fiber::yield();
        while (!held_a.read_chunk().empty()) {
        }
        held_a = {};  // A's slot is free: wait_a, the second waiter, must get it
        wait_a.join();
        CHECK(got_a == "a");
        held_b = {};
        wait_b.join();
        CHECK(got_b == "b");
    });
}

TEST_CASE("client: a redirect on the same host keeps the caller's Host, another host drops it",
          "[http][client]") {
    run([] {
        std::vector<std::string> hosts;
        HttpTestServer server{[&](ServerConn& c) {
            while (auto req = c.read_request()) {
                hosts.emplace_back(req->headers.get("Host"));
                if (req->target == "/moved") {
                    c.write("HTTP/1.1 302 Found\r\nLocation: /here\r\nContent-Length: 0\r\n\r\n");
                } else {
                    c.write(ok_response("here"));
                }
            }
        }};
        Client client{{.follow_redirects = true}};
        weft::http::ClientRequest req{.url = server.url("/moved")};
        req.headers.add("Host", "vhost.test");
        const auto r = client.request(req);
        CHECK(r.body == "here");
        REQUIRE(hosts.size() == 2);
        CHECK(hosts[0] == "vhost.test");
        CHECK(hosts[1] == "vhost.test");  // a relative Location: same authority
    });
}
