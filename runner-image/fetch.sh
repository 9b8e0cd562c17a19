#!/usr/bin/env bash
# Fetch, verify and install what the runner image carries into $1 (/opt/aivo-dr): the Pulumi CLI, the provider
# plugins into its PULUMI_HOME, and the Velero chart archive (read from the index with the image's Python environment,
# $1/venv, built first). Runs when the image is built, never in a runner build.
# Every download is checked against the checksum its publisher gives; a mismatch fails the image build.
set -euo pipefail
root=${1:?usage: fetch.sh <root>}
: "${PULUMI_VERSION:?}" "${PULUMI_PLUGINS:?}" "${VELERO_CHART_VERSION:?}" "${VELERO_CHART_REPOSITORY:?}"
arch=x64
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/pulumi" "$root/pulumi-home" "$root/charts"

# get <url> <file>: HTTPS only, fail on any HTTP error, retry transient ones.
get() { curl --proto '=https' --tlsv1.2 -fsSL --retry 3 -o "$2" "$1"; }
# verify <file> <checksums file>: the line naming the file must match its digest. Pulumi's CLI release publishes
# SHA-256; the providers' releases (pulumi/ci-mgmt's publish workflow, `shasum`) publish SHA-1, named ./<file>.
verify() {
    local name want sum
    name=$(basename "$1")
    want=$(awk -v n="$name" '{f = $2; sub(/^\*/, "", f); sub(/^\.\//, "", f)} f == n {print $1}' "$2")
    case ${#want} in
        64) sum=sha256sum ;;
        40) sum=sha1sum ;;
        *) echo "fetch.sh: no published checksum for $name" >&2; exit 1 ;;
    esac
    echo "$want  $1" | "$sum" -c --quiet - || { echo "fetch.sh: checksum mismatch for $name" >&2; exit 1; }
}

# The Pulumi CLI, from its GitHub release, checked against the release's checksums file.
cli="pulumi-v${PULUMI_VERSION}-linux-${arch}.tar.gz"
release="https://github.com/pulumi/pulumi/releases/download/v${PULUMI_VERSION}"
get "$release/$cli" "$work/$cli"
get "$release/pulumi-${PULUMI_VERSION}-checksums.txt" "$work/cli-checksums.txt"
verify "$work/$cli" "$work/cli-checksums.txt"
tar -xzf "$work/$cli" -C "$work"
mkdir -p "$root/pulumi/bin"
cp -a "$work/pulumi/." "$root/pulumi/bin/"
export PATH="$root/pulumi/bin:$PATH" PULUMI_HOME="$root/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true
[ "$(pulumi version)" = "v${PULUMI_VERSION}" ] || { echo "fetch.sh: pulumi version is $(pulumi version)" >&2; exit 1; }

# Each provider plugin, from its GitHub release, checked against that release's checksums file, then installed
# from the verified file (pulumi plugin install -f: no second download).
printf '%b\n' "$PULUMI_PLUGINS" | while read -r name version; do
    [ -n "$name" ] || continue
    file="pulumi-resource-${name}-v${version}-linux-amd64.tar.gz"
    base="https://github.com/pulumi/pulumi-${name}/releases/download/v${version}"
    get "$base/$file" "$work/$file"
    get "$base/pulumi-${name}_${version}_checksums.txt" "$work/$name-$version-checksums.txt"
    verify "$work/$file" "$work/$name-$version-checksums.txt"
    pulumi plugin install resource "$name" "$version" --file "$work/$file"
done

# The Velero chart, from the URL its repository's index gives for that version, checked against the index's digest.
get "$VELERO_CHART_REPOSITORY/index.yaml" "$work/index.yaml"
chart="velero-${VELERO_CHART_VERSION}.tgz"
read -r digest url < <("$root/venv/bin/python" - "$work/index.yaml" "$VELERO_CHART_VERSION" <<'PY'
import sys
import yaml
entries = yaml.safe_load(open(sys.argv[1]))["entries"]["velero"]
entry = next(e for e in entries if e["version"] == sys.argv[2])
print(entry["digest"], entry["urls"][0])
PY
)
case $url in https://*) ;; *) echo "fetch.sh: the index gives $url for velero $VELERO_CHART_VERSION, not an https URL" >&2; exit 1 ;; esac
get "$url" "$root/charts/$chart"
echo "$digest  $root/charts/$chart" | sha256sum -c --quiet - || { echo "fetch.sh: checksum mismatch for $chart" >&2; exit 1; }
echo "fetch.sh: Pulumi v${PULUMI_VERSION}, chart $root/charts/$chart, plugins:"
pulumi plugin ls
