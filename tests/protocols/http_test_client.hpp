#pragma once

// A raw HTTP/1.1 client for the server tests: it writes exactly the bytes a test gives it
// and reads responses with weft's ResponseParser, so each test sees what went over the wire.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <weft/http/fields.hpp>
#include <weft/http/parser.hpp>
#include <weft/http/server.hpp>
#include <weft/net/buffered_reader.hpp>
#include <weft/net/tcp_stream.hpp>
#include <weft/spawn.hpp>

namespace weft::test {

struct Reply {
    int status = 0;
    http::Fields headers;
    std::string body;
    bool keep_alive = false;
};

class RawClient {
public:
    explicit RawClient(const net::Endpoint& at)
        : stream_(net::TcpStream::connect(at, Deadline::after(std::chrono::seconds(10)))),
          reader_(stream_) {
        // A server that never answers fails the test instead of hanging it.
        stream_.set_read_deadline(Deadline::after(std::chrono::seconds(30)));
    }

    void send(std::string_view bytes) { stream_.write_all(net::as_bytes(bytes)); }

    /// The next response; std::nullopt if the server closed cleanly before one began.
    /// Throws std::system_error for a malformed or truncated response.
    std::optional<Reply> read_reply(std::string_view method = "GET") {
        parser_.set_request_method(method);
        Reply reply;
        bool started = false;
        for (;;) {
            const http::ParseResult r = parser_.parse(reader_.buffered());
            reader_.consume(r.consumed);
            switch (r.status) {
                case http::ParseResult::Status::head:
                    started = true;
                    reply.status = parser_.head().status;
                    reply.keep_alive = parser_.head().keep_alive;
                    reply.headers.clear();
                    for (const http::Header& h : parser_.head().headers) {
                        reply.headers.add(h.name, h.value);
                    }
                    continue;
                case http::ParseResult::Status::body:
                    reply.body.append(net::as_string(r.body));
                    continue;
                case http::ParseResult::Status::done:
                    if (reply.status >= 100 && reply.status < 200) {
                        started = false;  // an interim response: the final one follows
                        continue;
                    }
                    return reply;
                case http::ParseResult::Status::error:
                    throw std::system_error(r.error, "test client: bad response");
                default:
                    break;
            }
            if (reader_.fill() == 0) {
                const http::ParseResult end = parser_.finish();
                if (end.status == http::ParseResult::Status::done) {
                    return reply;
                }
                if (end.status == http::ParseResult::Status::need_more && !started &&
                    reader_.buffered().empty()) {
                    return std::nullopt;
                }
                throw std::system_error(end.error, "test client: response cut short");
            }
        }
    }

    /// Reads raw bytes up to and including the first "\r\n\r\n" (an interim response).
    std::string read_raw_head() {
        auto head = reader_.read_until("\r\n\r\n", 64 * 1024);
        return std::string{net::as_string(head)};
    }

    /// True if the server has closed (EOF, or a reset) with nothing more to read.
    bool closed_by_server() {
        std::error_code ec;
        if (!reader_.buffered().empty()) {
            return false;
        }
        const std::size_t n = reader_.fill(ec);
        return n == 0;
    }

    net::TcpStream& stream() noexcept { return stream_; }

private:
    net::TcpStream stream_;
    net::BufferedReader reader_;
    http::ResponseParser parser_;
};

/// A Server on a free loopback port, served by its own fiber until the end of the scope
/// (or until a test joins serving() after its own shutdown()).
class TestServer {
public:
    explicit TestServer(http::Handler h, http::ServerOptions o = {})
        : server_(http::Server::bind("127.0.0.1:0", std::move(h), std::move(o))),
          serving_(spawn([this] { server_.serve(); })) {}
    ~TestServer() {
        if (serving_.joinable()) {
            server_.shutdown(Deadline::after(std::chrono::seconds(5)));
            serving_.join();
        }
    }
    net::Endpoint at() const { return server_.local_endpoint(); }
    http::Server& server() { return server_; }
    JoinHandle& serving() { return serving_; }

private:
    http::Server server_;
    JoinHandle serving_;
};

}  // namespace weft::test
