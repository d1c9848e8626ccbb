#!/usr/bin/env bash
# Cold start of a Java function without an AOT cache, with the bootstrap's, and with a per-function one
# (see README-java-aot.md), for hello-java (a few classes) and sdk-java (an AWS SDK client).
# Usage: bench/java-aot.sh [RUNS] [hello|sdk ...]   (default 20 runs per side, both functions;
# needs ./mvnw package first; builds bench/functions/sdk-java, which needs Maven Central once)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export JAVA_HOME
runs=${1:-20}
shift || true
functions=("$@")
[[ $# -gt 0 ]] || functions=(hello sdk)
for f in aloft-runtime-java/target/aot/java-runtime.aot examples/hello-java/target/hello-java.jar; do
  [[ -f $f ]] || { echo "missing $f: run JAVA_HOME=$JAVA_HOME ./mvnw -q package -DskipTests" >&2; exit 1; }
done
if [[ " ${functions[*]} " == *" sdk "* && ! -f bench/functions/sdk-java/target/sdk-java-1.jar ]]; then
  ./mvnw -q -B -f bench/functions/sdk-java/pom.xml package
fi
for function in "${functions[@]}"; do
  echo "== $function"
  "$JAVA_HOME/bin/java" bench/JavaAotBench.java "$PWD" "$runs" "$function"
done
