/**
 * The whole API a Java function author needs to run on Aloft: a {@link dev.aloft.function.Handler}
 * (or {@link dev.aloft.function.StreamHandler}) and the {@link dev.aloft.function.Context} it is
 * given. It has no dependencies so that a function jar stays small; Lambda's
 * {@code aws-lambda-java-core} interfaces are accepted by the runtime as well.
 */
package dev.aloft.function;
