#!/bin/sh
# Builds the tiny test image tailtop-test:busybox with `docker import` (no registry, no network): a tarball
# holding a static busybox and its applet links. Idempotent: does nothing when the image exists (pass
# --force to rebuild). Uses $DOCKER_HOST like the docker CLI; $BUSYBOX overrides the binary path;
# $TAILTOP_TEST_IMAGE overrides the tag. Works against podman too with DOCKER=podman.
set -eu

IMAGE=${TAILTOP_TEST_IMAGE:-tailtop-test:busybox}
BUSYBOX=${BUSYBOX:-/bin/busybox}
DOCKER=${DOCKER:-docker}

if [ "${1:-}" != "--force" ] && "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "$IMAGE"
  exit 0
fi

[ -x "$BUSYBOX" ] || { echo "make-test-image.sh: $BUSYBOX not found (apt-get install busybox-static)" >&2; exit 1; }
if command -v ldd >/dev/null 2>&1 && ldd "$BUSYBOX" >/dev/null 2>&1; then
  echo "make-test-image.sh: $BUSYBOX is dynamically linked; need a static busybox (busybox-static)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root/bin" "$root/tmp" "$root/dev" "$root/proc" "$root/sys" "$root/etc" "$root/data"
chmod 1777 "$root/tmp"
cp "$BUSYBOX" "$root/bin/busybox"
for applet in sh ash cat dd echo env head tail yes sleep true false ls mkdir rm cp sync seq wc \
  tr sed grep awk top ps kill date free df du find xargs touch mount umount id hostname nproc \
  printf test expr; do
  ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$work/rootfs.tar" .
"$DOCKER" import \
  --change 'ENV PATH=/bin' \
  --change 'CMD ["/bin/sh"]' \
  "$work/rootfs.tar" "$IMAGE" >/dev/null
echo "$IMAGE"
