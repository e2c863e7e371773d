#pragma once

// A scripted HTTP/1.1 server for client tests: a loopback listener whose connections each
// run `handler` in a fiber. The handler reads requests with read_request() and writes canned
// bytes, so a test controls every byte the client sees (including malformed responses).
// It counts accepted connections: that is how the tests observe connection reuse.
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <weft/http/fields.hpp>
#include <weft/http/parser.hpp>
#include <weft/weft.hpp>

#include "support/weft_test.hpp"

namespace weft::test {

struct ServedRequest {
    std::string method;
    std::string target;
    http::Fields headers;
    std::string body;
};

/// One accepted connection as the handler sees it.
struct ServerConn {
    net::TcpStream stream;
    net::BufferedReader reader{stream};
    http::RequestParser parser{};
    int index = 0;  ///< 1 for the first connection accepted, 2 for the next, ...

    /// The next request, or nullopt at EOF or on an error (the client went away).
    std::optional<ServedRequest> read_request() {
        ServedRequest req;
        std::error_code ec;
        for (;;) {
            const http::ParseResult res = parser.parse(reader.buffered());
            reader.consume(res.consumed);
            switch (res.status) {
                case http::ParseResult::Status::head:
                    req.method = parser.head().method;
                    req.target = parser.head().target;
                    for (const auto& h : parser.head().headers) {
                        req.headers.add(h.name, h.value);
                    }
                    break;
                case http::ParseResult::Status::body:
                    req.body.append(net::as_string(res.body));
                    break;
                case http::ParseResult::Status::done:
                    return req;
                case http::ParseResult::Status::error:
                    return std::nullopt;
                case http::ParseResult::Status::need_more:
                    if (reader.fill(parser.max_head_size(), ec) == 0) {
                        return std::nullopt;
                    }
                    break;
            }
        }
    }
    void write(std::string_view bytes) {
        std::error_code ec;  // the client may have gone: the test's assertions tell
        stream.write_all(net::as_bytes(bytes), ec);
    }
    /// Waits until the client closes (or the test ends), reading and dropping what comes.
    void wait_for_close() {
        std::array<std::byte, 256> buf;
        std::error_code ec;
        while (stream.read_some(buf, ec) > 0) {
        }
    }
};

/// "HTTP/1.1 200 OK" with Content-Length and `extra` header lines (each ending in CRLF).
inline std::string ok_response(std::string_view body, std::string_view extra = {}) {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
           std::string{extra} + "\r\n" + std::string{body};
}

class HttpTestServer {
public:
    using Handler = std::function<void(ServerConn&)>;

    /// Call from a fiber. Serves until destroyed.
    explicit HttpTestServer(Handler handler)
        : handler_(std::move(handler)), listener_(listen_loopback()) {
        acceptor_ = spawn([this] { accept_loop(); }, {.name = "test http server"});
    }
    HttpTestServer(const HttpTestServer&) = delete;
    HttpTestServer& operator=(const HttpTestServer&) = delete;
    /// Stops accepting, cancels the connection fibers still running, and joins them all.
    ~HttpTestServer() {
        listener_.close();
        acceptor_.join();
        for (auto& c : conns_) {
            c.cancel();
            c.join();
        }
    }

    /// "http://127.0.0.1:PORT" + path.
    std::string url(std::string_view path = "/") const {
        return "http://" + listener_.local_endpoint().to_string() + std::string{path};
    }
    int accepted() const noexcept { return accepted_; }

private:
    void accept_loop() {
        std::error_code ec;
        for (;;) {
            net::TcpStream s = listener_.accept(Deadline::never(), ec);
            if (ec) {
                return;
            }
            const int index = ++accepted_;
            conns_.push_back(spawn([this, s = std::move(s), index]() mutable {
                ServerConn c{std::move(s)};
                c.index = index;
                try {
                    handler_(c);
                } catch (const std::system_error&) {  // cancelled at the end of the test
                }
            }));
        }
    }

    Handler handler_;
    net::TcpListener listener_;
    std::atomic<int> accepted_{0};
    JoinHandle acceptor_;
    std::vector<JoinHandle> conns_;  // touched by the acceptor, then by the destructor
};

}  // namespace weft::test
