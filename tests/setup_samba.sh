#!/usr/bin/env bash
# Installs what the Active Directory tests need: Debian's Samba AD DC packages (samba, samba-ad-dc, and
# samba-ad-provision, which carries the provisioning schema files and is only a Recommends of the others).
# Idempotent and non-interactive. Exit status: 0 when Samba is usable afterwards (or already was); 1 when
# it is missing and cannot be installed here (not root, or no apt-get): the AD tests then skip, and fail
# under CI=true. The tests start their own DC on a 127.0.0.x address; no system service is configured.
set -euo pipefail

PACKAGES=(samba samba-ad-dc samba-ad-provision)

have_samba() {
    PATH="$PATH:/usr/sbin:/sbin" command -v samba >/dev/null 2>&1 \
        && PATH="$PATH:/usr/sbin:/sbin" command -v samba-tool >/dev/null 2>&1 \
        && [ -d /usr/share/samba/setup ]
}

if have_samba; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup_samba: Samba AD DC packages are missing and this is not root with apt-get;" \
         "install ${PACKAGES[*]} to run the Active Directory tests" >&2
    exit 1
fi
echo "setup_samba: installing ${PACKAGES[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# --no-install-recommends keeps the set small; samba-ad-provision is named explicitly for that reason.
apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
if ! have_samba; then
    echo "setup_samba: installed ${PACKAGES[*]} but samba is still not usable" >&2
    exit 1
fi
