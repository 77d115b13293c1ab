#!/bin/sh
# Kontakt's installation into a virtual environment, step by step as the image makes it
# (Dockerfile) and as tests/ops/test_image.py repeats it outside a container:
#   install.sh deps VENV LOCKFILE   every pinned dependency, each checked against its hash
#   install.sh app VENV SOURCE      a wheel built from SOURCE, installed without any extra
# PYTHON names the interpreter for a new VENV (default: python3).
set -eu
step=$1 venv=$2 from=$3
case $step in
deps)
  [ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
  # --no-deps: the lock file is complete; nothing unpinned may come in.
  "$venv/bin/pip" install --quiet --require-hashes --no-deps -r "$from"
  ;;
app)
  wheels=$(mktemp -d)
  "$venv/bin/pip" wheel --quiet --no-deps --wheel-dir "$wheels" "$from"
  "$venv/bin/pip" install --quiet --no-deps "$wheels"/kontakt-*.whl
  rm -rf "$wheels"
  # Every requirement of the wheel is satisfied by the locked versions.
  "$venv/bin/pip" check
  ;;
*)
  echo "usage: install.sh deps|app VENV FROM" >&2
  exit 2
  ;;
esac
