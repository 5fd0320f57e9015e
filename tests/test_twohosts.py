"""Two hosts on a veth link (sockutil.netns, capture, twohosts): what notebook 12 shows, checked as root.

Each test makes its own hosts under a label of its own and removes them; a
snapshot of the machine's own namespace (its interfaces and firewall rules)
and of the kit's namespace names shows that nothing is left behind, also when
a step fails (the failures are injected). Frames are read twice, by notebook
12's own parser (its cells, executed here) and by dpkt, and must agree.

Needs Linux and root, and ip, iptables and ethtool: locally a test skips
with the reason when they are missing; under CI (``CI=true``) it fails, since
.ci/run runs as root and installs them. The tests of the recording and of
the replay need no root (see test_twohosts_replay.py).
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import threading

import pytest

from sockutil import netns
from sockutil.capture import Capture, tcp_view
from sockutil.netns import HostsError, TwoHosts, kit_namespaces, unavailable
from sockutil.twohosts import Drop, exchange, sweep, transfer
from tests.twohosts_helpers import (
    EXCHANGE_FLAGS, REPLY, REQUEST, by_dpkt, notebook_parser, resent_by_dpkt, tcp_frames,
)

pytestmark = pytest.mark.timeout(120)

PORT = 5001


@pytest.fixture(autouse=True)
def hosts_possible():
    reason = unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (.ci/run runs as root and installs ip, iptables and ethtool)")
        pytest.skip(reason)


def machine_state() -> dict[str, object]:
    """The machine's own namespace (links and firewall rules), and the namespaces this process made."""
    def run(*argv: str) -> str:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout

    links = sorted(line.split(":")[1].strip() for line in run("ip", "-o", "link").splitlines())
    mine = [name for name in kit_namespaces() if name.startswith(f"{netns.NAME_PREFIX}{netns._me()}-")]
    return {"links": links, "iptables": run("iptables", "-S"), "ip6tables": run("ip6tables", "-S"), "mine": mine}


@pytest.fixture
def clean():
    """The machine as it was before the test, to compare with after it."""
    before = machine_state()
    yield before
    assert machine_state() == before, "the test left something behind"


# --- up, joined, and gone ------------------------------------------------------------------

def test_two_hosts_on_one_link_and_nothing_else(clean):
    with TwoHosts("t-up") as hosts:
        names = [host.namespace for host in hosts]
        assert all(name in kit_namespaces() for name in names)
        during = machine_state()
        assert during["links"] == clean["links"] and during["iptables"] == clean["iptables"], \
            "nothing is made in the machine's own namespace"
        for host in hosts:
            link = host.run("ip", "-oneline", "link", "show", "eth0")
            assert f"link/ether {host.mac}" in link and "mtu 1500" in link
            assert f"{host.ipv4}/24" in host.run("ip", "-brief", "address")
            offloads = host.run("ethtool", "-k", "eth0")   # one frame per segment: what a drop rule drops
            for feature in ("tcp-segmentation-offload", "generic-segmentation-offload",
                            "generic-receive-offload", "tx-checksumming"):
                assert f"{feature}: off" in offloads, f"{feature} is on on host {host.name}"
        with hosts.a.socket() as stray:
            with pytest.raises(OSError) as raised:
                stray.connect(("198.51.100.1", 80))
            assert raised.value.errno == errno.ENETUNREACH
        with hosts.a.socket(socket.AF_INET6) as stray:
            with pytest.raises(OSError) as raised:
                stray.connect(("2001:db8:1::1", 80))
            assert raised.value.errno == errno.ENETUNREACH
        assert hosts.a.counters()["RetransSegs"] == 0 == hosts.b.counters()["RetransSegs"]
        assert "TCPTimeouts" in hosts.a.counters("TcpExt")
    assert not any(name in kit_namespaces() for name in names)


# --- one exchange, read by the notebook's parser and by dpkt -------------------------------

def test_the_exchange_read_by_the_notebooks_parser_agrees_with_dpkt(clean):
    with TwoHosts("t-exchange") as hosts:
        frames = exchange(hosts, REQUEST, REPLY)
    parse = notebook_parser()["parse_frame"]
    ours = [(frame, parse(frame.data)) for frame in frames]
    ours = [(frame, p) for frame, p in ours if p is not None]
    assert [tuple(p["tcp"]["flags"]) for _, p in ours] == EXCHANGE_FLAGS
    for frame, p in ours:
        theirs = by_dpkt(frame.data)
        assert p["ethernet"]["source"] == theirs["source_mac"]
        assert p["ethernet"]["destination"] == theirs["destination_mac"]
        assert (p["ip"]["source"], p["ip"]["destination"], p["ip"]["ttl"]) == (
            theirs["source"], theirs["destination"], theirs["ttl"])
        tcp = p["tcp"]
        for key in ("source_port", "destination_port", "seq", "ack", "window", "data_length"):
            assert tcp[key] == theirs[key], key
        assert set(tcp["flags"]) == theirs["flags"]
        assert tcp["options"] == theirs["options"]
        assert frame.outgoing == (p["ip"]["source"] == hosts.a.ipv4)
        view = tcp_view(frame.data)
        assert (view.seq, view.ack, view.length) == (tcp["seq"], tcp["ack"], tcp["data_length"])
    syn, syn_ack = ours[0][1]["tcp"], ours[1][1]["tcp"]
    for options in (syn["options"], syn_ack["options"]):
        assert options["MSS"] == 1460 and options["window scale"] == 7 and options["SACK permitted"]
    assert ours[3][1]["tcp"]["data"] == REQUEST and ours[5][1]["tcp"]["data"] == REPLY
    assert sum(1 for frame in frames if frame.data[12:14] == b"\x08\x06") == 2  # ARP: request, reply


def test_the_mss_on_the_link_over_ipv4_and_ipv6(clean):
    with TwoHosts("t-mss") as hosts:
        seen = {6: exchange(hosts, bytes(20_000), family=socket.AF_INET6, client_port=50001),
                4: exchange(hosts, bytes(20_000))}
    for version, announced in ((4, 1460), (6, 1440)):
        segments = [by_dpkt(frame.data) for frame in tcp_frames(seen[version])]
        assert segments[0]["options"]["MSS"] == announced
        sizes = [s["data_length"] for s in segments if s["data_length"]]
        assert sum(sizes) == 20_000 and set(sizes[:-1]) == {announced - 12}
        assert max(len(frame.data) for frame in seen[version]) == 1514


# --- loss --------------------------------------------------------------------------------------

def test_loss_is_resent_and_the_bytes_stay_exact(clean):
    with TwoHosts("t-loss") as hosts:
        with Drop(hosts.b, 0.05, PORT) as rule:
            done = transfer(hosts, 256_000, port=PORT, capture=True)
            dropped = rule.dropped()
        assert "statistic" not in hosts.b.run("iptables", "-S", "INPUT"), "the rule is removed on leaving"
    assert done.exact and done.received == done.sent == 256_000
    assert dropped > 0 and done.retransmitted > 0
    # The capture on host a saw every segment a sent: the resent ones are RetransSegs' count.
    assert resent_by_dpkt(done.frames, PORT) == done.retransmitted
    assert all(len(frame.data) <= 96 for frame in done.frames)


def test_a_sweep_measures_each_loss_rate(clean):
    with TwoHosts("t-sweep") as hosts:
        points = sweep(hosts, 100_000, [0.0, 0.1], runs=2, port=PORT)
    assert [p.loss for p in points] == [0.0, 0.1]
    assert all(p.exact and len(p.goodputs) == 2 and min(p.goodputs) > 0 for p in points)
    assert points[0].dropped == [0, 0]
    assert sum(points[1].dropped) > 0 and sum(points[1].retransmissions) > 0


# --- nothing left behind, whatever fails ------------------------------------------------------

def test_a_failed_start_leaves_nothing(clean, monkeypatch):
    real_run = netns._run

    def failing(argv, stdin=None):
        if "ethtool" in argv:  # half-way: both namespaces and the link exist by then
            raise HostsError("injected: ethtool failed")
        return real_run(argv, stdin)

    monkeypatch.setattr(netns, "_run", failing)
    hosts = TwoHosts("t-fail")
    with pytest.raises(HostsError, match="injected"):
        hosts.start()
    assert not hosts.running


@pytest.mark.parametrize("error", [RuntimeError("injected"), KeyboardInterrupt()], ids=["error", "interrupt"])
def test_leaving_with_an_error_or_an_interrupt_leaves_nothing(clean, error):
    with pytest.raises(type(error)):
        with TwoHosts("t-raise") as hosts:
            listener = hosts.b.socket()
            listener.bind((hosts.b.ipv4, PORT))
            listener.listen()
            with Drop(hosts.b, 0.5, PORT), Capture(hosts.a):
                raise error
    assert listener.fileno() == -1, "the hosts' sockets are closed with them"


def test_a_transfer_that_cannot_finish_raises_and_leaves_nothing(clean, monkeypatch):
    monkeypatch.setattr("sockutil.twohosts.TRANSFER_TIMEOUT", 1.0)
    with TwoHosts("t-stuck") as hosts:
        with Drop(hosts.b, 1.0, PORT), pytest.raises(OSError):
            transfer(hosts, 2_000_000, port=PORT, capture=True)
    assert not [t for t in threading.enumerate() if t.name.startswith("sockutil:")]


def test_running_again_under_a_label_replaces_the_first_hosts(clean):
    first = TwoHosts("t-again").start()
    sock = first.a.socket()
    assert first.start() is first and first.a.namespace in kit_namespaces()  # starting twice: no change
    second = TwoHosts("t-again").start()
    try:
        assert sock.fileno() == -1 and not first.running
        with pytest.raises(HostsError, match="host a is gone"):
            first.a.socket()
        assert [host.namespace in kit_namespaces() for host in second] == [True, True]
    finally:
        second.close()
        first.close()  # twice is fine


def test_leftovers_of_a_dead_process_go_and_another_process_s_stay(clean):
    dead_pid = subprocess.Popen(["true"])  # its pid is free once it has ended
    dead_pid.wait(timeout=30)
    dead = f"{netns.NAME_PREFIX}{dead_pid.pid}.0-old-1-a"
    alive = f"{netns.NAME_PREFIX}1.{netns._start_time(1)}-other-1-a"
    for name in (dead, alive):
        subprocess.run(["ip", "netns", "add", name], check=True, timeout=30)
    try:
        with TwoHosts("t-clean"):
            assert dead not in kit_namespaces() and alive in kit_namespaces()
    finally:
        for name in (dead, alive):
            subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=30)


# --- the capture itself ----------------------------------------------------------------------

def test_a_capture_starts_and_stops_in_any_order_from_any_thread(clean):
    with TwoHosts("t-capture") as hosts:
        never = Capture(hosts.a)
        assert never.stop() == [] and never.stop() == []
        capture = Capture(hosts.a).start()
        assert capture.start() is capture
        assert capture.wait_for(lambda frames: False, 0.05) is False
        stopper = threading.Thread(target=capture.stop)
        stopper.start()
        stopper.join(30)
        assert not stopper.is_alive()
        capture.stop()
        assert capture.kernel_dropped == 0 and capture.overflow == 0


def test_a_capture_keeps_at_most_its_limit(clean):
    with TwoHosts("t-limit") as hosts:
        with Capture(hosts.a, limit=3) as capture:
            exchange(hosts, REQUEST, REPLY)
        assert len(capture.frames) == 3 and capture.overflow > 0


# --- the lab, live ---------------------------------------------------------------------------

def test_the_lab_makes_fresh_hosts_records_and_removes_them_even_on_an_interrupt(clean, tmp_path, monkeypatch):
    from sockutil.replay import MODE_VARIABLE, Lab

    monkeypatch.delenv(MODE_VARIABLE, raising=False)
    lab = Lab(record_to=tmp_path / "recording.json")
    assert lab.live
    seen = lab.measure("namespaces", lambda hosts: [host.namespace for host in hosts])
    again = lab.measure("namespaces", lambda hosts: [host.namespace for host in hosts])
    assert seen != again and not set(seen + again) & set(kit_namespaces())
    assert "namespaces" in (tmp_path / "recording.json").read_text()

    def interrupted(hosts):
        with Capture(hosts.a), Drop(hosts.b, 0.5, PORT):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        lab.measure("interrupted", interrupted)
