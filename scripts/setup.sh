#!/usr/bin/env bash
# Installs the system packages Observant needs to build and test, when they are missing.
# Safe to run repeatedly: it does nothing when everything is present.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libclang-dev libasound2-dev)
# Runtime libraries eframe loads at run time, plus tools the GUI/capture/file-dialog tests use.
pkgs+=(libx11-6 libx11-xcb1 libxcursor1 libxi6 libxkbcommon-x11-0 libgl1 libegl1 libegl-mesa0 libgl1-mesa-dri libvulkan1 libfontconfig1 xvfb alsa-utils sox strace dbus-daemon)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "observant setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "observant setup: cargo not found; install Rust with rustup first" >&2; exit 1; }
