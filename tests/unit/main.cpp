#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "core/blind_index.hpp"

// The command side finds emails by their blind index, whose key a process sets once at start.
int main(int argc, char** argv) {
  regent::core::set_blind_index_key("unit tests' blind index key, 32+ bytes long");
  return doctest::Context(argc, argv).run();
}
