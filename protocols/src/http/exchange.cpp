// Request bodies in, response heads and bodies out, for one exchange at a time.
#include "exchange.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <weft/error.hpp>

#include "date.hpp"
#include "server_state.hpp"

namespace weft::http::detail {

namespace {

constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

bool managed_header(std::string_view name) noexcept {
    // The server writes these itself, from the framing it chose and the keep-alive state.
    return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
           iequals(name, "Connection");
}

bool status_has_body(int status) noexcept {
    return status != 204 && status != 304;
}

void append_number(std::string& out, std::uint64_t n) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
    out.append(digits, end);
}

}  // namespace

Exchange::Exchange(net::TcpStream& stream, net::BufferedReader& reader, net::BufferedWriter& writer,
                   const ServerState& state) noexcept
    : stream_(stream),
      reader_(reader),
      writer_(writer),
      state_(state),
      options_(state.options),
      parser_(options_.limits) {}

void Exchange::begin(Request& req, Response& res, std::size_t head_size) {
    const RequestHead& head = parser_.head();
    req.method_.assign(head.method);
    req.target_.assign(head.target);
    req.version_minor_ = head.version_minor;
    req.headers_.clear();
    for (const Header& h : head.headers) {
        req.headers_.add(h.name, h.value);
    }
    req.body_kind_ = head.body;
    req.content_length_ = head.content_length;
    // The head's views die here: the bytes are consumed and the next fill may reuse them.
    reader_.consume(head_size);
    reset(req, res);
    head_request_ = req.method_ == "HEAD";
    keep_alive_ = head.keep_alive;
    body_done_ = head.body == BodyKind::none ||
                 (head.body == BodyKind::content_length && head.content_length == 0);
    continue_pending_ = head.expect_continue && !body_done_;
    if (body_done_) {
        // No body: the parser answers done without reading, and is then ready for the next
        // request (pipelined bytes stay buffered).
        reader_.consume(parser_.parse(reader_.buffered()).consumed);
    }
}

void Exchange::begin_blank(Request& req, Response& res) {
    req.method_.clear();
    req.target_.clear();
    req.version_minor_ = 1;
    req.headers_.clear();
    req.body_kind_ = BodyKind::none;
    req.content_length_ = 0;
    reset(req, res);
    keep_alive_ = false;
}

void Exchange::reset(Request& req, Response& res) noexcept {
    req.exchange_ = this;
    req.trailers_.clear();
    req.params_.clear();
    req.pending_ = {};
    res.exchange_ = this;
    res.status_ = 200;
    res.headers_.clear();
    res.body_.clear();
    res.head_sent_ = false;
    req_ = &req;
    res_ = &res;
    head_request_ = false;
    keep_alive_ = false;
    continue_pending_ = false;
    body_done_ = true;
    failed_ = false;
    broken_ = false;
    pending_consume_ = 0;
    framing_ = Framing::none;
    declared_ = 0;
    written_ = 0;
}

// ---- request body ---------------------------------------------------------------------------

net::ConstBuffer Exchange::read_body_some(std::error_code& ec) noexcept {
    ec.clear();
    reader_.consume(pending_consume_);  // the previous view ends here
    pending_consume_ = 0;
    if (body_done_ || failed_) {
        if (failed_) {
            ec = make_error_code(weft::errc::closed);
        }
        return {};
    }
    if (continue_pending_) {
        send_continue(ec);
        if (ec) {
            failed_ = true;
            return {};
        }
    }
    for (;;) {
        const ParseResult r = parser_.parse(reader_.buffered());
        switch (r.status) {
            case ParseResult::Status::body:
                pending_consume_ = r.consumed;
                return r.body;
            case ParseResult::Status::done:
                for (const Header& h : parser_.trailers()) {
                    req_->trailers_.add(h.name, h.value);
                }
                reader_.consume(r.consumed);
                body_done_ = true;
                return {};
            case ParseResult::Status::error:
                ec = r.error;
                failed_ = true;
                return {};
            default:
                break;
        }
        reader_.consume(r.consumed);
        if (fill(options_.body_idle_timeout, ec) == 0) {
            if (!ec) {
                ec = parser_.finish().error;  // EOF inside the body
                if (!ec) {
                    ec = make_error_code(weft::errc::unexpected_eof);
                }
            }
            failed_ = true;
            return {};
        }
    }
}

void Exchange::send_continue(std::error_code& ec) noexcept {
    continue_pending_ = false;
    arm_write_deadline();
    writer_.write(net::as_bytes(continue_line), ec);
    if (!ec) {
        writer_.flush(ec);
    }
}

bool Exchange::discard_body() noexcept {
    if (continue_pending_) {
        return false;  // the client waits for 100 before sending: the body will not come
    }
    std::size_t discarded = 0;
    std::error_code ec;
    while (!body_done_) {
        const net::ConstBuffer piece = read_body_some(ec);
        discarded += piece.size();
        if (ec || discarded > options_.max_discard) {
            return false;
        }
    }
    return true;  // the done answer consumed the last piece's bytes
}

// ---- response -------------------------------------------------------------------------------

Exchange::Framing Exchange::choose_framing(bool buffered) {
    Response& res = *res_;
    if (state_.draining() || res.headers_.has_token("Connection", "close")) {
        keep_alive_ = false;
    }
    if (!body_done_ && continue_pending_) {
        keep_alive_ = false;  // the client holds its body until a 100 that will not come
    }
    if (!status_has_body(res.status_)) {
        return Framing::none;
    }
    if (buffered) {
        declared_ = res.body_.size();
        return Framing::length;
    }
    std::string_view length = res.headers_.get("Content-Length");
    if (!length.empty()) {
        auto [end, err] = std::from_chars(length.data(), length.data() + length.size(), declared_);
        if (err != std::errc{} || end != length.data() + length.size()) {
            throw std::invalid_argument("weft::http::Response: Content-Length is not a number");
        }
        return Framing::length;
    }
    if (req_->version_minor_ >= 1) {
        return Framing::chunked;
    }
    keep_alive_ = false;
    return Framing::until_close;
}

void Exchange::append_head(Framing framing) {
    const Response& res = *res_;
    head_.assign("HTTP/1.1 ");
    append_number(head_, static_cast<std::uint64_t>(res.status_));
    head_ += ' ';
    head_ += reason_phrase(res.status_);
    head_ += "\r\n";
    if (options_.server_header && !res.headers_.contains("Server")) {
        head_ += "Server: weft\r\n";
    }
    if (!res.headers_.contains("Date")) {
        head_ += "Date: ";
        head_ += http_date();
        head_ += "\r\n";
    }
    for (Fields::Field f : res.headers_) {
        if (!managed_header(f.name)) {
            head_.append(f.name).append(": ").append(f.value).append("\r\n");
        }
    }
    if (framing == Framing::length) {
        head_ += "Content-Length: ";
        append_number(head_, declared_);
        head_ += "\r\n";
    } else if (framing == Framing::chunked) {
        head_ += "Transfer-Encoding: chunked\r\n";
    }
    if (!keep_alive_) {
        head_ += "Connection: close\r\n";
    } else if (req_->version_minor_ == 0) {
        head_ += "Connection: keep-alive\r\n";
    }
    head_ += "\r\n";
}

void Exchange::send_head(bool buffered, std::error_code& ec) {
    framing_ = choose_framing(buffered);
    if (head_request_ && framing_ != Framing::length) {
        framing_ = Framing::none;  // HEAD: the head only, and no chunked framing to end
    }
    append_head(framing_);
    res_->head_sent_ = true;
    // A response that starts before its request body was read: 100 Continue must not follow.
    continue_pending_ = false;
    arm_write_deadline();
    writer_.write(net::as_bytes(head_), ec);
    if (ec) {
        broken_ = true;
    }
}

void Exchange::write(net::ConstBuffer data, std::error_code& ec) {
    ec.clear();
    if (!res_->head_sent_) {
        send_head(false, ec);
        if (ec) {
            return;
        }
    }
    if (!res_->body_.empty()) {
        write_buffered_body(ec);  // what set_body()/body() held goes before the stream
        if (ec) {
            return;
        }
    }
    if (data.empty() || head_request_ || framing_ == Framing::none) {
        return;
    }
    if (framing_ == Framing::length && written_ + data.size() > declared_) {
        broken_ = true;
        throw std::logic_error("weft::http::Response: body longer than its Content-Length");
    }
    written_ += data.size();
    arm_write_deadline();
    if (framing_ == Framing::chunked) {
        char size_line[24];
        const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
        const net::ConstBuffer parts[] = {
            {reinterpret_cast<const std::byte*>(size_line), static_cast<std::size_t>(n)},
            data,
            net::as_bytes("\r\n"),
        };
        writer_.write(parts, ec);
    } else {
        writer_.write(data, ec);
    }
    if (ec) {
        broken_ = true;
    }
}

void Exchange::finish(std::error_code& ec) {
    ec.clear();
    Response& res = *res_;
    if (!res.head_sent_) {
        send_head(true, ec);
        if (!ec && framing_ == Framing::length && !head_request_ && !res.body_.empty()) {
            writer_.write(net::as_bytes(res.body_), ec);  // a large body goes out uncopied
        }
    } else {
        write_buffered_body(ec);  // body() appended to after the first write()
        if (!ec && framing_ == Framing::chunked && !head_request_) {
            arm_write_deadline();
            writer_.write(net::as_bytes("0\r\n\r\n"), ec);
        } else if (framing_ == Framing::length && !head_request_ && written_ != declared_) {
            broken_ = true;  // the client waits for bytes that will not come: close
        }
    }
    if (ec) {
        broken_ = true;
    }
}

// Streams the buffered body as the next piece, then empties it (keeping its memory).
void Exchange::write_buffered_body(std::error_code& ec) {
    std::string& body = res_->body_;
    if (body.empty()) {
        return;
    }
    std::string pending;
    pending.swap(body);  // write() must see no buffered body, or it would recurse
    write(net::as_bytes(pending), ec);
    pending.clear();
    body.swap(pending);  // the memory stays with the Response for the next request
}

void Exchange::fail_with(int status) {
    Response& res = *res_;
    res.status_ = status;
    res.headers_.clear();
    res.headers_.add("Content-Type", "text/plain");
    res.body_.assign(error_body(status));
    keep_alive_ = false;
}

bool Exchange::reusable() {
    if (!keep_alive_ || broken_ || failed_) {
        return false;
    }
    return body_done_ || discard_body();
}

// ---- I/O ------------------------------------------------------------------------------------

std::size_t Exchange::fill(std::chrono::milliseconds timeout, std::error_code& ec) {
    flush(ec);  // never wait for input with responses still buffered
    if (ec) {
        return 0;
    }
    stream_.set_read_deadline(Deadline::after(timeout));
    return reader_.fill(parser_.max_head_size(), ec);
}

void Exchange::flush(std::error_code& ec) noexcept {
    ec.clear();
    if (writer_.pending() != 0) {
        arm_write_deadline();
        writer_.flush(ec);
    }
}

void Exchange::arm_write_deadline() noexcept {
    stream_.set_write_deadline(Deadline::after(options_.write_idle_timeout));
}

std::string_view error_body(int status) noexcept {
    switch (status) {
        case 400:
            return "Bad Request\n";
        case 408:
            return "Request Timeout\n";
        case 413:
            return "Content Too Large\n";
        case 414:
            return "URI Too Long\n";
        case 431:
            return "Request Header Fields Too Large\n";
        case 501:
            return "Not Implemented\n";
        case 503:
            return "Service Unavailable\n";
        case 505:
            return "HTTP Version Not Supported\n";
        default:
            return "Internal Server Error\n";
    }
}

}  // namespace weft::http::detail
