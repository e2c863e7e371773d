// Client: one exchange per pooled connection, retried once when a reused connection turns
// out stale, and redirects (opt-in, bounded).
//
// Retry rule: a request is sent again, on a fresh connection, only if (a) the connection
// came from the pool (a fresh one failing says the server is the problem), (b) no byte of a
// response arrived (the server cannot have answered), (c) the method is idempotent and the
// body can be sent twice (not a body_stream), (d) the failure was not a timeout or a cancel.
// That is Go's and Python's rule for a keep-alive connection the server closed while idle.
#include <limits>
#include <utility>

#include <weft/detail/throw_error.hpp>
#include <weft/error.hpp>
#include <weft/http/client.hpp>

#include "client_exchange.hpp"
#include "client_pool.hpp"

namespace weft::http {

namespace {

bool is_redirect(int status) noexcept {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool retryable(const ClientRequest& req, std::error_code ec) noexcept {
    return !req.body_stream && detail::is_idempotent(req.method) &&
           ec != make_error_code(weft::errc::timed_out) &&
           ec != make_error_code(weft::errc::cancelled);
}

// RFC 9110 §15.4: a 303 becomes a GET (HEAD stays HEAD); so does a 301/302 to a POST, as
// every browser and Go do. 307 and 308 resend the same request.
bool becomes_get(int status, std::string_view method) noexcept {
    return (status == 303 && method != "HEAD") ||
           ((status == 301 || status == 302) && method == "POST");
}

ClientRequest redirected(const ClientRequest& from, int status, const Url& was, const Url& to) {
    ClientRequest next;
    next.method = from.method;
    next.headers = from.headers;
    next.body = from.body;
    next.body_stream = from.body_stream;
    if (becomes_get(status, from.method)) {
        next.method = "GET";
        next.body.clear();
        next.body_stream = nullptr;
        next.headers.erase("Content-Type");
    }
    if (to.host != was.host || to.port != was.port) {  // credentials stay with their host
        next.headers.erase("Authorization");
        next.headers.erase("Proxy-Authorization");
        next.headers.erase("Cookie");
        next.headers.erase("Host");  // a caller's Host holds for its own authority only
    }
    return next;
}

[[noreturn]] void throw_request_error(std::error_code ec, std::string_view method,
                                      const std::string& url, std::string_view step) {
    weft::detail::throw_error(ec, method, url + ": " + std::string{step});
}

}  // namespace

Client::Client(ClientOptions options)
    : options_(std::move(options)),
      pool_(std::make_shared<detail::ConnectionPool>(options_.max_connections_per_host,
                                                     options_.max_idle_per_host)) {}

Client::~Client() = default;  // idle connections close with the pool, once no stream holds it

void Client::close_idle() noexcept {
    pool_->close_idle();
}

Deadline Client::overall_deadline() const noexcept {
    return detail::earliest(Deadline::never(), options_.timeout);
}

ResponseStream Client::send_once(const ClientRequest& req, const Url& url, std::string_view& step,
                                 Deadline overall, std::error_code& ec) {
    step = "build request";
    const std::string head = detail::request_head(req, url, options_, ec);
    if (ec) {
        return {};
    }
    const std::string key = url.authority();
    Limits limits = options_.limits;
    limits.max_body = std::numeric_limits<std::uint64_t>::max();  // ClientOptions::max_body
    for (int attempt = 0;; ++attempt) {
        step = "wait for a connection";
        std::unique_ptr<detail::ClientConnection> conn =
            pool_->acquire(key, overall, attempt > 0, ec);
        if (ec) {
            return {};
        }
        const bool reused = conn != nullptr;
        if (!reused) {
            step = "connect";
            net::TcpStream s = net::TcpStream::connect(
                url.host, url.port, detail::earliest(overall, options_.connect_timeout), ec);
            if (ec) {
                pool_->abandon(key);
                return {};
            }
            std::error_code ignored;  // Nagle only delays a request's small head
            s.set_nodelay(true, ignored);
            conn = std::make_unique<detail::ClientConnection>(std::move(s), key, limits);
        }
        // From here the stream owns the connection: every way out gives it back.
        ResponseStream rs{pool_,           std::move(conn),       req.method,
                          url.to_string(), options_.read_timeout, overall};
        step = "send request";
        rs.conn_->stream.set_write_deadline(detail::earliest(overall, options_.write_timeout));
        detail::write_request(*rs.conn_, head, req, ec);
        bool got_bytes = false;
        if (!ec) {
            step = "read response head";
            rs.read_head(got_bytes, ec);
        }
        if (!ec) {
            return rs;
        }
        if (!reused || got_bytes || attempt > 0 || !retryable(req, ec)) {
            return {};
        }
    }
}

ResponseStream Client::follow(const ClientRequest& req, std::string& url_text,
                              std::string_view& step, Deadline overall, std::error_code& ec) {
    step = "parse URL";
    Url url = Url::parse(url_text, ec);
    if (ec) {
        return {};
    }
    ClientRequest current_storage;  // the request after a redirect changed it
    const ClientRequest* current = &req;
    for (int hop = 0;; ++hop) {
        ResponseStream rs = send_once(*current, url, step, overall, ec);
        rs.redirects_ = hop;
        const bool can_resend = !current->body_stream || becomes_get(rs.status(), current->method);
        if (ec || !options_.follow_redirects || !is_redirect(rs.status()) ||
            !rs.headers().contains("Location") || !can_resend) {
            return rs;
        }
        step = "redirect";
        if (hop >= options_.max_redirects) {
            ec = client_errc::too_many_redirects;
            return {};
        }
        Url next = resolve_reference(url, rs.headers().get("Location"), ec);
        if (ec) {
            return {};
        }
        rs.discard();  // the connection goes back to the pool if the body was small
        current_storage = redirected(*current, rs.status(), url, next);
        current = &current_storage;
        url = std::move(next);
        url_text = url.to_string();
    }
}

ClientResponse Client::read_whole(ResponseStream& rs, std::error_code& ec) {
    ClientResponse r;
    if (rs.content_length() > 0 &&
        static_cast<std::uint64_t>(rs.content_length()) > options_.max_body) {
        ec = client_errc::body_too_large;
        return r;
    }
    for (;;) {
        const net::ConstBuffer chunk = rs.read_chunk(ec);
        if (ec || chunk.empty()) {
            break;
        }
        if (r.body.size() + chunk.size() > options_.max_body) {
            ec = client_errc::body_too_large;
            rs.close();
            return r;
        }
        r.body.append(net::as_string(chunk));
    }
    r.status = rs.status_;
    r.reason = std::move(rs.reason_);
    r.headers = std::move(rs.headers_);
    r.trailers = std::move(rs.trailers_);
    r.url = rs.url_;
    r.redirects = rs.redirects_;
    return r;
}

ResponseStream Client::stream(const ClientRequest& req, std::error_code& ec) {
    std::string url = req.url;
    std::string_view step;
    ResponseStream rs = follow(req, url, step, overall_deadline(), ec);
    rs.deadline_ = Deadline::never();  // a download's body may take long: read_timeout bounds it
    return rs;
}

ResponseStream Client::stream(const ClientRequest& req) {
    std::string url = req.url;
    std::string_view step;
    std::error_code ec;
    ResponseStream rs = follow(req, url, step, overall_deadline(), ec);
    if (ec) {
        throw_request_error(ec, req.method, url, step);
    }
    rs.deadline_ = Deadline::never();
    return rs;
}

ClientResponse Client::request(const ClientRequest& req, std::error_code& ec) {
    std::string url = req.url;
    std::string_view step;
    ResponseStream rs = follow(req, url, step, overall_deadline(), ec);
    return ec ? ClientResponse{} : read_whole(rs, ec);
}

ClientResponse Client::request(const ClientRequest& req) {
    std::string url = req.url;
    std::string_view step;
    std::error_code ec;
    ResponseStream rs = follow(req, url, step, overall_deadline(), ec);
    ClientResponse r;
    if (!ec) {
        step = "read body";
        r = read_whole(rs, ec);
    }
    if (ec) {
        throw_request_error(ec, req.method, url, step);
    }
    return r;
}

ClientResponse Client::get(std::string_view url) {
    return request(ClientRequest{.url = std::string{url}});
}
ClientResponse Client::get(std::string_view url, std::error_code& ec) {
    return request(ClientRequest{.url = std::string{url}}, ec);
}

namespace {
ClientRequest post_request(std::string_view url, std::string body, std::string_view type) {
    ClientRequest req{.method = "POST", .url = std::string{url}, .body = std::move(body)};
    if (!type.empty()) {
        req.headers.add("Content-Type", type);
    }
    return req;
}
}  // namespace

ClientResponse Client::post(std::string_view url, std::string body, std::string_view type) {
    return request(post_request(url, std::move(body), type));
}
ClientResponse Client::post(std::string_view url, std::string body, std::string_view type,
                            std::error_code& ec) {
    return request(post_request(url, std::move(body), type), ec);
}

}  // namespace weft::http
