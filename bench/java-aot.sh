#!/usr/bin/env bash
# Cold start of a Java function without an AOT cache, with the bootstrap's, and with a per-function one
# (see README-java-aot.md).
# Usage: bench/java-aot.sh [RUNS]   (default 20 per side; needs ./mvnw package first)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
for f in aloft-runtime-java/target/aot/java-runtime.aot examples/hello-java/target/hello-java.jar; do
  [[ -f $f ]] || { echo "missing $f: run JAVA_HOME=$JAVA_HOME ./mvnw -q package -DskipTests" >&2; exit 1; }
done
exec "$JAVA_HOME/bin/java" bench/JavaAotBench.java "$PWD" "${1:-20}"
