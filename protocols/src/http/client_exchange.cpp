// Request serialization. Every byte that goes on the wire is checked here: a header value
// with CR or LF would let a caller (or a URL from a redirect) inject a second request.
#include "client_exchange.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "chars.hpp"

namespace weft::http::detail {

namespace {

void add_field(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

// Fields the client owns: framing is decided by the body, never by the caller.
bool client_owned(std::string_view name) noexcept {
    return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding");
}

bool sends_length(const ClientRequest& req) noexcept {
    return !req.body.empty() || req.method == "POST" || req.method == "PUT" ||
           req.method == "PATCH";
}

}  // namespace

std::string request_head(const ClientRequest& req, const Url& url, const ClientOptions& options,
                         std::error_code& ec) {
    ec.clear();
    std::string out;
    if (!is_token(req.method) || !is_field_value(options.user_agent)) {
        ec = client_errc::invalid_request;
        return out;
    }
    out.reserve(256);
    out += req.method;
    out += ' ';
    out += url.target;
    out += " HTTP/1.1\r\n";
    if (!req.headers.contains("Host")) {
        add_field(out, "Host", url.authority());
    }
    if (!options.user_agent.empty() && !req.headers.contains("User-Agent")) {
        add_field(out, "User-Agent", options.user_agent);
    }
    for (const auto field : req.headers) {
        if (!is_token(field.name) || !is_field_value(field.value)) {
            ec = client_errc::invalid_request;
            return out;
        }
        if (!client_owned(field.name)) {
            add_field(out, field.name, field.value);
        }
    }
    if (req.body_stream) {
        add_field(out, "Transfer-Encoding", "chunked");
    } else if (sends_length(req)) {
        add_field(out, "Content-Length", std::to_string(req.body.size()));
    }
    if (options.max_idle_per_host == 0 && !req.headers.contains("Connection")) {
        add_field(out, "Connection", "close");
    }
    out += "\r\n";
    return out;
}

namespace {

// Each chunk as size line, data, CRLF; the empty buffer ends the body (no trailers).
void write_chunked(ClientConnection& c, const ClientRequest& req, std::error_code& ec) {
    for (;;) {
        const net::ConstBuffer data = req.body_stream();
        std::array<char, 20> size;
        const int n = std::snprintf(size.data(), size.size(), "%zx\r\n", data.size());
        const std::array<net::ConstBuffer, 3> parts = {
            net::as_bytes({size.data(), static_cast<std::size_t>(n)}), data, net::as_bytes("\r\n")};
        c.stream.write_all(parts, ec);
        if (ec || data.empty()) {
            return;
        }
    }
}

}  // namespace

void write_request(ClientConnection& c, const std::string& head, const ClientRequest& req,
                   std::error_code& ec) {
    if (req.body_stream) {
        c.stream.write_all(net::as_bytes(head), ec);
        if (!ec) {
            write_chunked(c, req, ec);
        }
        return;
    }
    const std::array<net::ConstBuffer, 2> parts = {net::as_bytes(head), net::as_bytes(req.body)};
    c.stream.write_all(parts, ec);
}

bool is_idempotent(std::string_view method) noexcept {
    return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
           method == "OPTIONS" || method == "TRACE";
}

Deadline earliest(Deadline d, std::chrono::milliseconds timeout) noexcept {
    if (timeout.count() <= 0) {
        return d;
    }
    const Deadline t = Deadline::after(timeout);
    return t.time_point() < d.time_point() ? t : d;
}

}  // namespace weft::http::detail
