# Builds the one `regent` binary on Debian 12 and runs it on a slim Debian 12 with only the
# runtime libraries. The role comes from the command: `serve`, `worker projections`, `migrate`.
FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake make pkg-config python3 python3-yaml \
      libboost1.81-all-dev libboost-json1.81-dev librdkafka-dev libpqxx-dev libsimdjson-dev \
      libssl-dev libargon2-dev doctest-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j "$(nproc)" --target regent

FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libboost-json1.81.0 librdkafka1 libpqxx-6.4 libsimdjson14 libssl3 libargon2-1 ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 regent
COPY --from=build /src/build/regent /usr/local/bin/regent
USER regent
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/regent"]
CMD ["serve"]
