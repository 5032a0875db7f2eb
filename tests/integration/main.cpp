#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "core/blind_index.hpp"

// Tests that run the command processor in this process set its blind index key, as `serve` does.
int main(int argc, char** argv) {
  regent::core::set_blind_index_key("integration tests' blind index key, 32+ bytes");
  return doctest::Context(argc, argv).run();
}
