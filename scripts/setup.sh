#!/usr/bin/env bash
# Installs what keras_gan needs on a fresh Debian/Ubuntu machine: the real
# Fashion-MNIST files (Debian package) and the package with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -e ".[test]"
