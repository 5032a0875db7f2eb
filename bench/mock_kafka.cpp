// Hosts librdkafka's mock cluster as a process of its own, so that several `regent serve` processes
// and a projections worker can share it the way they would share a real cluster. Prints
// "kafka <bootstrap servers>" once the topic exists and runs until SIGINT or SIGTERM.
//   regent_mock_kafka [topic] [partitions]
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "events/mock_cluster.hpp"

int main(int argc, char** argv) {
  std::string topic = argc > 1 ? argv[1] : "regent.events";
  int partitions = argc > 2 ? std::atoi(argv[2]) : 6;
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before the mock's threads start: they inherit it
  regent::events::MockCluster cluster(1);
  cluster.create_topic(topic, partitions, 1);
  std::printf("kafka %s\n", cluster.bootstraps().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  return 0;
}
