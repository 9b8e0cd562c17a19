#!/usr/bin/env bash
# Download the schemas the Velero tests validate against (tests/test_velero_schemas.py):
#   - the CRDs of Velero v1.18.1 (Schedule, Restore, Backup, BackupStorageLocation)
#   - values.schema.json, values.yaml and Chart.yaml of the vmware-tanzu Helm chart velero 12.1.0
# into $AIVO_DR_VELERO_SCHEMAS (default: <repo>/../shared/data), the folder the tests read.
# For users with internet access; the test suite never runs it. Versions are pinned to what the
# stacks deploy (stacks/settings/velero.py): bump them together.
set -euo pipefail

VELERO_VERSION="${VELERO_VERSION:-1.18.1}"
CHART_VERSION="${CHART_VERSION:-12.1.0}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${AIVO_DR_VELERO_SCHEMAS:-${REPO_ROOT}/../shared/data}"

CRD_BASE="https://raw.githubusercontent.com/vmware-tanzu/velero/v${VELERO_VERSION}/config/crd/v1/bases"
CHART_URL="https://github.com/vmware-tanzu/helm-charts/releases/download/velero-${CHART_VERSION}/velero-${CHART_VERSION}.tgz"

crd_dir="${DEST}/velero-crds-v${VELERO_VERSION}"
chart_dir="${DEST}/velero-chart-${CHART_VERSION}"
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

mkdir -p "${crd_dir}" "${chart_dir}"
for crd in backups backupstoragelocations restores schedules; do
  curl -fsSL --retry 3 -o "${tmp}/velero.io_${crd}.yaml" "${CRD_BASE}/velero.io_${crd}.yaml"
  mv "${tmp}/velero.io_${crd}.yaml" "${crd_dir}/"
done

curl -fsSL --retry 3 -o "${tmp}/chart.tgz" "${CHART_URL}"
tar -xzf "${tmp}/chart.tgz" -C "${tmp}" velero/values.schema.json velero/values.yaml velero/Chart.yaml
mv "${tmp}/velero/values.schema.json" "${tmp}/velero/values.yaml" "${tmp}/velero/Chart.yaml" "${chart_dir}/"

grep -q "^appVersion: ${VELERO_VERSION}$" "${chart_dir}/Chart.yaml" \
  || { echo "fetch-velero-schemas: chart ${CHART_VERSION} does not ship Velero ${VELERO_VERSION}" >&2; exit 1; }
echo "fetch-velero-schemas: schemas in ${DEST} (run the tests with AIVO_DR_VELERO_SCHEMAS=${DEST} if not the default)"
