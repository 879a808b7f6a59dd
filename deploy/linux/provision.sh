#!/usr/bin/env bash
# Turn a fresh Debian 12 / Ubuntu 24.04 machine into a kiosk terminal.
#
#   sudo deploy/linux/provision.sh BUNDLE_DIR [TOKEN_FILE]
#
# BUNDLE_DIR is the built bundle (dist/kiosk, with the kiosk executable in it);
# TOKEN_FILE holds the device token the back-office gave this terminal
# (`python -m receiver token create ...`). Run it again to update the bundle:
# the data and the keys are kept.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 BUNDLE_DIR [TOKEN_FILE]" >&2
    exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "Run this as root (sudo $0 ...)." >&2
    exit 1
fi
bundle=$1
token_file=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
if [[ ! -x "$bundle/kiosk" ]]; then
    echo "$bundle/kiosk is not there: build the bundle first (pyinstaller build.spec)." >&2
    exit 1
fi

# The screens (cage and Qt's Wayland and XCB libraries), read-aloud
# (speech-dispatcher with espeak-ng's French voice, PulseAudio's client library)
# and printing (CUPS).
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
    cage libwayland-client0 libwayland-cursor0 libwayland-egl1 libxkbcommon0 \
    libegl1 libgl1 libfontconfig1 libdbus-1-3 \
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxkbcommon-x11-0 \
    speech-dispatcher speech-dispatcher-espeak-ng espeak-ng-data libspeechd2 \
    libpulse0 pipewire-pulse wireplumber \
    cups cups-client printer-driver-all

# The kiosk user: no password, no sudo; audio and printing.
if ! id kiosk >/dev/null 2>&1; then
    useradd --create-home --shell /usr/sbin/nologin --comment "Town-hall kiosk" kiosk
fi
passwd --lock kiosk >/dev/null
usermod -a -G audio,video,render,input,lpadmin kiosk

# The bundle, owned by root: the kiosk user runs it and cannot change it.
install -d -m 0755 /opt/kiosk
rm -rf /opt/kiosk.new
cp -a "$bundle" /opt/kiosk.new
chown -R root:root /opt/kiosk.new
rm -rf /opt/kiosk.old
if [[ -e /opt/kiosk/kiosk ]]; then mv /opt/kiosk /opt/kiosk.old; fi
mv /opt/kiosk.new /opt/kiosk

# The secrets, encrypted for this machine: with its TPM when it has one
# (systemd-creds' default "auto"), else with the host key in /var/lib/systemd.
install -d -m 0700 /etc/kiosk/credentials
creds=/etc/kiosk/credentials
if [[ ! -e $creds/kiosk-data-key.cred ]]; then
    head -c 32 /dev/urandom | base64 \
        | systemd-creds encrypt --name=kiosk-data-key - "$creds/kiosk-data-key.cred"
    echo "A new data key is in $creds/kiosk-data-key.cred: keep a backup (see docs/deploy.md)."
fi
if [[ -n $token_file ]]; then
    tr -d '[:space:]' <"$token_file" \
        | systemd-creds encrypt --name=kiosk-device-token - "$creds/kiosk-device-token.cred"
elif [[ ! -e $creds/kiosk-device-token.cred ]]; then
    echo "No device token given: the kiosk keeps requests until one is provisioned" \
        "($0 $bundle TOKEN_FILE)." >&2
    : | systemd-creds encrypt --name=kiosk-device-token - "$creds/kiosk-device-token.cred"
fi

install -m 0644 "$here/kiosk.service" /etc/systemd/system/kiosk.service
systemctl daemon-reload
systemctl disable getty@tty1.service >/dev/null 2>&1 || true
systemctl set-default graphical.target
systemctl enable cups.service kiosk.service
systemctl restart kiosk.service

echo "The kiosk is installed; see how it runs with: systemctl status kiosk; journalctl -u kiosk -b"
