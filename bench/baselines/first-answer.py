"""Cold-start baseline driver: time from spawning a fresh server process to its first successful
HTTP answer, measured by the parent. Usage:
    first-answer.py RUNS PORT -- COMMAND... ({port} in COMMAND is replaced)
Prints one duration in milliseconds per run. Each run uses its own port so no TIME_WAIT or late
listener from the previous run can answer for it."""
import http.client
import subprocess
import sys
import time


def first_answer_ms(command, port):
    argv = [a.replace("{port}", str(port)) for a in command]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = start + 30
        while time.perf_counter() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/hello")
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status == 200:
                    return (time.perf_counter() - start) * 1000
            except OSError:
                pass
            if proc.poll() is not None:
                raise SystemExit(f"{argv[0]} exited with {proc.returncode} before answering")
            time.sleep(0.0005)
        raise SystemExit(f"{argv[0]} did not answer within 30 s")
    finally:
        proc.kill()
        proc.wait()


def main():
    runs, port = int(sys.argv[1]), int(sys.argv[2])
    command = sys.argv[sys.argv.index("--") + 1:]
    first_answer_ms(command, port)  # one untimed run warms the page cache
    for i in range(runs):
        print(f"{first_answer_ms(command, port + 1 + i):.1f}", flush=True)


if __name__ == "__main__":
    main()
