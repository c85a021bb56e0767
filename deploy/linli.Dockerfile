# The Linli host as a container image, for deploy/compose.yaml (built from
# this source tree; the repository's root is the build context):
#   docker build -f deploy/linli.Dockerfile -t linli:local .
# A hall's PCs install the Debian package instead (scripts/package.sh).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN rustup target add wasm32-wasip2 \
 && bash scripts/build-plugins.sh \
 && cargo build --release --locked -p linli --bin linli

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --home-dir /var/lib/linli --shell /usr/sbin/nologin linli \
 && install -d -o linli -g linli -m 0750 /var/lib/linli /var/lib/linli/data /var/lib/linli/plugins
COPY --from=build /src/target/release/linli /usr/bin/linli
COPY --from=build /src/plugins/dist/ /var/lib/linli/plugins/
COPY --from=build /src/content/ /var/lib/linli/content/
USER linli
WORKDIR /var/lib/linli
EXPOSE 8080
ENTRYPOINT ["/usr/bin/linli"]
CMD ["serve", "--listen", "0.0.0.0:8080", "--data", "/var/lib/linli/data", "--plugins", "/var/lib/linli/plugins", "--content", "/var/lib/linli/content"]
