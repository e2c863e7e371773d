// Test runner: Catch2 v2 plus --backend (epoll|io_uring|auto), which CTest passes so that
// every test case is registered once per backend.
#define CATCH_CONFIG_RUNNER
#include <csignal>
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "support/weft_test.hpp"

namespace weft::test {
namespace {
std::string backend_name;  // test-process configuration, set once before any test runs
}

RuntimeOptions runtime_options(unsigned threads) {
    RuntimeOptions o;
    o.threads = threads;
    if (!backend_name.empty()) {
        o.backend = parse_backend_kind(backend_name);
    }
    return o;
}

bool leaks_found();

}  // namespace weft::test

int main(int argc, char* argv[]) {
    Catch::Session session;
    using namespace Catch::clara;
    auto cli = session.cli() | Opt(weft::test::backend_name, "epoll|io_uring|auto")["--backend"](
                                   "I/O backend for every Runtime the tests create");
    session.cli(cli);
    if (int rc = session.applyCommandLine(argc, argv); rc != 0) {
        return rc;
    }
    int failed = session.run();
    if (weft::test::leaks_found()) {
        return failed != 0 ? failed : 1;
    }
    return failed;
}
