# Debian's HAProxy (the package a district's balancer machine installs),
# running deploy/haproxy.cfg unchanged in the foreground.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends haproxy \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o haproxy -g haproxy -m 2775 /run/haproxy
# -W: master-worker (reload with SIGUSR2); -db: stay in the foreground.
CMD ["haproxy", "-W", "-db", "-f", "/etc/haproxy/haproxy.cfg"]
