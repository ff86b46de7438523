"""Time the W&B probe (default probe_timeout of each version) against a server that accepts and
answers one byte every 0.5 s, and one that accepts and never answers."""
import importlib.util, socket, sys, threading, time

def server(trickle):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
    def serve():
        while True:
            try:
                c = s.accept()[0]
            except OSError:
                return
            def talk(c=c):
                if not trickle:
                    time.sleep(120); return
                for b in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 200:
                    try: c.sendall(bytes([b])); time.sleep(0.5)
                    except OSError: return
            threading.Thread(target=talk, daemon=True).start()
    threading.Thread(target=serve, daemon=True).start()
    return s, s.getsockname()[1]

def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path); m = importlib.util.module_from_spec(spec); sys.modules[name] = m
    spec.loader.exec_module(m); return m

REPO = __import__("pathlib").Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
old = load(sys.argv[1], "old_tracking")  # `git show 79c7ee7:xtask/tracking.py > /tmp/old_tracking.py`
new = load(str(REPO / "xtask" / "tracking.py"), "new_tracking")
for kind in ("silent", "trickle"):
    for label, mod, timeout in (("old (5.0 s default)", old, 5.0), ("new (2.0 s default)", new, 2.0)):
        s, port = server(kind == "trickle")
        t = time.time(); r = mod.probe(f"http://127.0.0.1:{port}", timeout); dt = time.time() - t
        print(f"{kind:8} {label:20} {dt:6.1f} s  -> {r}")
        s.close()
