/**
 * Example Java functions for Aloft: {@link example.Hello} written against Lambda's interface, so
 * it runs unchanged on Lambda, and {@link example.Greeter} against Aloft's own.
 */
package example;
