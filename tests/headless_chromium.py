"""Open a local page in headless Chromium and report what a person's browser would meet: console errors, loads that
failed or left the machine, the page's facts, and a screenshot.

Chromium is driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``: JSON messages ending in
a NUL byte on file descriptors 3 and 4), so no Python package is needed, only Debian's ``chromium``
(``apt-get install -y chromium``). Run as a script to check a page by hand::

    python tests/headless_chromium.py report.html [screenshot.png]
"""
import base64
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: What a test needs of the browser, nothing more: no sandbox (root in CI), no GPU, and none of its own traffic
#: (background networking, component updates, sync, QUIC), so that every request seen is the page's.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--mute-audio", "--remote-debugging-pipe")
#: A laptop's screen.
LAPTOP = (1366, 768)

# The page's facts, read once every image is decoded.
FACTS = """(async () => {
  const images = [...document.images];
  await Promise.all(images.map(i => i.decode().catch(() => null)));
  const box = e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
  return JSON.stringify({
    title: document.title,
    sections: [...document.querySelectorAll("section[data-section]")].map(s => s.dataset.section),
    headings: [...document.querySelectorAll("h2, h3, h4")].map(h => h.innerText),
    images: images.map(i => ({natural: [i.naturalWidth, i.naturalHeight], shown: box(i), alt: i.alt})),
    board_rows: document.querySelectorAll("table.gcr-board tbody tr").length,
    scripts: document.scripts.length,
    page_width: document.documentElement.scrollWidth,
    viewport_width: document.documentElement.clientWidth,
    text: document.body.innerText,
  });
})()"""


class BrowserError(RuntimeError):
    """Chromium could not be started or did not answer."""


class Page:
    """What opening one page gave: ``errors`` (console errors, uncaught exceptions, error log entries),
    ``failed`` (loads that failed), ``requests`` (every URL requested), ``facts`` (see :data:`FACTS`) and
    ``screenshot`` (PNG bytes of the first screen)."""

    def __init__(self, errors, failed, requests, facts, screenshot, browser):
        self.errors, self.failed, self.requests = errors, failed, requests
        self.facts, self.screenshot, self.browser = facts, screenshot, browser

    def problems(self, own_url):
        """What a self-contained page must not show: errors, failed loads, and requests for anything but itself
        and the ``data:`` URLs inside it."""
        foreign = [u for u in self.requests if u != own_url and not u.startswith("data:")]
        return ([f"console: {e}" for e in self.errors] + [f"failed load: {f}" for f in self.failed]
                + [f"request outside the page: {u}" for u in foreign])


class _Pipe:
    """The DevTools protocol over Chromium's pipe: numbered commands, and the events that arrive meanwhile."""

    def __init__(self, write_fd, read_fd, process, timeout):
        self.write_fd, self.read_fd, self.process = write_fd, read_fd, process
        self.deadline = time.monotonic() + timeout
        self.buffer, self.events, self.next_id = b"", [], 0

    def _message(self):
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                raise BrowserError("chromium stopped answering" if left > 0 else "chromium took too long")
            ready, _, _ = select.select([self.read_fd], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(self.read_fd, 1 << 16)
                if not chunk:
                    raise BrowserError("chromium closed its pipe")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, session=None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._message()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method):
        while True:
            if any(e.get("method") == method for e in self.events):
                return
            self.events.append(self._message())


def open_page(path, *, size=LAPTOP, expression=FACTS, timeout=90):
    """Open the file ``path`` in headless Chromium at ``size`` (CSS pixels); return a :class:`Page`."""
    return open_pages([path], size=size, expression=expression, timeout=timeout)[0]


def open_pages(paths, *, size=LAPTOP, expression=FACTS, timeout=90):
    """Open each file of ``paths`` in a tab of its own, one after the other, in one headless Chromium."""
    if CHROMIUM is None:
        raise BrowserError("chromium is not installed (apt-get install -y chromium)")
    profile = tempfile.mkdtemp(prefix="genreclf-chromium-")
    # the pipe's ends go to descriptors 3 (commands) and 4 (replies) of the child: first moved above 10 so that
    # placing one cannot close the other
    commands_read, commands_write = os.pipe()
    replies_read, replies_write = os.pipe()
    child_read = fcntl.fcntl(commands_read, fcntl.F_DUPFD_CLOEXEC, 10)
    child_write = fcntl.fcntl(replies_write, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(commands_read)
    os.close(replies_write)

    def place_pipe():
        os.dup2(child_read, 3)
        os.dup2(child_write, 4)

    log = open(os.path.join(profile, "stderr.txt"), "wb")
    # a session of its own: its renderer and helper processes are ended with it, by its process group
    process = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                               stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=place_pipe,
                               close_fds=False, start_new_session=True)
    os.close(child_read)
    os.close(child_write)
    pipe = _Pipe(commands_write, replies_read, process, timeout)
    pages = []
    try:
        browser = pipe.send("Browser.getVersion").get("product", "chromium")
        for path in paths:
            target = pipe.send("Target.createTarget", url="about:blank")["targetId"]
            session = pipe.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            for domain in ("Runtime", "Log", "Network", "Page"):
                pipe.send(f"{domain}.enable", session)
            pipe.send("Emulation.setDeviceMetricsOverride", session, width=size[0], height=size[1],
                      deviceScaleFactor=1, mobile=False)
            pipe.events.clear()  # about:blank's own
            pipe.send("Page.navigate", session, url=Path(path).resolve().as_uri())
            pipe.wait_for("Page.loadEventFired")
            value = pipe.send("Runtime.evaluate", session, expression=expression, awaitPromise=True,
                              returnByValue=True)
            if "exceptionDetails" in value:
                raise BrowserError(f"evaluating the page's facts failed: {value['exceptionDetails']}")
            facts = json.loads(value["result"]["value"])
            shot = base64.b64decode(pipe.send("Page.captureScreenshot", session, format="png")["data"])
            pages.append(_page([e for e in pipe.events if e.get("sessionId") == session], facts, shot, browser))
            pipe.send("Target.closeTarget", targetId=target)
        try:
            pipe.send("Browser.close")
        except BrowserError:  # it closed before answering
            pass
    except BrowserError as err:
        log.flush()
        tail = Path(profile, "stderr.txt").read_bytes()[-3000:].decode(errors="replace")
        raise BrowserError(f"{err}\n--- chromium's stderr ---\n{tail}") from None
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the browser's group: the one started here, nothing else
        except ProcessLookupError:  # it had ended, helpers and all
            pass
        process.wait()
        log.close()
        os.close(commands_write)
        os.close(replies_read)
        for _ in range(50):  # a helper may still be writing to the profile as it ends
            shutil.rmtree(profile, ignore_errors=True)
            if not os.path.exists(profile):
                break
            time.sleep(0.1)
    return pages


def _page(events, facts, screenshot, browser):
    errors, failed, requests, urls = [], [], [], {}
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            errors.append(f"{details.get('text', 'exception')} {details.get('exception', {}).get('description', '')}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            errors.append(f"{params['entry'].get('text')} ({params['entry'].get('url', '')})")
        elif method == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
            requests.append(params["request"]["url"])
        elif method == "Network.loadingFailed":
            failed.append(f"{urls.get(params['requestId'], '?')}: {params.get('errorText')}"
                          f"{' (' + params['blockedReason'] + ')' if params.get('blockedReason') else ''}")
    return Page(errors, failed, requests, facts, screenshot, browser)


if __name__ == "__main__":  # pragma: no cover - a tool for people
    page = open_page(sys.argv[1])
    if len(sys.argv) > 2:
        Path(sys.argv[2]).write_bytes(page.screenshot)
    own = Path(sys.argv[1]).resolve().as_uri()
    facts = {k: v for k, v in page.facts.items() if k != "text"}
    print(json.dumps({"browser": page.browser, "problems": page.problems(own), **facts}, indent=1)[:4000])
    sys.exit(1 if page.problems(own) else 0)
