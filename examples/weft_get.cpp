// weft-get [-j N] [-o DIR] [-i FILE] [--threads N] [--backend KIND] URL...
//
// Downloads many URLs concurrently, at most N at a time (-j, default 4), each streamed to a
// file in DIR (-o, default "."), named after the last segment of its path. Progress goes to
// stderr; at the end, a summary. Exit status 0 if every download succeeded, 1 if any
// failed (each failure is printed with its error), 2 for a usage error.
//
// N fibers share one http::Client: each takes the next URL, streams the body into
// NAME.part, and renames it to NAME when the body is complete, so a file that exists is a
// file that arrived whole. Redirects are followed. File writes go to the page cache and are
// short; a program writing to slow disks would hand them to weft::offload.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <weft/http/client.hpp>
#include <weft/http/request.hpp>  // percent_decode
#include <weft/weft.hpp>

#include "weft_get_progress.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Options {
    std::vector<std::string> urls;
    fs::path dir = ".";
    std::size_t jobs = 4;
    weft::RuntimeOptions runtime;  // 2 workers unless --threads says otherwise
};

struct Job {
    std::string url;
    fs::path path;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "weft-get: %s\nusage: weft-get [-j N] [-o DIR] [-i FILE] [--threads N] "
                 "[--backend epoll|io_uring|auto] URL...\n",
                 why);
    std::exit(2);
}

// A flag's non-negative number; anything else is a usage error (exit 2), not a crash.
std::size_t number(const std::string& flag, const std::string& text) {
    std::size_t n = 0;
    const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (err != std::errc{} || end != text.data() + text.size()) {
        usage((flag + " needs a number, not '" + text + "'").c_str());
    }
    return n;
}

Options parse_args(int argc, char* argv[]) {
    Options o;
    o.runtime.threads = 2;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            return i + 1 < argc ? argv[++i] : (usage((a + " needs a value").c_str()), "");
        };
        if (a == "-j") {
            o.jobs = std::max<std::size_t>(1, number(a, value()));
        } else if (a == "-o") {
            o.dir = value();
        } else if (a == "-i") {
            std::ifstream in{value()};
            for (std::string line; std::getline(in, line);) {
                if (!line.empty() && line[0] != '#') {
                    o.urls.push_back(line);
                }
            }
        } else if (a == "--threads") {
            o.runtime.threads = static_cast<unsigned>(number(a, value()));
        } else if (a == "--backend") {
            o.runtime.backend = weft::parse_backend_kind(value());
        } else if (!a.empty() && a[0] == '-') {
            usage(("unknown flag " + a).c_str());
        } else {
            o.urls.push_back(a);
        }
    }
    if (o.urls.empty()) {
        usage("no URL given");
    }
    return o;
}

// The last path segment, reduced to [A-Za-z0-9._-] and never "", "." or "..": a name
// cannot leave DIR. Names already taken (in this run or on disk) get ".1", ".2", ...
fs::path file_for(const std::string& url, const fs::path& dir, std::set<std::string>& taken) {
    std::error_code ec;
    const weft::http::Url u = weft::http::Url::parse(url, ec);
    std::string path = ec ? "" : u.target.substr(0, u.target.find('?'));
    std::string name = path.substr(path.rfind('/') + 1);
    if (auto decoded = weft::http::percent_decode(name)) {  // "my%20file" → "my file"
        name = std::move(*decoded);
    }
    for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
            c = '_';
        }
    }
    if (name.empty() || name.find_first_not_of('.') == std::string::npos) {
        name = "index.html";
    }
    if (name[0] == '.') {
        name[0] = '_';
    }
    std::string unique = name;
    for (int n = 1; taken.count(unique) > 0 || fs::exists(dir / unique, ec); ++n) {
        unique = name + "." + std::to_string(n);
    }
    taken.insert(unique);
    return dir / unique;
}

// Streams one URL into its file; returns the bytes written. Throws on any failure (the
// partial file is removed).
std::uint64_t download(weft::http::Client& client, const Job& job, weft_get::Progress& progress) {
    weft::http::ResponseStream body = client.stream({.url = job.url});
    if (body.status() != 200) {
        body.discard();  // small error pages: the connection stays reusable
        throw std::runtime_error("HTTP " + std::to_string(body.status()) + " " +
                                 std::string{body.reason()});
    }
    const fs::path part = job.path.string() + ".part";
    std::FILE* out = std::fopen(part.c_str(), "wb");
    if (out == nullptr) {
        throw std::system_error(errno, std::generic_category(), "open " + part.string());
    }
    try {
        while (true) {
            const weft::net::ConstBuffer chunk = body.read_chunk();
            if (chunk.empty()) {
                break;
            }
            if (std::fwrite(chunk.data(), 1, chunk.size(), out) != chunk.size()) {
                throw std::system_error(errno, std::generic_category(), "write " + part.string());
            }
            progress.add_bytes(chunk.size());
        }
        if (std::fclose(std::exchange(out, nullptr)) != 0) {
            throw std::system_error(errno, std::generic_category(), "close " + part.string());
        }
        fs::rename(part, job.path);
    } catch (...) {
        if (out != nullptr) {
            std::fclose(out);
        }
        fs::remove(part);
        throw;
    }
    return body.body_read();
}

void run_jobs(const Options& o, const std::vector<Job>& jobs, weft_get::Progress& progress) {
    weft::http::Client client{{.max_connections_per_host = o.jobs,
                               .max_idle_per_host = o.jobs,
                               .read_timeout = 30s,
                               .follow_redirects = true}};
    std::atomic<std::size_t> next{0};
    std::vector<weft::JoinHandle> workers;
    for (std::size_t w = 0; w < std::min(o.jobs, jobs.size()); ++w) {
        workers.push_back(weft::spawn([&] {
            for (std::size_t i; (i = next++) < jobs.size();) {
                try {
                    progress.file_done(jobs[i].url, jobs[i].path.string(),
                                       download(client, jobs[i], progress));
                } catch (const std::exception& e) {
                    progress.file_failed(jobs[i].url, e.what());
                }
            }
        }));
    }
    std::atomic<bool> finished{false};
    auto display = weft::spawn([&] {
        while (!finished) {
            progress.draw();
            weft::this_fiber::sleep_for(200ms);  // intended: the redraw rate
        }
    });
    for (auto& w : workers) {
        w.join();
    }
    finished = true;
    display.join();
}

int main(int argc, char* argv[]) {
    const Options o = parse_args(argc, argv);
    std::error_code ec;
    fs::create_directories(o.dir, ec);
    std::set<std::string> taken;
    std::vector<Job> jobs;
    for (const auto& url : o.urls) {
        jobs.push_back({url, file_for(url, o.dir, taken)});
    }
    weft_get::Progress progress{jobs.size()};
    try {
        weft::Runtime runtime{o.runtime};
        runtime.run([&] { run_jobs(o, jobs, progress); });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "weft-get: %s\n", e.what());
        return 1;
    }
    progress.summary();
    return progress.failed() > 0 ? 1 : 0;
}
