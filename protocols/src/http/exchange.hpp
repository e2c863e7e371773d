#pragma once

// One request/response exchange on a server connection: what Request and Response call
// into. The request loop (connection.cpp) starts an exchange per request and ends it.
//
// Body state (request side):
//   pending_consume_ > 0   the last view handed out covers buffered bytes the parser has
//                          counted; they are consumed at the next body read (the view is
//                          valid until then)
//   body_done_             the parser answered done: the next request may start
//   failed_                a body read failed (stream or parse error): no reuse
// Output state (response side):
//   Response::head_sent_   the head went to the writer; framing_ says how the body is framed
//   broken_                the body framing cannot be completed (short Content-Length, a
//                          write error): the connection must close

#include <cstdint>
#include <string>
#include <system_error>

#include <weft/http/parser.hpp>
#include <weft/http/request.hpp>
#include <weft/http/response.hpp>
#include <weft/http/server.hpp>
#include <weft/net/buffered_reader.hpp>
#include <weft/net/buffered_writer.hpp>
#include <weft/net/tcp_stream.hpp>

namespace weft::http::detail {

class ServerState;

class Exchange {
public:
    Exchange(net::TcpStream& stream, net::BufferedReader& reader, net::BufferedWriter& writer,
             const ServerState& state) noexcept;

    RequestParser& parser() noexcept { return parser_; }

    /// Starts an exchange for the head the parser just answered (`head_size` buffered
    /// bytes): copies the head into `req`, consumes it, resets `res`.
    void begin(Request& req, Response& res, std::size_t head_size);
    static void set_peer(Request& req, const net::Endpoint& peer) { req.peer_ = peer; }
    /// Starts an exchange with no request (to answer a rejected or refused one).
    void begin_blank(Request& req, Response& res);
    /// Ends the response: sends a buffered response, or ends a streamed body. Does not
    /// flush (pipelined responses go out together; fill() flushes before reading).
    void finish(std::error_code& ec);
    /// Replaces a response that has not started with a short error response, closing.
    void fail_with(int status);
    /// Whether the connection can carry another request: the response kept it alive, both
    /// bodies are complete, and nothing failed. May read (discard) an unread request body.
    bool reusable();

    /// Flushes pending output, then reads once with a read deadline `timeout` from now.
    std::size_t fill(std::chrono::milliseconds timeout, std::error_code& ec);
    void flush(std::error_code& ec) noexcept;

    // Request
    net::ConstBuffer read_body_some(std::error_code& ec) noexcept;
    bool body_done() const noexcept { return body_done_; }
    // Response
    void write(net::ConstBuffer data, std::error_code& ec);

private:
    enum class Framing : std::uint8_t { none, length, chunked, until_close };

    void reset(Request& req, Response& res) noexcept;
    void send_continue(std::error_code& ec) noexcept;
    void send_head(bool buffered, std::error_code& ec);
    Framing choose_framing(bool buffered);
    void append_head(Framing framing);
    void arm_write_deadline() noexcept;
    void write_buffered_body(std::error_code& ec);
    bool discard_body() noexcept;

    net::TcpStream& stream_;
    net::BufferedReader& reader_;
    net::BufferedWriter& writer_;
    const ServerState& state_;
    const ServerOptions& options_;
    RequestParser parser_;
    std::string head_;  // the response head being built; reused, so no allocation per request

    Request* req_ = nullptr;
    Response* res_ = nullptr;
    bool head_request_ = false;
    bool keep_alive_ = false;
    bool continue_pending_ = false;
    bool body_done_ = true;
    bool failed_ = false;
    bool broken_ = false;
    std::size_t pending_consume_ = 0;
    Framing framing_ = Framing::none;
    std::uint64_t declared_ = 0;  // Framing::length: bytes the body must have
    std::uint64_t written_ = 0;   // body bytes written so far
};

/// Formats `status` as a canned error response that closes the connection.
std::string_view error_body(int status) noexcept;

}  // namespace weft::http::detail
