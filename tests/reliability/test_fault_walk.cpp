// Fault walk (issue 7 item 2): a scripted exchange runs once clean to count its socket calls
// (the seam's Call::any), then once per call k = 1..N with the kth call failed. Each run must
// either finish with the right bytes, or fail with errors that all name an operation; EINTR,
// EAGAIN (where it means "not ready") and short transfers must be invisible. After each run
// the process has the fds and fibers it had before it.
#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/detail/diagnostics.hpp>
#include <weft/framing/io.hpp>
#include <weft/http/parser.hpp>
#include <weft/http/server.hpp>

#include "support/fault.hpp"
#include "support/watchdog.hpp"
#include "support/weft_test.hpp"

namespace {

using weft::net::as_bytes;
using weft::net::as_string;
using weft::net::ConstBuffer;
using weft::net::TcpListener;
using weft::net::TcpStream;
using weft::test::Call;
using weft::test::FaultPlan;

struct Run {
    bool client_ok = false;  // the client got back exactly what it sent
    bool server_ok = false;  // the server saw exactly what the client sent
    std::vector<std::string> errors;
    void record(const std::exception& e) { errors.emplace_back(e.what()); }
    bool ok() const { return client_ok && server_ok && errors.empty(); }
};

// The operations whose errors weft throws in these exchanges (throw_error: "op context: ...").
bool names_an_op(std::string_view what) {
    constexpr std::string_view ops[] = {"bind",        "accept",     "connect",   "local_endpoint",
                                        "read_some",   "read_exact", "write_all", "read_frame",
                                        "write_frame", "flush",      "fill",      "http response"};
    for (std::string_view op : ops) {
        if (what.starts_with(op) && what.size() > op.size() &&
            (what[op.size()] == ' ' || what[op.size()] == ':')) {
            return true;
        }
    }
    return false;
}

using Scenario = std::function<void(Run&)>;

// The shape both exchanges share: a listener, a server fiber (`serve` on the accepted
// stream), a client (`talk` on its stream). Whoever fails closes what the others may be
// parked on, so a failure ends the run instead of hanging it.
void exchange(Run& run, const std::function<void(TcpStream&, Run&)>& serve,
              const std::function<void(TcpStream&, Run&)>& talk) {
    TcpListener l;
    weft::net::Endpoint at;
    try {
        l = weft::test::listen_loopback();
        at = l.local_endpoint();
    } catch (const std::system_error& e) {
        run.record(e);
        return;
    }
    auto server = weft::spawn([&] {
        try {
            TcpStream s = l.accept();
            l.close();  // no second connection: a failed client must not be accepted later
            serve(s, run);
        } catch (const std::system_error& e) {
            run.record(e);
            l.close();
        }
    });
    TcpStream c;
    try {
        c = TcpStream::connect(at);
    } catch (const std::system_error& e) {
        run.record(e);
        l.close();  // the server may still wait in accept
    }
    if (c.is_open()) {
        talk(c, run);
    }
    // The server may wait in accept still: a connection it dropped (accept's getpeername
    // failed: ECONNABORTED, which accept skips) ended the client's exchange, not its own.
    l.close();
    server.join();
}

// Echo: the client sends 64 KiB as a gather write from one fiber and reads it back in
// another; the server echoes it in 4 KiB pieces.
const std::string echo_message = weft::test::pattern(64 * 1024, 7);

void echo_serve(TcpStream& s, Run& run) {
    std::array<std::byte, 4096> chunk;
    std::string seen;
    while (seen.size() < echo_message.size()) {
        const auto n = std::min(chunk.size(), echo_message.size() - seen.size());
        s.read_exact(std::span{chunk}.first(n));
        seen += as_string({chunk.data(), n});
        s.write_all(ConstBuffer{chunk.data(), n});
    }
    run.server_ok = seen == echo_message;
}

void echo_talk(TcpStream& c, Run& run) {
    auto writer = weft::spawn([&] {
        const std::string_view m = echo_message;
        const std::array<ConstBuffer, 3> parts = {as_bytes(m.substr(0, 1000)),
                                                  as_bytes(m.substr(1000, 30000)),
                                                  as_bytes(m.substr(31000))};
        try {
            c.write_all(parts);
        } catch (const std::system_error& e) {
            run.record(e);
            c.close();  // wakes the reader
        }
    });
    std::string back(echo_message.size(), '\0');
    try {
        c.read_exact({reinterpret_cast<std::byte*>(back.data()), back.size()});
        run.client_ok = back == echo_message;
    } catch (const std::system_error& e) {
        run.record(e);
        c.close();  // wakes the writer
    }
    writer.join();
}

// Framed: 12 length-prefixed frames of 0 B .. 20 KiB (small ones coalesced, large ones
// gathered by the BufferedWriter) sent from one fiber, answered frame by frame by the server,
// read back through a BufferedReader in another fiber.
std::vector<std::string> frames() {
    std::vector<std::string> f;
    for (std::size_t i = 0; i < 12; ++i) {
        f.push_back(weft::test::pattern(i * i * 150, static_cast<unsigned>(i + 1)));
    }
    return f;
}
const std::vector<std::string> framed_messages = frames();

void framed_serve(TcpStream& s, Run& run) {
    weft::framing::LengthPrefixedParser p;
    weft::net::BufferedReader r{s, 4096};
    weft::net::BufferedWriter w{s, 4096};
    std::size_t good = 0;
    for (const std::string& want : framed_messages) {
        auto frame = weft::framing::read_frame(r, p);
        if (!frame) {
            return;  // the client went away: its side reports why
        }
        good += as_string(*frame) == want ? 1 : 0;
        weft::framing::write_frame(w, p, *frame);
        w.flush();  // before the next read: a large payload is gathered, not copied
    }
    run.server_ok = good == framed_messages.size();
}

void framed_talk(TcpStream& c, Run& run) {
    auto writer = weft::spawn([&] {
        weft::framing::LengthPrefixedParser p;
        weft::net::BufferedWriter w{c, 4096};
        try {
            for (const std::string& m : framed_messages) {
                weft::framing::write_frame(w, p, as_bytes(m));
            }
            w.flush();
        } catch (const std::system_error& e) {
            run.record(e);
            c.close();
        }
    });
    weft::framing::LengthPrefixedParser p;
    weft::net::BufferedReader r{c, 4096};
    try {
        std::size_t good = 0;
        for (const std::string& want : framed_messages) {
            auto frame = weft::framing::read_frame_copy(r, p);
            if (!frame) {
                throw std::system_error(make_error_code(weft::errc::unexpected_eof), "read_frame");
            }
            good += *frame == want ? 1 : 0;
        }
        run.client_ok = good == framed_messages.size();
    } catch (const std::system_error& e) {
        run.record(e);
        c.close();
    }
    writer.join();
}

// HTTP: a chunked POST (its 48 KiB body echoed back, streamed) pipelined with a GET, against
// weft::http::Server; the client reads both responses with the ResponseParser.
const std::string http_body = weft::test::pattern(48 * 1024, 9);

std::string http_requests() {
    std::string req = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t at = 0; at < http_body.size(); at += 10'000) {
        const std::string piece = http_body.substr(at, 10'000);
        char size[16];
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        req += size + piece + "\r\n";
    }
    return req + "0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
}

// Reads one response body; throws "http response: ..." for a bad or cut-short response.
std::string http_read_reply(weft::net::BufferedReader& r, weft::http::ResponseParser& p) {
    std::string body;
    for (;;) {
        const auto res = p.parse(r.buffered());
        r.consume(res.consumed);
        using S = weft::http::ParseResult::Status;
        if (res.status == S::body) {
            body += as_string(res.body);
        } else if (res.status == S::done) {
            return body;
        } else if (res.status == S::error) {
            throw std::system_error(res.error, "http response");
        } else if (res.status == S::need_more && r.fill() == 0) {
            throw std::system_error(make_error_code(weft::errc::unexpected_eof), "http response");
        }
    }
}

void http_exchange(Run& run) {
    weft::http::Server server;
    try {
        server = weft::http::Server::bind("127.0.0.1:0", [&](weft::http::Request& req,
                                                             weft::http::Response& res) {
            if (req.path() == "/hello") {
                res.set_body("Hello, World!");
                return;
            }
            std::string seen;
            for (auto piece = req.read_body_some(); !piece.empty(); piece = req.read_body_some()) {
                seen += as_string(piece);
                res.write(piece);
            }
            run.server_ok = seen == http_body;
        });
    } catch (const std::system_error& e) {
        run.record(e);
        return;
    }
    auto serving = weft::spawn([&] { server.serve(); });
    try {
        TcpStream c = TcpStream::connect(server.local_endpoint());
        c.write_all(as_bytes(http_requests()));
        weft::net::BufferedReader r{c, 4096};
        weft::http::ResponseParser p;
        const std::string echoed = http_read_reply(r, p);
        const std::string hello = http_read_reply(r, p);
        run.client_ok = echoed == http_body && hello == "Hello, World!";
    } catch (const std::system_error& e) {
        run.record(e);
    }
    server.shutdown(weft::Deadline::after(std::chrono::seconds(0)));
    serving.join();
}

// One run of `scenario` in a fresh Runtime under `plan`; `calls`/`fired` report the seam.
Run run_once(const Scenario& scenario, const FaultPlan& plan, std::uint64_t* calls = nullptr,
             Call* fired = nullptr) {
    Run run;
    // A hang guard, not a timing check: a run takes milliseconds; a hang aborts with its k.
    weft::test::Watchdog hang{"fault walk run failing call " + std::to_string(plan.nth) +
                                  " errno " + std::to_string(plan.err),
                              std::chrono::seconds{60}};
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([&] {
        weft::test::ScopedFault fault{plan};
        scenario(run);
        if (calls != nullptr) {
            *calls = fault.calls();
        }
        if (fired != nullptr) {
            *fired = fault.fired_call();
        }
    });
    return run;
}

// Whether a fault of this kind, on this call, must be retried where the caller cannot see it.
bool must_be_invisible(const FaultPlan& plan, Call fired) {
    if (plan.short_to != 0 || plan.err == EINTR) {
        return true;
    }
    if (plan.err == EAGAIN) {  // "not ready yet" for the ops that wait; an error for the rest
        return fired == Call::recv || fired == Call::send || fired == Call::sendmsg ||
               fired == Call::accept4 || fired == Call::poll;
    }
    return false;
}

void walk(const Scenario& scenario, FaultPlan fault) {
    std::uint64_t n = 0;
    const Run clean = run_once(scenario, FaultPlan{.call = Call::any}, &n);
    REQUIRE(clean.ok());
    REQUIRE(n > 10);
    std::size_t fired_runs = 0;
    std::size_t failed_runs = 0;
    for (std::uint64_t k = 1; k <= n; ++k) {
        const std::size_t fds = weft::test::count_open_fds();
        const std::size_t fibers = weft::detail::live_fibers();
        fault.nth = k;
        Call fired = Call::any;
        const Run run = run_once(scenario, fault, nullptr, &fired);
        INFO("call " << k << " of " << n << " (" << weft::test::call_name(fired) << "), errno "
                     << fault.err << " short_to " << fault.short_to);
        fired_runs += fired != Call::any ? 1 : 0;
        CHECK(weft::test::count_open_fds() == fds);
        CHECK(weft::detail::live_fibers() == fibers);
        if (run.ok()) {
            continue;
        }
        ++failed_runs;
        CHECK_FALSE(must_be_invisible(fault, fired));
        CHECK_FALSE(run.errors.empty());  // never wrong bytes without an error
        for (const std::string& what : run.errors) {
            INFO(what);
            CHECK(names_an_op(what));
        }
    }
    CHECK(fired_runs > 0);
    if (fault.err != 0 && fault.err != EINTR && fault.err != EAGAIN) {
        CHECK(failed_runs > 0);  // a hard error somewhere in the exchange must show
    }
}

const Scenario echo = [](Run& run) {
    exchange(run, echo_serve, echo_talk);
};
const Scenario framed = [](Run& run) {
    exchange(run, framed_serve, framed_talk);
};
const Scenario http = [](Run& run) {
    http_exchange(run);
};

const std::array<std::pair<const char*, FaultPlan>, 8> faults = {{
    {"EINTR", {.err = EINTR}},
    {"EAGAIN", {.err = EAGAIN}},
    {"ECONNRESET", {.err = ECONNRESET}},
    {"EPIPE", {.err = EPIPE}},
    {"ENOMEM", {.err = ENOMEM}},
    {"EMFILE", {.err = EMFILE}},
    {"ECANCELED", {.err = ECANCELED}},
    {"short transfer", {.short_to = 1}},
}};

}  // namespace

TEST_CASE("fault walk: an echo exchange survives or names the op at every failure point",
          "[reliability][fault]") {
    for (const auto& [name, plan] : faults) {
        SECTION(name) {
            walk(echo, plan);
        }
    }
}

TEST_CASE("fault walk: a framed exchange survives or names the op at every failure point",
          "[reliability][fault]") {
    for (const auto& [name, plan] : faults) {
        SECTION(name) {
            walk(framed, plan);
        }
    }
}

TEST_CASE("fault walk: an HTTP exchange survives or names the op at every failure point",
          "[reliability][fault][http]") {
    for (const auto& [name, plan] : faults) {
        SECTION(name) {
            walk(http, plan);
        }
    }
}

TEST_CASE("the fault seam fails exactly the nth call of the named kind", "[reliability][fault]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        client.write_all(as_bytes("abcdef"));
        std::array<std::byte, 6> buf;
        {
            weft::test::ScopedFault fault{{.call = Call::recv, .nth = 2, .err = ECONNRESET}};
            CHECK(server.read_some(std::span{buf}.first(1)) == 1);  // the 1st recv is real
            std::error_code ec;
            server.read_some(buf, ec);  // the 2nd fails
            CHECK(ec == std::errc::connection_reset);
            CHECK(fault.fired_call() == Call::recv);
            CHECK(fault.calls() == 2);
        }
        CHECK(server.read_some(buf) == 5);  // disarmed: the bytes are still there
        CHECK(as_string({buf.data(), 5}) == "bcdef");
    });
}

TEST_CASE("a short transfer from the seam moves at most short_to bytes", "[reliability][fault]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        {
            weft::test::ScopedFault fault{{.call = Call::send, .nth = 1, .short_to = 2}};
            CHECK(client.write_some(as_bytes("abcdef")) == 2);
            CHECK(fault.fired_call() == Call::send);
        }
        client.write_all(as_bytes("XYZ"));
        std::array<std::byte, 5> buf;
        server.read_exact(buf);
        CHECK(as_string(buf) == "abXYZ");
    });
}

TEST_CASE(
    "the seam fails an accept while the acceptor is parked (a multishot completion "
    "on io_uring), and the next accept still works",
    "[reliability][fault]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TcpListener l = weft::test::listen_loopback();
        std::error_code first;
        TcpStream accepted;
        auto acceptor = weft::spawn([&] {
            accepted = l.accept(weft::Deadline::never(), first);  // parks: nobody connects yet
        });
        weft::this_fiber::yield();  // one worker: the acceptor runs until it parks
        {
            weft::test::ScopedFault fault{{.call = Call::accept4, .nth = 1, .err = EMFILE}};
            TcpStream c1 = TcpStream::connect(l.local_endpoint());
            acceptor.join();
            CHECK(fault.fired_call() == Call::accept4);
        }
        CHECK(first == std::errc::too_many_files_open);
        CHECK_FALSE(accepted.is_open());
        // io_uring closed the failed connection (as an aborted handshake); epoll left it in the
        // backlog. Either way the listener serves the next one.
        TcpStream c2 = TcpStream::connect(l.local_endpoint());
        TcpStream next = l.accept(weft::Deadline::after(std::chrono::seconds(10)));
        CHECK(next.is_open());
    });
}
