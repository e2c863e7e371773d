// The request loop of one server connection:
//
//   wait for a request's first byte (keep-alive timeout; idle: shutdown may close it)
//     → read the head (an absolute header deadline) → handler → finish the response
//     → reusable? loop : close
//
// Clock reads are kept off the common path: a keep-alive wait has no deadline (the server's
// reaper closes connections idle too long, see server_state.hpp), and the head's deadline is
// armed only when its first read did not bring the whole head (from then on, one absolute
// bound; a new connection's runs from accept, covering its first byte too).
//
// A rejected head (parse error, header timeout) is answered with its status and closes
// the connection after lingering: the server stops writing, then reads and discards what
// the client still sends for a short while, so that closing with unread input does not
// reset the connection before the client has read the error response.
#include <array>
#include <system_error>

#include <weft/error.hpp>
#include <weft/http/status.hpp>

#include "exchange.hpp"
#include "server_state.hpp"

namespace weft::http::detail {

namespace {

using namespace std::chrono_literals;

class Connection {
public:
    Connection(net::TcpStream& stream, ServerState& state)
        : stream_(stream),
          state_(state),
          options_(state.options),
          reader_(stream, state.pool),
          writer_(stream, state.pool),
          exchange_(stream, reader_, writer_, state) {}

    void run(ServerState::Slot& slot);
    void reject_overload();

private:
    enum class Next { request, close, linger };

    bool wait_for_request(ServerState::Slot& slot, bool first);
    Next read_head(std::size_t& head_size);
    void arm_head_deadline();
    Next serve_one(std::size_t head_size);
    Next respond_error(int status);
    int status_for_exception(std::exception_ptr e) const;
    void linger() noexcept;

    net::TcpStream& stream_;
    ServerState& state_;
    const ServerOptions& options_;
    net::BufferedReader reader_;
    net::BufferedWriter writer_;
    Exchange exchange_;
    Request request_;
    Response response_;
    bool head_deadline_armed_ = false;
};

void Connection::run(ServerState::Slot& slot) {
    std::error_code ec;
    Exchange::set_peer(request_, stream_.peer_endpoint(ec));
    Next next = Next::request;
    for (bool first = true; next == Next::request; first = false) {
        if (!wait_for_request(slot, first)) {
            return;
        }
        std::size_t head_size = 0;
        next = read_head(head_size);
        if (next == Next::request) {
            next = serve_one(head_size);
        }
    }
    exchange_.flush(ec);
    if (next == Next::linger && !ec) {
        linger();
    }
}

// Parks until the next request's first byte. False: EOF, an error, the keep-alive timeout,
// or shutdown: close quietly, as nothing is in progress.
bool Connection::wait_for_request(ServerState::Slot& slot, bool first) {
    std::error_code ec;
    if (!reader_.buffered().empty()) {
        head_deadline_armed_ = false;
        return true;  // a pipelined request is already here
    }
    exchange_.flush(ec);
    if (ec) {
        return false;
    }
    // An idle connection holds no buffer: it waits for readability first (fill() would take
    // a buffer before parking), so 10,000 idle keep-alive clients cost no 16 KiB each.
    reader_.release_buffer();
    writer_.release_buffer();
    if (!first && options_.keep_alive_timeout <= std::chrono::milliseconds::zero()) {
        return false;  // no keep-alive wait at all
    }
    if (!state_.enter_idle(slot, !first)) {
        return false;
    }
    // A new connection's head deadline covers its first byte; a kept-alive one waits with
    // none (the reaper enforces keep_alive_timeout).
    stream_.set_read_deadline(first ? Deadline::after(options_.header_timeout) : Deadline::never());
    head_deadline_armed_ = first;
    stream_.wait_readable(ec);
    // Still idle for the reaper and shutdown while the first bytes are read: should the
    // wait have woken spuriously, this read parks, and with no deadline of its own. If they
    // closed the stream meanwhile, the bytes read are dropped: no handler runs for a
    // request whose answer cannot be sent.
    const std::size_t n = ec ? 0 : reader_.fill(ec);
    const bool open = state_.leave_idle(slot);
    return n != 0 && !ec && open;
}

void Connection::arm_head_deadline() {
    if (!head_deadline_armed_) {
        stream_.set_read_deadline(Deadline::after(options_.header_timeout));
        head_deadline_armed_ = true;
    }
}

Connection::Next Connection::read_head(std::size_t& head_size) {
    RequestParser& parser = exchange_.parser();
    for (;;) {
        const ParseResult r = parser.parse(reader_.buffered());
        if (r.status == ParseResult::Status::head) {
            head_size = r.consumed;
            return Next::request;
        }
        if (r.status == ParseResult::Status::error) {
            return respond_error(static_cast<int>(status_for(r.error)));
        }
        reader_.consume(r.consumed);
        arm_head_deadline();  // once per head: one absolute bound from here (or accept)
        std::error_code ec;
        exchange_.flush(ec);
        if (ec) {
            return Next::close;
        }
        const std::size_t n = reader_.fill(parser.max_head_size(), ec);
        if (ec == weft::errc::timed_out) {
            return respond_error(408);
        }
        if (n == 0) {
            return Next::close;  // EOF or an error inside a head: nobody to answer
        }
    }
}

Connection::Next Connection::respond_error(int status) {
    // No request to hand a handler: answer from a blank exchange (HTTP/1.1, not HEAD).
    exchange_.begin_blank(request_, response_);
    exchange_.fail_with(status);
    std::error_code ec;
    exchange_.finish(ec);
    return ec ? Next::close : Next::linger;
}

Connection::Next Connection::serve_one(std::size_t head_size) {
    exchange_.begin(request_, response_, head_size);
    try {
        state_.handler(request_, response_);
    } catch (const std::exception&) {
        const int status = status_for_exception(std::current_exception());
        if (response_.head_sent()) {
            return Next::close;  // the framing is broken mid-body: only closing tells the client
        }
        exchange_.fail_with(status);
    }
    std::error_code ec;
    exchange_.finish(ec);
    if (ec) {
        return Next::close;
    }
    if (exchange_.reusable()) {
        return Next::request;
    }
    return reader_.buffered().empty() && exchange_.body_done() ? Next::close : Next::linger;
}

// The status for an exception out of a handler. The connection's own errors (a body read's
// parse error, a timeout, a reset or closed stream) are the client's doing or shutdown: they
// get their status. Anything else is the handler's bug: 500, and on_handler_error hears of it.
int Connection::status_for_exception(std::exception_ptr e) const {
    try {
        std::rethrow_exception(e);
    } catch (const std::system_error& err) {
        const std::error_code& ec = err.code();
        if (ec.category() == http::error_category()) {
            return static_cast<int>(status_for(ec));
        }
        if (ec == weft::errc::timed_out) {
            return 408;
        }
        if (ec.category() == weft::error_category() || ec == std::errc::connection_reset ||
            ec == std::errc::broken_pipe) {
            return 503;
        }
    } catch (...) {
    }
    options_.on_handler_error(request_, e);
    return 500;
}

void Connection::linger() noexcept {
    std::error_code ec;
    stream_.shutdown(net::Shutdown::write, ec);
    if (ec) {
        return;
    }
    stream_.set_read_deadline(Deadline::after(options_.linger_timeout));
    std::array<std::byte, 4096> sink;
    // Bounded in time by the deadline and in bytes by the cap: a client that keeps sending
    // at full speed cannot hold the connection open.
    std::size_t discarded = 0;
    while (discarded < 16 * 1024 * 1024) {
        const std::size_t n = stream_.read_some(sink, ec);
        if (n == 0 || ec) {
            return;
        }
        discarded += n;
    }
}

void Connection::reject_overload() {
    exchange_.begin_blank(request_, response_);
    exchange_.fail_with(503);
    std::error_code ec;
    exchange_.finish(ec);
    exchange_.flush(ec);
    if (!ec) {
        linger();
    }
}

}  // namespace

void serve_connection(net::TcpStream stream, ServerState& state) {
    Connection conn{stream, state};
    ServerState::Slot slot;
    slot.stream = &stream;
    if (!state.add(slot)) {
        conn.reject_overload();
        return;
    }
    try {
        conn.run(slot);
    } catch (...) {
        state.remove(slot);
        throw;
    }
    state.remove(slot);
}

}  // namespace weft::http::detail
