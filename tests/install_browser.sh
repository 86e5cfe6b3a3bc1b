#!/bin/sh
# Install the Chromium the explorer's browser tests drive (Debian's package; Playwright's own
# browser download is not used). Does nothing when /usr/bin/chromium is already there.
# Needs root (the tests run as root in CI). Exit status: 0 when /usr/bin/chromium is usable.
set -eu
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium
test -x /usr/bin/chromium
