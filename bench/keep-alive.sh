#!/usr/bin/env bash
# Aloft's learned keep-alive (with and without pre-warming) against fixed 5- and 10-minute keep-alives,
# simulated over 14 days of synthetic call patterns: cold calls, idle instance-minutes, starts.
# Usage: bench/keep-alive.sh [DAYS]   (needs ./mvnw package first: it loads the server's own KeepAlivePolicy)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
[[ -d aloft-server/target/classes/dev/aloft/server/instances ]] || {
  echo "missing aloft-server/target/classes: run JAVA_HOME=$JAVA_HOME ./mvnw -q package -DskipTests" >&2; exit 1; }
exec "$JAVA_HOME/bin/java" -cp aloft-server/target/classes bench/KeepAliveBench.java "$@"
