#!/usr/bin/env bash
# Builds the Kelemetry Dataflow Flex Template: the bundled jar, the launcher image (pushed to Artifact Registry), and
# the template spec gs://BUCKET/templates/kelemetry.json that `gcloud dataflow flex-template run` launches.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: deploy/flex-template/build.sh --project P --region R --repository AR_REPO --bucket B [options]

Builds pipelines/target/kelemetry-bundled.jar (mvn -Pbundle package), builds the launcher image from
deploy/flex-template/Dockerfile, pushes it to R-docker.pkg.dev/P/AR_REPO/kelemetry-template:TAG, and writes the
template spec to gs://B/templates/kelemetry.json with deploy/flex-template/metadata.json.

Required:
  --project P          Google Cloud project of the Artifact Registry repository and the build
  --region R           region of the Artifact Registry repository (and of the Cloud Build build)
  --repository REPO    an existing Docker repository in Artifact Registry
  --bucket B           bucket that gets templates/kelemetry.json

Options:
  --tag T              image tag (default: the git commit, else "latest")
  --builder B          cloud-build (default: gcloud builds submit, no local Docker) or docker (docker build and
                       push; run `gcloud auth configure-docker R-docker.pkg.dev` once first)
  --skip-jar           use the bundled jar already in pipelines/target
  -h, --help           this help

Needs: a JDK 17 and Maven (unless --skip-jar), gcloud logged in with rights to push to the repository, run Cloud
Build (with --builder cloud-build) and write to the bucket.
USAGE
}

project="" region="" repository="" bucket="" tag="" builder="cloud-build" skip_jar=0
while [ $# -gt 0 ]; do
  case "$1" in
    --project) project="${2:?--project needs a value}"; shift 2 ;;
    --region) region="${2:?--region needs a value}"; shift 2 ;;
    --repository) repository="${2:?--repository needs a value}"; shift 2 ;;
    --bucket) bucket="${2:?--bucket needs a value}"; shift 2 ;;
    --tag) tag="${2:?--tag needs a value}"; shift 2 ;;
    --builder) builder="${2:?--builder needs a value}"; shift 2 ;;
    --skip-jar) skip_jar=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for required in project region repository bucket; do
  if [ -z "${!required}" ]; then
    echo "build.sh: --$required is required (see --help)" >&2
    exit 2
  fi
done
case "$builder" in cloud-build|docker) ;; *) echo "build.sh: --builder is cloud-build or docker" >&2; exit 2 ;; esac
bucket="${bucket#gs://}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [ -z "$tag" ]; then
  tag="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo latest)"
fi
image="${region}-docker.pkg.dev/${project}/${repository}/kelemetry-template:${tag}"
jar="$root/pipelines/target/kelemetry-bundled.jar"

if [ "$skip_jar" -eq 0 ]; then
  echo "== bundled jar (mvn -Pbundle package)"
  (cd "$root" && mvn -B -ntp -q -Pbundle -DskipTests package -pl pipelines -am)
fi
if [ ! -f "$jar" ]; then
  echo "build.sh: $jar is missing: run without --skip-jar" >&2
  exit 1
fi

# The image context holds only the Dockerfile and the jar: nothing else of the tree is uploaded to Cloud Build.
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp "$here/Dockerfile" "$context/Dockerfile"
cp "$jar" "$context/kelemetry.jar"

echo "== image $image ($builder)"
if [ "$builder" = "cloud-build" ]; then
  gcloud builds submit "$context" --project "$project" --region "$region" --tag "$image"
else
  docker build -t "$image" "$context"
  docker push "$image"
fi

echo "== template spec gs://${bucket}/templates/kelemetry.json"
gcloud dataflow flex-template build "gs://${bucket}/templates/kelemetry.json" \
  --project "$project" \
  --image "$image" \
  --sdk-language JAVA \
  --metadata-file "$here/metadata.json"

echo "done: launch with gcloud dataflow flex-template run JOB --region $region" \
  "--template-file-gcs-location gs://${bucket}/templates/kelemetry.json --parameters ... (deploy/flex-template/README.md)"
