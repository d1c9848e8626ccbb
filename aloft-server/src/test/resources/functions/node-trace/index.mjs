// Reports the invocation's trace header as user code, a child process and the C environment see it.
import { execFileSync } from 'node:child_process';

export const handler = async () => ({
  env: process.env._X_AMZN_TRACE_ID ?? null,
  listed: Object.keys(process.env).includes('_X_AMZN_TRACE_ID'),
  child: execFileSync('/bin/sh', ['-c', 'printf %s "$_X_AMZN_TRACE_ID"']).toString(),
  // The C environment, which setenv(3) would have grown by one leaked string per invocation.
  nativeEnv: process.report.getReport().environmentVariables._X_AMZN_TRACE_ID ?? null,
});
