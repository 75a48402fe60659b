#!/bin/sh
# Installs the Docker Compose v2 CLI plugin (`docker compose`) built from source
# through the Go module proxy, for machines that have a Docker engine but no plugin
# and no way to pull release binaries. The deploy tests run the compose files with
# every Compose they find (`docker compose` and `docker-compose`).
#
#   deploy/install-compose-v2.sh                  # v2.40.3 into ~/.docker/cli-plugins
#   COMPOSE_VERSION=v2.35.1 PLUGIN_DIR=/usr/local/lib/docker/cli-plugins deploy/install-compose-v2.sh
#
# Nothing to do when `docker compose version` already works (FORCE=1 rebuilds).
# `go install github.com/docker/compose/v2/cmd@<version>` refuses the module (its
# go.mod has exclude directives), so the module's source is downloaded and built as
# the main module, with its own go.mod and go.sum. Needs Go and the module proxy.
set -eu

version=${COMPOSE_VERSION:-v2.40.3}
plugin_dir=${PLUGIN_DIR:-${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins}
go=${GO:-go}
command -v "$go" >/dev/null 2>&1 || go=/usr/local/go/bin/go

if [ "${FORCE:-0}" != 1 ] && docker compose version >/dev/null 2>&1; then
	echo "docker compose already installed: $(docker compose version)"
	exit 0
fi

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT INT TERM

# The module cache copy is read-only; build in a writable copy of it.
src=$(cd "$work" && GOFLAGS=-mod=mod "$go" mod download -json "github.com/docker/compose/v2@$version" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$src" ] || [ ! -d "$src" ]; then
	echo "could not download github.com/docker/compose/v2@$version" >&2
	exit 1
fi
cp -R "$src" "$work/compose"
chmod -R u+w "$work/compose"

mkdir -p "$plugin_dir"
echo "building docker compose $version (this takes a few minutes)"
(cd "$work/compose" && GOFLAGS=-mod=mod CGO_ENABLED=0 "$go" build -trimpath \
	-ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$version" \
	-o "$work/docker-compose" ./cmd)
install -m 0755 "$work/docker-compose" "$plugin_dir/docker-compose"

# The docker CLI looks for plugins in ~/.docker/cli-plugins and the system
# directories; check that it finds this one.
if ! docker compose version; then
	echo "installed $plugin_dir/docker-compose, but \`docker compose\` does not find it" >&2
	exit 1
fi
