#!/usr/bin/env bash
# Installs the Debian packages Karyo builds and tests against. Idempotent: installs only what is missing.
set -euo pipefail
packages=(
  pkg-config
  libsqlite3-dev sqlite3
  libpng-dev libjpeg62-turbo-dev libtiff-dev zlib1g-dev
  libimage-exiftool-perl pngcheck libtiff-tools
  libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr
  libdnnl-dev
  python3-venv
  chromium chromium-driver wrk
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
