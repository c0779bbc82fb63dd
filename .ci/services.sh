#!/usr/bin/env bash
# Makes sure the real services the tests use are up on loopback: PostgreSQL
# (127.0.0.1:5432), Redis (127.0.0.1:6379) and NATS JetStream (127.0.0.1:4222).
# It starts any that is installed and down; it never installs anything.
set -u
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_up() { for _ in $(seq 1 60); do up "$1" && return 0; sleep 0.5; done; return 1; }

if ! up 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "services: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort | tail -n1)" main start || true
  fi
  wait_up 5432 || { echo "services: PostgreSQL is not answering on 127.0.0.1:5432 (install postgresql, or set TEST_DATABASE_URL)"; exit 1; }
fi
if ! up 6379 && command -v redis-server >/dev/null 2>&1; then
  echo "services: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  wait_up 6379 || echo "services: Redis did not come up"
fi
if ! up 4222 && [ -x /usr/sbin/nats-server ]; then
  echo "services: starting NATS"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
  wait_up 4222 || echo "services: NATS did not come up"
fi
# The browser test of 001's clock-in display page needs Chromium (installed
# from Debian's packages when missing; the test skips, saying why, without it).
bash "$(dirname "$0")/chromium.sh" || echo "services: no Chromium; the browser test will skip"
# 004's album renderer needs ffmpeg (Debian's package; the album tests skip without it).
bash "$(dirname "$0")/ffmpeg.sh" || echo "services: no ffmpeg; the album tests will skip"
exit 0
