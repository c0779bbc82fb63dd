#!/usr/bin/env bash
# Makes sure a headless-capable Chromium is installed for the browser tests of
# 001's clock-in display page and of the operator console (both start it through
# transport/httpapi/browsertest). It installs
# Debian's "chromium" package when no Chromium or Chrome is on PATH and the
# script runs as root with apt-get; otherwise it only reports. The test skips
# with a message when no browser can be found after this script ran.
set -u
for b in chromium chromium-browser google-chrome google-chrome-stable headless_shell; do
  if command -v "$b" >/dev/null 2>&1; then
    echo "chromium: found $(command -v "$b")"
    exit 0
  fi
done
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: not installed and cannot install (needs root and apt-get)"
  exit 1
fi
echo "chromium: installing Debian's chromium"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends chromium >/tmp/chromium-install.log 2>&1; then
  apt-get update >>/tmp/chromium-install.log 2>&1 || true
  apt-get install -y --no-install-recommends chromium >>/tmp/chromium-install.log 2>&1 || {
    echo "chromium: installation failed, see /tmp/chromium-install.log"
    exit 1
  }
fi
command -v chromium >/dev/null 2>&1 && echo "chromium: installed $(command -v chromium)"
