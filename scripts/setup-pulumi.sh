#!/usr/bin/env bash
# Provide the Pulumi CLI (v3.274.1) and the upstream Node.js language host
# (from sdk/v3 v3.68.0, see below), both built from the Go module proxy, without
# downloading anything but Go modules.
#
#   PULUMI_BIN=$(bash scripts/setup-pulumi.sh | tail -1)
#   export PATH="$PULUMI_BIN:$PATH"
#
# The LAST line on stdout is the bin directory; all progress goes to stderr.
# If `pulumi` and `pulumi-language-nodejs` are both on PATH already they are
# used as they are. Otherwise the tools are built once into
#   ${CSP_SEATS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/csp-seats}/pulumi-v3.274.1/bin
# and reused; a rebuild happens only when tools/pulumi-cli or
# tools/pulumi-language-nodejs changes.
# Set CSP_SEATS_PULUMI_FORCE_BUILD=1 to ignore pulumi on PATH and use the cache.
# `bash scripts/setup-pulumi.sh --print-stamp` prints the cache key and exits
# (content only: two clones of one commit share the cache).
# See docs/pulumi-cli.md.
set -euo pipefail

# Everything runs inside main() so that bash has read the whole script before
# the (long) build starts: editing or checking out this file meanwhile is safe.
main() {
	PULUMI_VERSION=v3.274.1
	REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	TOOLS_DIR="$REPO_ROOT/tools/pulumi-cli"
	LDFLAGS="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${PULUMI_VERSION}"
	# The language host's own module (sdk/nodejs/cmd/pulumi-language-nodejs/v3) is
	# refused by the module proxy (403), so the upstream host is built from the last
	# sdk/v3 release that shipped it inside the sdk module. The engine speaks the
	# same language-host protocol to it (docs/pulumi-cli.md).
	HOST_DIR="$REPO_ROOT/tools/pulumi-language-nodejs"
	HOST_VERSION=v3.68.0
	HOST_LDFLAGS="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${HOST_VERSION}"

	log() { echo "setup-pulumi: $*" >&2; }

	# The build is keyed by the wrapper modules' content (go.mod, go.sum, Go files,
	# each under its name relative to the checkout) so that a change to either pin
	# triggers a rebuild. The checkout's own path is left out on purpose: a second
	# clone of the same commit reuses the cache instead of rebuilding it.
	print_stamp() {
		local dir file
		{
			echo "$PULUMI_VERSION $HOST_VERSION"
			for dir in tools/pulumi-cli tools/pulumi-language-nodejs; do
				(
					cd "$REPO_ROOT/$dir"
					{ echo go.mod; echo go.sum; find . -name '*.go' -type f | LC_ALL=C sort; } | while IFS= read -r file; do
						echo "== $dir/${file#./}"
						cat "$file"
					done
				)
			done
		} | sha256sum | cut -c1-16
	}

	if [[ "${1:-}" == "--print-stamp" ]]; then
		print_stamp
		exit 0
	fi

	# --- 1. Already installed? ---------------------------------------------------
	# An upstream Pulumi install keeps pulumi, pulumi-language-nodejs and
	# pulumi-resource-pulumi-nodejs in one directory; callers (PULUMI_BIN_DIR)
	# rely on that, so a PATH install is used only when all three sit together.
	if [[ -z "${CSP_SEATS_PULUMI_FORCE_BUILD:-}" ]] &&
		pulumi_on_path=$(command -v pulumi 2>/dev/null) &&
		command -v pulumi-language-nodejs >/dev/null 2>&1; then
		path_dir=$(dirname "$pulumi_on_path")
		if [[ -x "$path_dir/pulumi-language-nodejs" && -x "$path_dir/pulumi-resource-pulumi-nodejs" ]]; then
			found_version=$(PULUMI_SKIP_UPDATE_CHECK=1 pulumi version 2>/dev/null || true)
			log "using pulumi ${found_version:-(unknown version)} already on PATH in $path_dir"
			if [[ "$found_version" != "$PULUMI_VERSION" ]]; then
				log "note: the project pins $PULUMI_VERSION; set CSP_SEATS_PULUMI_FORCE_BUILD=1 to use the pinned build"
			fi
			echo "$path_dir"
			exit 0
		fi
		log "pulumi on PATH ($path_dir) lacks pulumi-language-nodejs or pulumi-resource-pulumi-nodejs beside it; using the pinned build"
	fi

	# --- 2. Cached build -----------------------------------------------------------
	CACHE_ROOT=${CSP_SEATS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/csp-seats}
	DEST="$CACHE_ROOT/pulumi-$PULUMI_VERSION"
	BIN="$DEST/bin"
	mkdir -p "$DEST"

	# One process at a time: a second caller waits here until the first finished.
	exec 9>"$DEST/.lock"
	if ! flock -n 9; then
		log "another setup-pulumi.sh is running; waiting for it..."
		flock 9
	fi
	# Leftovers of a build that was killed (we hold the lock, so nobody uses them).
	rm -rf "$DEST"/bin.tmp.* "$DEST"/bin.old.*

	stamp=$(print_stamp)

	cache_ok() {
		[[ -x "$BIN/pulumi" && -x "$BIN/pulumi-language-nodejs" && -f "$BIN/.stamp" ]] || return 1
		[[ "$(cat "$BIN/.stamp")" == "$stamp" ]] || return 1
		[[ "$(PULUMI_SKIP_UPDATE_CHECK=1 "$BIN/pulumi" version 2>/dev/null)" == "$PULUMI_VERSION" ]] || return 1
	}

	if cache_ok; then
		log "using cached Pulumi CLI $PULUMI_VERSION in $BIN"
	else
		command -v go >/dev/null 2>&1 || {
			log "error: go is not on PATH; it is needed to build the Pulumi CLI"
			exit 1
		}
		if [[ -e "$BIN" ]]; then
			log "cache in $BIN is stale or incomplete (tools/pulumi-cli or tools/pulumi-language-nodejs changed?); rebuilding..."
		fi
		log "building Pulumi CLI $PULUMI_VERSION from the Go module proxy (first run only, takes several minutes)..."
		tmp=$(mktemp -d "$DEST/bin.tmp.XXXXXX")
		trap 'rm -rf "$tmp"' EXIT
		start=$SECONDS
		(
			cd "$TOOLS_DIR"
			export CGO_ENABLED=0
			go build -trimpath -ldflags "$LDFLAGS" -o "$tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
			log "built pulumi in $((SECONDS - start))s; building pulumi-language-nodejs ($HOST_VERSION)..."
			cd "$HOST_DIR"
			go build -trimpath -ldflags "$HOST_LDFLAGS" -o "$tmp/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
		) >&2
		got=$(PULUMI_SKIP_UPDATE_CHECK=1 "$tmp/pulumi" version)
		if [[ "$got" != "$PULUMI_VERSION" ]]; then
			log "error: built pulumi reports version '$got', expected $PULUMI_VERSION"
			exit 1
		fi
		echo "$stamp" >"$tmp/.stamp"
		chmod 755 "$tmp"
		# Swap the finished directory in; never leaves a half-written binary in $BIN.
		if [[ -e "$BIN" ]]; then
			old=$(mktemp -d "$DEST/bin.old.XXXXXX")
			mv "$BIN" "$old/bin"
			mv "$tmp" "$BIN"
			rm -rf "$old"
		else
			mv "$tmp" "$BIN"
		fi
		trap - EXIT
		log "Pulumi CLI $PULUMI_VERSION ready in $BIN (build took $((SECONDS - start))s)"
	fi

	# --- 3. Dynamic-provider shim -----------------------------------------------------
	# The engine starts dynamic providers as the bundled plugin
	# `pulumi-resource-pulumi-nodejs`, a small sh script shipped at the root of the
	# @pulumi/pulumi npm package. It must sit next to pulumi (or on PATH), otherwise
	# the engine would try to download the plugin.
	shim_src="$REPO_ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
	shim_dst="$BIN/pulumi-resource-pulumi-nodejs"
	shim_tmp="$BIN/.pulumi-resource-pulumi-nodejs.tmp"
	if [[ -f "$shim_src" ]]; then
		if ! cmp -s "$shim_src" "$shim_dst" 2>/dev/null; then
			cp "$shim_src" "$shim_tmp"
			chmod 755 "$shim_tmp"
			mv -f "$shim_tmp" "$shim_dst"
			log "installed pulumi-resource-pulumi-nodejs from node_modules/@pulumi/pulumi"
		fi
	elif [[ ! -x "$shim_dst" ]]; then
		# Same behaviour as the npm package's script: run the dynamic provider of the
		# @pulumi/pulumi that node resolves from the program's directory.
		cat >"$shim_tmp" <<'EOF'
#!/bin/sh
# Written by csp-seats scripts/setup-pulumi.sh: runs the dynamic provider of
# the @pulumi/pulumi package that node resolves from the current directory.
script=$(node -e "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))") || exit 1
exec node "$script" "$@"
EOF
		chmod 755 "$shim_tmp"
		mv -f "$shim_tmp" "$shim_dst"
		log "node_modules/@pulumi/pulumi not installed yet; wrote an equivalent pulumi-resource-pulumi-nodejs shim"
	fi

	echo "$BIN"
}

main "$@"
