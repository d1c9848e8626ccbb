"""Reports the invocation's trace header as user code, a child process and the C environment see it."""
import ctypes
import os
import subprocess

libc = ctypes.CDLL(None)
libc.getenv.restype = ctypes.c_char_p


def handler(event, context):
    native = libc.getenv(b"_X_AMZN_TRACE_ID")
    return {
        "env": os.environ.get("_X_AMZN_TRACE_ID"),
        "getenv": os.getenv("_X_AMZN_TRACE_ID"),
        "child": subprocess.run(["/bin/sh", "-c", 'printf %s "$_X_AMZN_TRACE_ID"'],
                                env=os.environ, capture_output=True, text=True, check=True).stdout,
        # The C environment, which setenv(3) would have grown by one leaked string per invocation.
        "nativeEnv": native.decode() if native else None,
    }
