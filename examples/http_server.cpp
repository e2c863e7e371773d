// http_server [ADDRESS] [--threads N] [--backend KIND] [--root DIR]
//
//   GET  /hello          "Hello, World!" (13 bytes)
//   POST /echo           the request body back, streamed as it arrives (chunked)
//   GET  /{path...}      with --root: the file DIR/path (never outside DIR)
//
// One fiber per connection and a plain blocking handler per request: weft::http::Server
// parses, frames, times out and keeps connections alive; the handlers only answer.
#include <array>
#include <cstdio>
#include <exception>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <weft/http/router.hpp>
#include <weft/http/server.hpp>
#include <weft/weft.hpp>

#include "example_options.hpp"

namespace fs = std::filesystem;
using weft::http::Request;
using weft::http::Response;

namespace {

std::string_view content_type(const fs::path& p) {
    const std::string ext = p.extension().string();
    if (ext == ".html" || ext == ".htm") {
        return "text/html; charset=utf-8";
    }
    if (ext == ".txt" || ext == ".md") {
        return "text/plain; charset=utf-8";
    }
    if (ext == ".css") {
        return "text/css";
    }
    if (ext == ".js") {
        return "text/javascript";
    }
    if (ext == ".json") {
        return "application/json";
    }
    if (ext == ".png") {
        return "image/png";
    }
    if (ext == ".jpg" || ext == ".jpeg") {
        return "image/jpeg";
    }
    return "application/octet-stream";
}

// Maps a decoded request path to a regular file under `root`, or "" if it would escape
// root (".." segments, or a symlink pointing outside) or is not a regular file.
fs::path resolve_under(const fs::path& root, std::string_view rel) {
    if (rel.find('\0') != std::string_view::npos) {
        return {};
    }
    std::error_code ec;
    fs::path p = fs::weakly_canonical(root / fs::path(rel).relative_path(), ec);
    if (ec) {
        return {};
    }
    if (fs::is_directory(p, ec)) {
        p /= "index.html";
    }
    const auto [root_end, p_it] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
    if (root_end != root.end() || !fs::is_regular_file(p, ec)) {
        return {};
    }
    return p;
}

// Streams the file with its Content-Length: a file never sits whole in memory.
void serve_file(const fs::path& root, Request& req, Response& res) {
    const fs::path p = resolve_under(root, req.param("path"));
    const int fd = p.empty() ? -1 : ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0) {
        if (fd >= 0) {
            ::close(fd);
        }
        res.set_status(weft::http::StatusCode::not_found);
        res.set_body("Not Found\n", "text/plain");
        return;
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    res.set_header("Content-Type", content_type(p));
    res.set_header("Content-Length", std::to_string(st.st_size));
    std::array<std::byte, 64 * 1024> buf;
    for (;;) {
        // Page-cache reads; a server of cold files would offload them (weft::offload).
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n <= 0) {
            break;
        }
        res.write({buf.data(), static_cast<std::size_t>(n)});
    }
}

void echo_body(Request& req, Response& res) {
    if (auto type = req.header("Content-Type"); !type.empty()) {
        res.set_header("Content-Type", type);
    }
    // Each piece is a view into the connection's buffer: written on without a copy.
    for (auto piece = req.read_body_some(); !piece.empty(); piece = req.read_body_some()) {
        res.write(piece);
    }
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        std::string root;
        examples::Options opt = examples::parse_options(
            argc, argv, "127.0.0.1:8080",
            [&](std::string_view flag, const auto& value) {
                if (flag != "--root") {
                    return false;
                }
                root = std::string{value()};
                return true;
            },
            " [--root DIR]");
        fs::path root_dir;
        if (!root.empty()) {
            root_dir = fs::canonical(root);  // throws if DIR does not exist
        }
        weft::Runtime runtime{opt.runtime};
        return runtime.run([&] {
            weft::http::Router router;
            router.get("/hello", [](const Request&, Response& res) {
                res.set_body("Hello, World!", "text/plain");
            });
            router.post("/echo", echo_body);
            if (!root_dir.empty()) {
                router.get("/{path...}",
                           [&](Request& req, Response& res) { serve_file(root_dir, req, res); });
            }
            auto server = weft::http::Server::bind(opt.address, router);
            std::printf("http_server: listening on %s (%s backend)\n",
                        server.local_endpoint().to_string().c_str(),
                        std::string{weft::to_string(runtime.backend())}.c_str());
            std::fflush(stdout);
            server.serve();
            return 0;
        });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "http_server: %s\n", e.what());
        return 1;
    }
}
