#include <stdexcept>

#include <weft/http/router.hpp>

namespace weft::http {

namespace {

// Splits "/a/b/" into "a", "b", "" (the trailing empty segment is kept: "/a/" != "/a").
std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    if (!path.empty() && path.front() == '/') {
        path.remove_prefix(1);
    }
    for (;;) {
        const auto slash = path.find('/');
        parts.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) {
            return parts;
        }
        path.remove_prefix(slash + 1);
    }
}

bool method_matches(std::string_view route, std::string_view request) {
    return route == request || (route == "GET" && request == "HEAD");
}

}  // namespace

std::vector<Router::Segment> Router::compile(std::string_view pattern) {
    if (pattern.empty() || pattern.front() != '/') {
        throw std::invalid_argument("weft::http::Router: pattern '" + std::string(pattern) +
                                    "' does not start with '/'");
    }
    std::vector<Segment> segments;
    const auto parts = split_path(pattern);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string_view p = parts[i];
        if (p.size() < 2 || p.front() != '{' || p.back() != '}') {
            segments.push_back({Segment::Kind::literal, std::string(p)});
            continue;
        }
        p = p.substr(1, p.size() - 2);
        if (p.ends_with("...")) {
            if (i + 1 != parts.size()) {
                throw std::invalid_argument("weft::http::Router: '{" + std::string(p) +
                                            "}' must be the last segment of '" +
                                            std::string(pattern) + "'");
            }
            segments.push_back({Segment::Kind::rest, std::string(p.substr(0, p.size() - 3))});
        } else {
            segments.push_back({Segment::Kind::param, std::string(p)});
        }
    }
    return segments;
}

Router& Router::add(std::string_view method, std::string_view pattern, Handler handler) {
    routes_.push_back({std::string(method), compile(pattern), std::move(handler)});
    return *this;
}

Router& Router::fallback(Handler h) {
    fallback_ = std::move(h);
    return *this;
}

// Decodes `text` into `out`, reusing its memory; false for a malformed escape.
static bool decode_into(std::string_view text, std::string& out) {
    if (text.find('%') == std::string_view::npos) {
        out.assign(text);
        return true;
    }
    auto decoded = percent_decode(text);
    if (!decoded) {
        return false;
    }
    out = std::move(*decoded);
    return true;
}

// Walks the path segment by segment, without allocating once `params` and `scratch` have
// grown: the router runs for every request. Throws std::invalid_argument for a malformed
// %-escape (the caller answers 400).
bool Router::match(const Route& route, std::string_view path, Params& params,
                   std::string& scratch) {
    std::size_t used = 0;
    auto capture = [&](const std::string& name, std::string_view raw) {
        if (used == params.size()) {
            params.emplace_back();
        }
        params[used].first.assign(name);
        if (!decode_into(raw, params[used].second)) {
            throw std::invalid_argument("bad escape");
        }
        ++used;
    };
    std::string_view rest = path.starts_with('/') ? path.substr(1) : path;
    bool more = true;  // a segment (possibly empty) remains
    for (const Segment& seg : route.segments) {
        if (seg.kind == Segment::Kind::rest) {
            capture(seg.text, more ? rest : std::string_view{});
            params.resize(used);
            return true;
        }
        if (!more) {
            return false;
        }
        const auto slash = rest.find('/');
        const std::string_view part = rest.substr(0, slash);
        more = slash != std::string_view::npos;
        rest = more ? rest.substr(slash + 1) : std::string_view{};
        if (seg.kind == Segment::Kind::param) {
            capture(seg.text, part);
        } else if (part.find('%') == std::string_view::npos) {
            if (part != seg.text) {
                return false;  // the common case: compared in place, nothing copied
            }
        } else if (!decode_into(part, scratch)) {
            throw std::invalid_argument("bad escape");
        } else if (scratch != seg.text) {
            return false;
        }
    }
    params.resize(used);
    return !more;
}

void Router::operator()(Request& req, Response& res) const {
    const Route* found = nullptr;
    std::string allow;
    std::string scratch;
    try {
        for (const Route& route : routes_) {
            if (!match(route, req.path(), req.params_, scratch)) {
                continue;
            }
            if (method_matches(route.method, req.method())) {
                found = &route;
                break;
            }
            allow += allow.empty() ? "" : ", ";
            allow += route.method;
        }
    } catch (const std::invalid_argument&) {
        res.set_status(StatusCode::bad_request);
        res.set_body("Bad Request\n", "text/plain");
        return;
    }
    if (found != nullptr) {
        found->handler(req, res);
    } else if (fallback_) {
        req.params_.clear();
        fallback_(req, res);
    } else if (!allow.empty()) {
        res.set_status(StatusCode::method_not_allowed);
        res.set_header("Allow", allow);
        res.set_body("Method Not Allowed\n", "text/plain");
    } else {
        res.set_status(StatusCode::not_found);
        res.set_body("Not Found\n", "text/plain");
    }
}

}  // namespace weft::http
