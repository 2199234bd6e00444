#!/usr/bin/env bash
# Builds the local image busybox:latest FROM scratch out of Debian's busybox-static binary, since
# no registry can be reached. Does nothing when the image is already there.
set -euo pipefail
if docker image inspect busybox:latest >/dev/null 2>&1; then exit 0; fi
[ -x /bin/busybox ] || { echo "busybox-image: /bin/busybox is missing: apt-get install -y busybox-static" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp /bin/busybox "$dir/busybox"
cat > "$dir/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
DOCKERFILE
docker build -q -t busybox:latest "$dir" >/dev/null
echo "busybox-image: built busybox:latest"
