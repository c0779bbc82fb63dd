#!/usr/bin/env bash
# Makes sure ffmpeg is installed for 004's album ("movie") renderer
# (commands/albums, transport/render): the album is an MP4 slideshow that
# ffmpeg encodes. It installs Debian's "ffmpeg" package when no ffmpeg is on
# PATH and the script runs as root with apt-get, with Debian's
# "fonts-wqy-microhei" (a CJK font under the Apache/GPL licences) for the
# poem captions of albums and long images; otherwise it only reports.
# The album tests skip with a message when no ffmpeg can be found after this
# script ran; the server answers a job it cannot render as failed (−1).
set -u
font=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 && [ -f "$font" ]; then
  echo "ffmpeg: found $(command -v ffmpeg)"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ffmpeg: not installed and cannot install (needs root and apt-get)"
  exit 1
fi
echo "ffmpeg: installing Debian's ffmpeg and fonts-wqy-microhei"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends ffmpeg fonts-wqy-microhei >/tmp/ffmpeg-install.log 2>&1; then
  apt-get update >>/tmp/ffmpeg-install.log 2>&1 || true
  apt-get install -y --no-install-recommends ffmpeg fonts-wqy-microhei >>/tmp/ffmpeg-install.log 2>&1 || {
    echo "ffmpeg: installation failed, see /tmp/ffmpeg-install.log"
    exit 1
  }
fi
command -v ffmpeg >/dev/null 2>&1 && echo "ffmpeg: installed $(command -v ffmpeg)"
