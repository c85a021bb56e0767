#!/usr/bin/env python3
"""Photograph the guides pages for the README (docs/screenshots/guides-*.png):
starts `target/debug/linli serve` on a scratch folder with the built
guides plugin, and drives Debian's Chromium through chromedriver.
    cargo build --release --target wasm32-wasip2 -p guides && cargo build -p linli
    python3 plugins/guides/tools/screenshots.py
"""
import base64, json, os, shutil, socket, subprocess, sys, tempfile, time, urllib.request

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
linli = os.path.join(root, "target/debug/linli")
wasm = os.path.join(root, "target/wasm32-wasip2/release/guides.wasm")
out = os.path.join(root, "docs/screenshots")
work = tempfile.mkdtemp()
os.makedirs(f"{work}/plugins"); os.makedirs(f"{work}/data")
shutil.copy(wasm, f"{work}/plugins/guides.wasm")
subprocess.run([linli, "admin", "create", "--username", "editor", "--roles", "editor", "--name", "内容编辑", "--password-stdin", "--data", f"{work}/data"],
               input=b"correct horse battery\n", check=True, stdout=subprocess.DEVNULL)

def free():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

port, dport = free(), free()
base = f"http://127.0.0.1:{port}"
host = subprocess.Popen([linli, "serve", "--no-hot-reload", "--listen", f"127.0.0.1:{port}", "--data", f"{work}/data", "--plugins", f"{work}/plugins"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
driver = subprocess.Popen(["chromedriver", f"--port={dport}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def call(method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{dport}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)

try:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1); urllib.request.urlopen(f"http://127.0.0.1:{dport}/status", timeout=1); break
        except Exception:
            time.sleep(0.2)
    caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1500", "--hide-scrollbars"]}}}}
    sid = call("POST", "/session", caps)["value"]["sessionId"]
    s = f"/session/{sid}"

    def shot(url, name, script=None):
        call("POST", f"{s}/url", {"url": base + url})
        if script:
            call("POST", f"{s}/execute/sync", {"script": script, "args": []})
        time.sleep(0.5)
        png = base64.b64decode(call("GET", f"{s}/screenshot")["value"])
        open(os.path.join(out, name), "wb").write(png)
        print("✓", name)

    shot("/guides?q=db&lang=zh-CN", "guides-search.png")
    shot("/guides/item/dibao?lang=zh-CN", "guides-item.png")
    shot("/guides/item/dibao/notice?lang=zh-CN", "guides-notice.png")
    call("POST", f"{s}/url", {"url": base + "/login?lang=zh-CN"})
    call("POST", f"{s}/execute/sync", {"script": "var f = document.querySelector('form[action=\"/login\"]'); f.username.value = 'editor'; f.password.value = 'correct horse battery'; f.next.value = '/guides/admin'; f.submit(); return 1;", "args": []})
    time.sleep(1)
    shot("/guides/admin/item/dibao?lang=zh-CN", "guides-admin.png")
    call("DELETE", s)
finally:
    driver.kill(); host.kill(); shutil.rmtree(work, ignore_errors=True)
