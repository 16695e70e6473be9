#!/usr/bin/env bash
# The whole test suite. PostgreSQL tests run where REVIEW_TEST_POSTGRES_URL is set, or a server
# answers on 127.0.0.1:5432; browser tests use Debian's chromium, installed here if missing and
# allowed (root with apt-get). Never downloads a browser of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin

if [ -z "${REVIEW_TEST_POSTGRES_URL:-}" ] && command -v pg_isready >/dev/null \
   && pg_isready -q -h 127.0.0.1 -p 5432; then
  export REVIEW_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:5432/test"
fi
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
fi
echo "PostgreSQL tests: ${REVIEW_TEST_POSTGRES_URL:-off (no server)}; chromium: $( [ -x /usr/bin/chromium ] && echo on || echo off)"
exec "$BIN/pytest" "$@"
