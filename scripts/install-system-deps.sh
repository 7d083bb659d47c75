#!/usr/bin/env bash
# Installs the system tools the rule / paging test tiers need, only when missing:
#   promtool (+ prometheus)  <- Debian package `prometheus`
#   amtool   (+ alertmanager) <- Debian package `prometheus-alertmanager`
# Idempotent: does nothing when both tools are already on PATH. Runs
# `apt-get update` once before installing. Needs root (or sudo) and apt-get.
# scripts/test.sh calls it before the test tiers.
set -euo pipefail

pkgs=()
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || pkgs+=(prometheus)
command -v amtool >/dev/null 2>&1 && command -v prometheus-alertmanager >/dev/null 2>&1 \
  || pkgs+=(prometheus-alertmanager)

if [ ${#pkgs[@]} -eq 0 ]; then
  echo "install-system-deps: promtool, prometheus, amtool, prometheus-alertmanager already present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: missing ${pkgs[*]} and no apt-get on this machine;" \
       "install Prometheus and Alertmanager so promtool/amtool are on PATH" >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
  else
    echo "install-system-deps: need root to apt-get install ${pkgs[*]}" >&2
    exit 1
  fi
fi

echo "install-system-deps: installing ${pkgs[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
# --no-install-recommends: the tools only, no node-exporter & co.; the packages'
# postinst may try to start services: policy-rc.d-less containers just skip that.
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${pkgs[@]}"

for tool in promtool amtool prometheus prometheus-alertmanager; do
  command -v "$tool" >/dev/null 2>&1 || { echo "install-system-deps: $tool still missing" >&2; exit 1; }
done
echo "install-system-deps: done ($(promtool --version 2>&1 | head -1))"
