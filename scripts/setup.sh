#!/usr/bin/env bash
# Sets up keras_gan on a fresh Debian/Ubuntu machine:
#   - the real Fashion-MNIST files (Debian package dataset-fashion-mnist, in
#     /usr/share/datasets/fashion-mnist), which the default run and the tests use;
#   - a virtual environment .venv (or the one that is active, linked as .venv)
#     holding the package and its test extras, within the bounds of constraints.txt.
# Afterwards: .venv/bin/python train.py, .venv/bin/python -m pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "setup.sh: error: $*" >&2; exit 1; }

DATA=/usr/share/datasets/fashion-mnist
apt_packages=()
[ -d "$DATA" ] || apt_packages+=(dataset-fashion-mnist)
# Debian and Ubuntu ship python3 without venv/ensurepip (package python3-venv).
if [ -z "${VIRTUAL_ENV:-}" ] && [ ! -x .venv/bin/python ] \
    && ! python3 -c "import ensurepip, venv" 2>/dev/null; then
  apt_packages+=(python3-venv)
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  command -v apt-get >/dev/null \
    || fail "this machine lacks ${apt_packages[*]} and has no apt-get; install them by hand (Fashion-MNIST: the four IDX files in $DATA)."
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  echo "setup.sh: apt-get install ${apt_packages[*]}"
  $sudo apt-get update -qq || fail "apt-get update failed; check the network and the apt sources."
  $sudo apt-get install -y -qq "${apt_packages[@]}" >/dev/null \
    || fail "apt-get install ${apt_packages[*]} failed."
  [ -d "$DATA" ] || fail "dataset-fashion-mnist is installed but $DATA is missing."
fi

if [ -n "${VIRTUAL_ENV:-}" ]; then
  # Use the active environment; .venv/bin/python then names it too.
  if [ ! -e .venv ]; then
    ln -s "$VIRTUAL_ENV" .venv
  elif [ "$(cd .venv && pwd -P)" != "$(cd "$VIRTUAL_ENV" && pwd -P)" ]; then
    fail ".venv exists and is not the active environment $VIRTUAL_ENV; deactivate it or remove .venv."
  fi
elif [ ! -x .venv/bin/python ]; then
  echo "setup.sh: python3 -m venv .venv"
  python3 -m venv .venv || fail "python3 -m venv .venv failed (on Debian/Ubuntu: apt-get install python3-venv)."
fi
echo "setup.sh: installing keras_gan[test] into .venv (constraints.txt)"
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[test]" \
  || fail "pip install into .venv failed."
