#pragma once

// A small request router: method + path pattern → handler, with path parameters.

#include <string>
#include <string_view>
#include <vector>

#include <weft/http/request.hpp>
#include <weft/http/response.hpp>
#include <weft/http/server.hpp>

namespace weft::http {

/// Routes by method and path. A pattern is a path whose segments are literals, "{name}"
/// (one segment, any text) or, last, "{name...}" (the rest of the path, possibly empty):
///
///     Router r;
///     r.get("/users/{id}", [](auto& req, auto& res) { res.set_body(req.param("id")); });
///     r.get("/static/{file...}", serve_static);
///     auto server = Server::bind("127.0.0.1:8080", r);
///
/// Routes are tried in the order they were added; the first match wins. A GET route also
/// answers HEAD. No match for the path: 404; the path matches but not the method: 405
/// with an Allow header. Parameters are percent-decoded; a path with a malformed escape
/// gets 400. Add every route before serving: lookups do not lock.
class Router {
public:
    Router& add(std::string_view method, std::string_view pattern, Handler handler);
    Router& get(std::string_view pattern, Handler h) { return add("GET", pattern, std::move(h)); }
    Router& post(std::string_view pattern, Handler h) { return add("POST", pattern, std::move(h)); }
    Router& put(std::string_view pattern, Handler h) { return add("PUT", pattern, std::move(h)); }
    Router& patch(std::string_view pattern, Handler h) {
        return add("PATCH", pattern, std::move(h));
    }
    Router& del(std::string_view pattern, Handler h) {
        return add("DELETE", pattern, std::move(h));
    }
    /// Answers requests no route matches (instead of 404/405).
    Router& fallback(Handler h);

    /// Dispatches one request.
    void operator()(Request& req, Response& res) const;

private:
    struct Segment {
        enum class Kind { literal, param, rest } kind;
        std::string text;  // the literal, or the parameter's name
    };
    struct Route {
        std::string method;
        std::vector<Segment> segments;
        Handler handler;
    };
    static std::vector<Segment> compile(std::string_view pattern);
    using Params = std::vector<std::pair<std::string, std::string>>;
    static bool match(const Route& route, std::string_view path, Params& params,
                      std::string& scratch);

    std::vector<Route> routes_;
    Handler fallback_;
};

}  // namespace weft::http
