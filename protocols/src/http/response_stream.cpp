// ResponseStream: reading a response off a pooled connection.
//
// States (state_):
//   empty     default-constructed or moved from; no connection
//   reading   the head is in; the body is being read; conn_ is leased from the pool
//   done      the body ended cleanly; conn_ went back to the pool (kept idle only if the
//             response allowed keep-alive and no byte followed it)
//   failed    an error, or close() before the end; conn_ was closed; error_ is sticky
// A connection is reused only from `done`: after a parser error (ambiguous framing, a bad
// chunk), a read error, a timeout or an abandoned body it is closed.
#include <algorithm>
#include <cstring>
#include <utility>

#include <weft/detail/throw_error.hpp>
#include <weft/error.hpp>
#include <weft/http/response_stream.hpp>

#include "client_exchange.hpp"
#include "client_pool.hpp"

namespace weft::http {

using Status = ParseResult::Status;

ResponseStream::ResponseStream() noexcept = default;

ResponseStream::ResponseStream(std::shared_ptr<detail::ConnectionPool> pool,
                               std::unique_ptr<detail::ClientConnection> conn, std::string method,
                               std::string url, std::chrono::milliseconds read_timeout,
                               Deadline deadline) noexcept
    : pool_(std::move(pool)),
      conn_(std::move(conn)),
      method_(std::move(method)),
      url_(std::move(url)),
      read_timeout_(read_timeout),
      deadline_(deadline) {}

ResponseStream::ResponseStream(ResponseStream&& other) noexcept {
    *this = std::move(other);
}

ResponseStream& ResponseStream::operator=(ResponseStream&& o) noexcept {
    if (this != &o) {
        close();
        pool_ = std::move(o.pool_);
        conn_ = std::move(o.conn_);
        state_ = std::exchange(o.state_, State::empty);
        error_ = o.error_;
        pending_ = std::exchange(o.pending_, {});
        status_ = o.status_;
        reason_ = std::move(o.reason_);
        headers_ = std::move(o.headers_);
        trailers_ = std::move(o.trailers_);
        body_kind_ = o.body_kind_;
        content_length_ = o.content_length_;
        keep_alive_ = o.keep_alive_;
        method_ = std::move(o.method_);
        url_ = std::move(o.url_);
        redirects_ = o.redirects_;
        body_read_ = o.body_read_;
        read_timeout_ = o.read_timeout_;
        deadline_ = o.deadline_;
    }
    return *this;
}

ResponseStream::~ResponseStream() {
    close();
}

std::size_t ResponseStream::fill(std::error_code& ec) noexcept {
    detail::ClientConnection& c = *conn_;
    c.stream.set_read_deadline(detail::earliest(deadline_, read_timeout_));
    // A head or trailer section is answered only once whole: let the buffer grow to it.
    return c.reader.fill(c.parser.max_head_size(), ec);
}

void ResponseStream::read_head(bool& got_bytes, std::error_code& ec) noexcept {
    detail::ClientConnection& c = *conn_;
    c.parser.set_request_method(method_);
    got_bytes = !c.reader.buffered().empty();
    for (;;) {
        const ParseResult res = c.parser.parse(c.reader.buffered());
        c.reader.consume(res.consumed);  // the head's views stay valid until the next fill
        if (res.status == Status::error) {
            ec = res.error;
            return fail(ec);
        }
        if (res.status == Status::head && c.parser.head().status >= 200) {
            take_head();
            return;
        }
        if (res.status == Status::head && c.parser.head().status == 101) {
            ec = client_errc::unexpected_upgrade;
            return fail(ec);
        }
        if (res.status == Status::need_more) {  // (a 1xx head and its done just loop)
            if (fill(ec) == 0) {
                if (!ec) {
                    ec = got_bytes ? std::error_code{errc::unexpected_eof}
                                   : std::error_code{client_errc::no_response};
                }
                return fail(ec);
            }
            got_bytes = true;
        }
    }
}

void ResponseStream::take_head() noexcept {
    const ResponseHead& h = conn_->parser.head();
    status_ = h.status;
    reason_.assign(h.reason);
    for (const Header& f : h.headers) {
        headers_.add(f.name, f.value);
    }
    body_kind_ = h.body;
    content_length_ =
        h.body == BodyKind::content_length ? static_cast<std::int64_t>(h.content_length) : -1;
    keep_alive_ = h.keep_alive;
    state_ = State::reading;
}

net::ConstBuffer ResponseStream::read_chunk(std::error_code& ec) noexcept {
    ec.clear();
    if (!pending_.empty()) {
        return std::exchange(pending_, {});
    }
    if (state_ == State::reading) {
        return next(ec);
    }
    if (state_ != State::done) {
        ec = error_ ? error_ : make_error_code(weft::errc::closed);
    }
    return {};
}

net::ConstBuffer ResponseStream::next(std::error_code& ec) noexcept {
    detail::ClientConnection& c = *conn_;
    for (;;) {
        const ParseResult res = c.parser.parse(c.reader.buffered());
        c.reader.consume(res.consumed);  // the body view stays valid until the next fill
        switch (res.status) {
            case Status::body:
                body_read_ += res.body.size();
                return res.body;
            case Status::done:
                for (const Header& f : c.parser.trailers()) {
                    trailers_.add(f.name, f.value);
                }
                finish();
                return {};
            case Status::error:
            case Status::head:  // cannot happen after a final head; treat as malformed
                ec = res.error ? res.error : make_error_code(http::errc::bad_status);
                fail(ec);
                return {};
            case Status::need_more:
                if (fill(ec) == 0) {
                    return on_eof(ec);
                }
                break;
        }
    }
}

// EOF (or a read error) in the body: fine only for a body delimited by the close.
net::ConstBuffer ResponseStream::on_eof(std::error_code& ec) noexcept {
    if (!ec) {
        const ParseResult fin = conn_->parser.finish();
        if (fin.status == Status::done) {
            keep_alive_ = false;
            finish();
            return {};
        }
        ec = fin.error ? fin.error : make_error_code(http::errc::unexpected_eof);
    }
    fail(ec);
    return {};
}

void ResponseStream::finish() noexcept {
    state_ = State::done;
    const bool reusable = keep_alive_ && conn_->reader.buffered().empty();
    pool_->release(std::move(conn_), reusable);
}

void ResponseStream::fail(std::error_code ec) noexcept {
    state_ = State::failed;
    error_ = ec;
    pending_ = {};
    if (conn_) {
        pool_->release(std::move(conn_), false);
    }
}

void ResponseStream::close() noexcept {
    pending_ = {};
    if (conn_) {
        pool_->release(std::move(conn_), false);
    }
    if (state_ == State::reading) {
        state_ = State::failed;
        error_ = make_error_code(weft::errc::closed);
    }
}

void ResponseStream::discard(std::uint64_t limit) noexcept {
    pending_ = {};
    if (state_ == State::reading && content_length_ > static_cast<std::int64_t>(limit)) {
        return close();
    }
    std::uint64_t dropped = 0;
    std::error_code ec;
    while (state_ == State::reading) {
        dropped += next(ec).size();
        if (dropped > limit) {
            return close();
        }
    }
}

net::ConstBuffer ResponseStream::read_chunk() {
    std::error_code ec;
    const net::ConstBuffer chunk = read_chunk(ec);
    if (ec) {
        throw_read_error(ec);
    }
    return chunk;
}

std::size_t ResponseStream::read_some(net::MutableBuffer out, std::error_code& ec) noexcept {
    const net::ConstBuffer chunk = read_chunk(ec);
    const std::size_t n = std::min(out.size(), chunk.size());
    if (n > 0) {
        std::memcpy(out.data(), chunk.data(), n);
    }
    pending_ = chunk.subspan(n);
    return n;
}

std::size_t ResponseStream::read_some(net::MutableBuffer out) {
    std::error_code ec;
    const std::size_t n = read_some(out, ec);
    if (ec) {
        throw_read_error(ec);
    }
    return n;
}

void ResponseStream::throw_read_error(std::error_code ec) const {
    weft::detail::throw_error(ec, method_, url_ + ": read body");
}

}  // namespace weft::http
