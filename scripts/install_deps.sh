#!/bin/sh
# Installs the Debian packages rnnlab builds and tests with; does nothing when
# they are all present. Runs apt-get as root, or through sudo.
#   scripts/install_deps.sh           what make run and make test need
#   scripts/install_deps.sh --bench   oneDNN (libdnnl-dev) for make bench's peer,
#                                     BLIS for its GEMM table (libxsmm, a
#                                     dependency of the library, is above)
set -eu
PACKAGES="build-essential pkg-config libyaml-dev libminizip-dev zlib1g-dev \
libhdf5-dev hdf5-tools libxsmm-dev libopenblas-dev libcmocka-dev procps"
case "${1:-}" in
"") ;;
--bench) PACKAGES="libdnnl-dev libblis-serial-dev" ;;
*) echo "install_deps: unknown argument '$1' (none, or --bench)" >&2; exit 2 ;;
esac
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
