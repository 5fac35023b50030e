"""What the Python benchmarks (layers/, rst/, udp/) share: a free loopback port, and the CPU
time a process used, every thread included, from /proc."""
import os
import socket

TCK = os.sysconf("SC_CLK_TCK")


def free_port(kind=socket.SOCK_STREAM):
    """A port free on 127.0.0.1 now (TCP by default; socket.SOCK_DGRAM for UDP)."""
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_ticks(pid):
    """User + system clock ticks of every thread of `pid` (divide by TCK for seconds)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            st = open(f"/proc/{pid}/task/{tid}/stat").read()
            f = st[st.rindex(")") + 2:].split()
            total += int(f[11]) + int(f[12])
        except OSError:
            pass  # a thread that ended meanwhile
    return total
