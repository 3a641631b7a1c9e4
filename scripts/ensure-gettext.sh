#!/usr/bin/env bash
# Compiling the nynorsk and English translations needs GNU gettext's msgfmt. Install it if we can.
set -euo pipefail
if command -v msgfmt >/dev/null; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "msgfmt is missing: installing Debian's gettext package..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null
  exit 0
fi
cat >&2 <<'MSG'
Compiling the translations (nynorsk, English) needs GNU gettext's msgfmt, which is not installed.
Install it with:   sudo apt-get install gettext     (macOS: brew install gettext)
MSG
exit 1
