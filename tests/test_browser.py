"""The built book in a real browser: Debian's Chromium (never a downloaded one), driven by
Playwright from PyPI, over the book served on 127.0.0.1.

Every page loads with no console error and no request leaving the machine, every image loads
and has alt text, the launch/repository/download buttons open and point at the repository of
_config.yml, the search page finds a chapter, and every interactive figure responds to a drag
(3-D views) or a slider move (interpolations) and follows the dark theme. A screenshot of every
page (light, and dark where it has figures) is saved under _build/screenshots/ for inspection.
"""

import functools
import http.server
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from conftest import ROOT, toc_entries

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "the browser test needs Debian's Chromium at /usr/bin/chromium, which is missing: "
        "install Debian's package with `sudo apt-get install chromium fonts-noto-cjk` ("
        ".ci/run does this in CI); Playwright's own downloaded browsers are not used",
        allow_module_level=True,
    )

pytestmark = [pytest.mark.book, pytest.mark.browser]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
HARMLESS_CONSOLE = (
    # pydata-sphinx-theme logs this on a first visit, before a light/dark choice is stored in
    # localStorage; it then falls back to the default mode. Harmless.
    "Got invalid theme mode",
)
# Resources the *published* book may fetch from the internet, each with the reason. Offline (as
# here) the request is refused and the page must still work. None today: MathJax, the last one,
# is served with the book (book/_ext/offline_mathjax.py).
ONLINE_ONLY: dict[str, str] = {}
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPOSITORY = CONFIG["repository"]["url"].rstrip("/")
OWNER_REPO = urlsplit(REPOSITORY).path.strip("/")
BRANCH = CONFIG["repository"]["branch"]
PAGES = toc_entries()
NOTEBOOK_PAGES = [p for p in PAGES if (ROOT / f"{p}.ipynb").exists()]
CHAPTER_PAGES = [p for p in PAGES if re.match(r"book/(\d\d_|appendix_)", p)]
VIEWPORT = {"width": 1280, "height": 900}


def interactive_figures() -> list[tuple[str, int, str]]:
    """(page, index on the page, "3d" or "slider") for every interactive figure in the stored
    outputs of the notebooks the book shows, read without building anything."""
    found = []
    for entry in NOTEBOOK_PAGES:
        notebook = json.loads((ROOT / f"{entry}.ipynb").read_text(encoding="utf-8"))
        index = 0
        for cell in notebook["cells"]:
            for output in cell.get("outputs", []):
                html = "".join(output.get("data", {}).get("text/html", ""))
                if "labs-interactive" not in html:
                    continue
                kind = "3d" if '"type":"scatter3d"' in html else "slider" if '"sliders"' in html else "other"
                found.append((entry, index, kind))
                index += 1
    return found


FIGURES = interactive_figures()


# ---------------------------------------------------------------- fixtures


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(built_book):
    """The built book served over HTTP on 127.0.0.1 (a free port); yields its base URL."""
    handler = functools.partial(QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def screenshots(built_book):
    folder = built_book.parent / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@dataclass
class Visit:
    """A page opened in a fresh browser context, with what went wrong while it loaded."""

    page: object
    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        unexpected = [u for u in self.external if not any(k in u for k in ONLINE_ONLY)]
        return self.errors + [f"request leaving the machine: {u}" for u in unexpected]


def online_only(url: str) -> bool:
    return any(key in url for key in ONLINE_ONLY)


def visit(browser, url: str, *, dark: bool = False, viewport: dict = VIEWPORT,
          touch: bool = False) -> Visit:
    """Open ``url`` in a new context (light or dark theme; ``touch``: a phone's touch screen at
    2x), refuse every request that is not to 127.0.0.1, wait until the network is idle and every
    interactive figure has been drawn."""
    phone = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2} if touch else {}
    context = browser.new_context(viewport=viewport, service_workers="block", **phone)
    mode = "dark" if dark else "light"
    context.add_init_script(f"localStorage.setItem('mode', '{mode}');"
                            f"localStorage.setItem('theme', '{mode}');")
    result = Visit(page=None)

    def route(request_route):
        if urlsplit(request_route.request.url).hostname == "127.0.0.1":
            request_route.continue_()
        else:
            result.external.append(request_route.request.url)
            request_route.abort()

    def on_console(message):
        source = (message.location or {}).get("url", "")
        if message.type != "error" or any(h in message.text for h in HARMLESS_CONSOLE):
            return
        if message.text.startswith("Failed to load resource") and online_only(source):
            return  # an ONLINE_ONLY request refused above; listed in result.external
        result.errors.append(f"console error: {message.text} ({source})")

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", on_console)
    page.on("pageerror", lambda error: result.errors.append(f"uncaught exception: {error}"))
    page.on("response", lambda r: result.errors.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 else None)
    page.goto(url, wait_until="networkidle")
    page.wait_for_function(
        "document.querySelectorAll('.labs-interactive:not([data-labs-ready])').length === 0",
        timeout=30_000,
    )
    result.page = page
    return result


def close(result: Visit) -> None:
    result.page.context.close()


def shot_name(entry: str, suffix: str = "") -> str:
    return entry.replace("/", "__") + suffix + ".png"


LOAD_IMAGES = """async () => {
  const images = [...document.images];
  images.forEach(img => { img.loading = 'eager'; });
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  return images.map(img => ({src: img.getAttribute('src'), alt: img.getAttribute('alt'),
                             loaded: img.complete && img.naturalWidth > 0}));
}"""


# ---------------------------------------------------------------- every page


@pytest.mark.parametrize("entry", PAGES + ["search", "genindex"])
def test_page_loads_cleanly_and_every_image_loads_with_alt_text(browser, site, screenshots, entry):
    result = visit(browser, f"{site}{entry}.html")
    try:
        images = result.page.evaluate(LOAD_IMAGES)
        result.page.screenshot(path=str(screenshots / shot_name(entry)), full_page=True)
        has_figures = images or result.page.locator(".labs-interactive").count()
    finally:
        close(result)
    assert not result.problems(), "\n".join(result.problems())
    assert not [i["src"] for i in images if not i["loaded"]], "images that did not load"
    assert not [i["src"] for i in images if not (i["alt"] or "").strip()], "images without alt"
    if has_figures:  # the same page in the dark theme, for the figures' sake
        dark = visit(browser, f"{site}{entry}.html", dark=True)
        try:
            assert dark.page.evaluate("document.documentElement.dataset.theme") == "dark"
            dark.page.evaluate(LOAD_IMAGES)
            dark.page.screenshot(path=str(screenshots / shot_name(entry, ".dark")), full_page=True)
        finally:
            close(dark)
        assert not dark.problems(), "\n".join(dark.problems())


# ---------------------------------------------------------------- buttons and search


@pytest.mark.parametrize("entry", sorted(set(NOTEBOOK_PAGES[:1] + CHAPTER_PAGES[-1:])))
def test_header_buttons_open_and_point_at_the_configured_repository(browser, site, entry):
    result = visit(browser, f"{site}{entry}.html")
    page = result.page
    try:
        def opened(selector):
            page.locator(f"{selector} > button").click()
            items = page.locator(f"{selector} .dropdown-menu a")
            items.first.wait_for(state="visible")
            return [items.nth(i).get_attribute("href") for i in range(items.count())]

        launch = opened(".dropdown-launch-buttons")
        page.keyboard.press("Escape")
        source = opened(".dropdown-source-buttons")
        page.keyboard.press("Escape")
        download = opened(".dropdown-download-buttons")
    finally:
        close(result)
    notebook = f"{entry}.ipynb"
    # the plain-Markdown copy, on the branch CI publishes the copies to (tools/publish_notebooks.py)
    assert f"https://colab.research.google.com/github/{OWNER_REPO}/blob/{BRANCH}-notebooks/{notebook}" in launch
    assert f"https://mybinder.org/v2/gh/{OWNER_REPO}/{BRANCH}?urlpath=lab/tree/{notebook}" in launch
    assert REPOSITORY in source
    assert any(h.startswith(f"{REPOSITORY}/issues/new") for h in source)
    assert any(h and h.endswith(f"_sources/{notebook}") for h in download)


def test_search_finds_a_chapter(browser, site, screenshots):
    result = visit(browser, f"{site}search.html?q=latent")
    try:
        links = result.page.locator("#search-results ul.search li a")
        links.first.wait_for(timeout=20_000)
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        result.page.screenshot(path=str(screenshots / "search.results.png"), full_page=True)
    finally:
        close(result)
    assert not result.problems(), "\n".join(result.problems())
    assert any(page in href for href in hrefs for page in CHAPTER_PAGES), hrefs


# ---------------------------------------------------------------- maths, Korean, tables

MATHJAX_CDNS = ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com", "mathjax.org")


def math_pages(built_book) -> list[str]:
    """The built pages that contain formulas (Sphinx marks them with class="math")."""
    return sorted(str(p.relative_to(built_book).with_suffix(""))
                  for p in built_book.rglob("*.html")
                  if 'class="math' in p.read_text(encoding="utf-8"))


def test_formulas_render_with_the_mathjax_shipped_in_the_book(browser, site, built_book, screenshots):
    pages = math_pages(built_book)
    assert pages, "no built page has a formula"
    entry = "book/01_embedding" if "book/01_embedding" in pages else pages[0]
    result = visit(browser, f"{site}{entry}.html")  # refuses every request not to 127.0.0.1
    page = result.page
    try:
        typeset = settles(page, "document.querySelectorAll('mjx-container').length > 0 && "
                                "document.querySelectorAll('.math mjx-container').length === "
                                "document.querySelectorAll('.math').length", timeout=30_000)
        counts = page.evaluate("""() => ({
          math: document.querySelectorAll('.math').length,
          rendered: document.querySelectorAll('.math mjx-container').length,
          raw: [...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container'))
                 .map(e => e.textContent.trim().slice(0, 60)),
          scripts: [...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s)),
          version: window.MathJax && window.MathJax.version})""")
        page.locator(".math mjx-container").first.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / shot_name(entry, ".maths")))
    finally:
        close(result)
    assert not result.problems(), "\n".join(result.problems())
    assert not [u for u in result.external if any(cdn in u for cdn in MATHJAX_CDNS)], result.external
    assert counts["scripts"] and all(urlsplit(s).hostname == "127.0.0.1" for s in counts["scripts"]), \
        f"MathJax is not loaded from the book itself: {counts['scripts']}"
    assert typeset and counts["math"] == counts["rendered"] > 0, \
        f"{counts['rendered']} of {counts['math']} formulas typeset; shown as TeX: {counts['raw']}"
    assert str(counts["version"]).startswith("3."), counts["version"]


# Every text node of the article that contains Hangul, and whether an element around it (or it
# itself) says lang="ko". Code, maths and script contents are not prose and are skipped.
KOREAN_TEXT = r"""() => {
  const walker = document.createTreeWalker(document.querySelector('article.bd-article'),
                                           NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!/[\uac00-\ud7a3]/.test(node.textContent)) continue;
    const parent = node.parentElement;
    if (parent.closest('pre, code, script, style, .math, mjx-container')) continue;
    const marked = parent.closest('[lang]');
    found.push({text: node.textContent.trim().slice(0, 50),
                lang: marked ? marked.getAttribute('lang') : null,
                keepAll: getComputedStyle(parent).wordBreak === 'keep-all'});
  }
  return found;
}"""


def test_korean_text_of_the_source_document_is_marked_lang_ko(browser, site):
    result = visit(browser, f"{site}book/source_document.html")
    try:
        texts = result.page.evaluate(KOREAN_TEXT)
    finally:
        close(result)
    assert not result.problems(), "\n".join(result.problems())
    assert len(texts) > 20, f"too little Korean text found on the source document page: {texts}"
    unmarked = [t["text"] for t in texts if t["lang"] != "ko"]
    assert not unmarked, f"Korean text not inside an element with lang=\"ko\": {unmarked}"
    broken = [t["text"] for t in texts if not t["keepAll"]]
    assert not broken, f"Korean text that may break inside words (no word-break: keep-all): {broken}"


PHONE = {"width": 390, "height": 844}
TABLE_FIT = """() => [...document.querySelectorAll('article.bd-article table')].map(t => {
  const box = t.parentElement, style = getComputedStyle(box);
  const right = Math.max(...[...t.querySelectorAll('th, td')].map(c => c.getBoundingClientRect().right));
  return {fits: right <= box.getBoundingClientRect().right + 1 && t.scrollWidth <= box.clientWidth + 1,
          scrolls: ['auto', 'scroll'].includes(style.overflowX) && box.scrollWidth > box.clientWidth,
          boxInPage: box.getBoundingClientRect().right <= document.documentElement.clientWidth + 1,
          header: t.querySelector('tr').textContent.trim().slice(0, 60)};
})"""


@pytest.mark.parametrize("viewport", [VIEWPORT, PHONE], ids=["desktop", "phone"])
def test_performance_tables_are_never_clipped(browser, site, screenshots, viewport):
    result = visit(browser, f"{site}book/performance.html", viewport=viewport)
    page = result.page
    try:
        tables = page.evaluate(TABLE_FIT)
        page_overflow = page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth")
        name = "" if viewport is VIEWPORT else ".phone"
        page.locator("article.bd-article table").nth(1).screenshot(
            path=str(screenshots / shot_name("book/performance", f".table{name}")))
    finally:
        close(result)
    assert tables, "the performance page shows no table"
    assert not page_overflow, "the page itself scrolls sideways"
    if viewport is VIEWPORT:  # at desktop width every table fits the column, verdicts included
        assert all(t["fits"] for t in tables), [t for t in tables if not t["fits"]]
    clipped = [t for t in tables if not (t["fits"] or t["scrolls"]) or not t["boxInPage"]]
    assert not clipped, f"tables cut off instead of wrapping or scrolling in their box: {clipped}"


# Every code box of notebook cells: its font size against the text's, whether it scrolls inside
# its own box, and whether the page itself scrolls sideways.
CODE_BOXES = """() => {
  const text = parseFloat(getComputedStyle(document.querySelector('article.bd-article p')).fontSize);
  const pres = [...document.querySelectorAll('.bd-content div.cell div.highlight pre')];
  return {text, boxes: pres.map(p => ({size: parseFloat(getComputedStyle(p).fontSize),
            overflows: p.scrollWidth > p.clientWidth + 1,
            scrolls: ['auto', 'scroll'].includes(getComputedStyle(p).overflowX),
            inPage: p.getBoundingClientRect().right <= document.documentElement.clientWidth + 1,
            line: p.textContent.split('\\n')[0].slice(0, 50)})),
          pageOverflow: document.documentElement.scrollWidth > document.documentElement.clientWidth};
}"""
CODE_PAGES = ["book/01_embedding", "solutions/01_embedding"]


@pytest.mark.parametrize("entry", CODE_PAGES)
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_code_is_readable_and_scrolls_inside_its_box(browser, site, screenshots, entry, device):
    # book/_static/labs.css: 12-14 px where 88 columns fit, else 13 px scrolling in its box.
    phone = device == "phone"
    result = visit(browser, f"{site}{entry}.html", viewport=PHONE if phone else VIEWPORT, touch=phone)
    try:
        found = result.page.evaluate(CODE_BOXES)
        if phone:
            result.page.locator(".bd-content div.cell div.highlight pre").first.scroll_into_view_if_needed()
            result.page.screenshot(path=str(screenshots / shot_name(entry, ".code.phone")))
    finally:
        close(result)
    boxes = found["boxes"]
    assert boxes and found["text"] == 16, found["text"]
    small = [b for b in boxes if b["size"] < (13 if phone else 12)]
    assert not small, f"code below {13 if phone else 12} px against {found['text']} px text: {small[:3]}"
    stuck = [b for b in boxes if b["overflows"] and not b["scrolls"] or not b["inPage"]]
    assert not stuck, f"code cut off instead of scrolling inside its box: {stuck[:3]}"
    assert not found["pageOverflow"], "the page scrolls sideways"


def test_figures_are_shown_at_the_column_width_the_figure_text_rule_assumes(browser, site, screenshots):
    """tests/test_figures.py checks figure text against COLUMN_PX, the width the book gives a
    figure at a 1280 px window: measured here on the performance page's 100 %-wide figure."""
    from test_figures import COLUMN_PX, MIN_TEXT_PX

    result = visit(browser, f"{site}book/performance.html")
    try:
        figure = result.page.locator("#fig-performance-scaling img")
        figure.scroll_into_view_if_needed()
        shown = figure.evaluate("img => ({width: img.getBoundingClientRect().width, natural: img.naturalWidth})")
        figure.screenshot(path=str(screenshots / "book__performance.figure.png"))
    finally:
        close(result)
    assert abs(shown["width"] - COLUMN_PX) <= 1, f"the column is {shown['width']} px, not {COLUMN_PX}"
    import importlib.util

    spec = importlib.util.spec_from_file_location("scaling", ROOT / "benchmarks" / "scaling.py")
    scaling = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scaling)
    legend_px = scaling.LEGEND_FONTSIZE * shown["width"] / (72 * scaling.FIGSIZE[0])
    assert legend_px >= MIN_TEXT_PX, f"the figure's smallest text shows at {legend_px:.1f} px"


# ---------------------------------------------------------------- interactive figures


def test_some_page_has_both_kinds_of_interactive_figure():
    kinds = {kind for _, _, kind in FIGURES}
    assert {"3d", "slider"} <= kinds, f"interactive figures found: {FIGURES}"


def figure_handle(page, index):
    figure = page.locator(".labs-interactive").nth(index)
    figure.scroll_into_view_if_needed()
    return figure, f"document.querySelectorAll('.labs-interactive .labs-plot')[{index}]"


@pytest.mark.parametrize(("entry", "index", "kind"), FIGURES,
                         ids=[f"{e}-{i}-{k}" for e, i, k in FIGURES])
def test_interactive_figure_responds_and_follows_the_theme(browser, site, screenshots, entry, index, kind):
    result = visit(browser, f"{site}{entry}.html")
    page = result.page
    try:
        figure, plot = figure_handle(page, index)
        box = figure.locator(".labs-plot").bounding_box()
        if kind == "3d":
            camera = f"JSON.stringify({plot}._fullLayout.scene._scene.getCamera().eye)"
            before = page.evaluate(camera)
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.move(x, y)
            page.mouse.down()
            page.mouse.move(x + 160, y + 40, steps=12)
            page.mouse.up()
            # Wait on plotly's own state, not a fixed delay: a busy machine draws late.
            assert settles(page, f"{camera} !== {json.dumps(before)}"), \
                "dragging did not rotate the 3-D view"
        elif kind == "slider":
            grip = figure.locator(".slider-grip-rect").bounding_box()
            rail = figure.locator(".slider-rail-rect").bounding_box()
            last = page.evaluate(f"{plot}.layout.sliders[0].steps.length - 1")
            page.mouse.move(grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2)
            page.mouse.down()
            page.mouse.move(rail["x"] + rail["width"] + 20, grip["y"] + grip["height"] / 2, steps=12)
            page.mouse.up()
            assert settles(page, f"{plot}._fullLayout.sliders[0].active === {last}"), \
                "dragging the slider to its end did not select the last frame"
            shown = page.evaluate(f"JSON.stringify({plot}.data[1].z)")
            expected = page.evaluate(f"JSON.stringify({plot}.layout.sliders[0].steps[{last}].args[0].z[0])")
            assert shown == expected, "the middle panel does not show the frame the slider selects"
        figure.screenshot(path=str(screenshots / shot_name(entry, f".figure{index}")))
        light = page.evaluate(COLOURS, index)
        # The theme's own button: it cycles the mode; click until the page is dark.
        for _ in range(3):
            if page.evaluate("document.documentElement.dataset.theme") == "dark":
                break
            page.locator(".theme-switch-button").first.click()
        # The figure re-themes itself through a MutationObserver and Plotly.relayout.
        settles(page, f"{plot}._fullLayout.font.color !== {json.dumps(light['text'])}")
        dark = page.evaluate(COLOURS, index)
        figure.screenshot(path=str(screenshots / shot_name(entry, f".figure{index}.dark")))
    finally:
        close(result)
    assert not result.problems(), "\n".join(result.problems())
    assert light["text"] != dark["text"], "the figure's text colour did not follow the theme"
    for theme, colours in (("light", light), ("dark", dark)):
        ratio = contrast(colours["text"], colours["background"])
        assert ratio >= 4.5, f"{theme} theme: text {colours} has contrast {ratio:.1f} < 4.5"


def settles(page, condition: str, timeout: int = 15_000) -> bool:
    """Whether the JavaScript ``condition`` becomes true within ``timeout`` ms (polled per frame)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(condition, timeout=timeout)
    except PlaywrightTimeout:
        return False
    return True


# The figure's text colour, and the colour actually behind it (the first ancestor with an opaque
# background; the page's white if none).
COLOURS = r"""(index) => {
  const plot = document.querySelectorAll('.labs-interactive .labs-plot')[index];
  let node = plot, background = 'rgb(255, 255, 255)';
  while (node && node.nodeType === 1) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour && colour !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(colour)) { background = colour; break; }
    node = node.parentElement;
  }
  return {text: plot._fullLayout.font.color, background: background};
}"""


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two CSS colours (#rrggbb or rgb()/rgba())."""
    def luminance(colour):
        if colour.startswith("#"):
            channels = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
        else:
            channels = [float(v) for v in re.findall(r"[\d.]+", colour)[:3]]
        linear = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4
                  for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)



# ---------------------------------------------------------------- keyboard, touch, phone

FIGURE_IDS = [f"{e}-{i}-{k}" for e, i, k in FIGURES]
SLIDER = "(() => {{ const p = {plot}; return {{active: p._fullLayout.sliders[0].active, " \
         "last: p.layout.sliders[0].steps.length - 1, shows: JSON.stringify(p.data[1].z) === " \
         "JSON.stringify(p.layout.sliders[0].steps[p._fullLayout.sliders[0].active].args[0].z[0])}}; }})()"


@pytest.mark.parametrize(("entry", "index", "kind"), FIGURES, ids=FIGURE_IDS)
def test_interactive_figure_works_from_the_keyboard(browser, site, entry, index, kind):
    result = visit(browser, f"{site}{entry}.html")
    page = result.page
    try:
        figure, plot = figure_handle(page, index)
        element = figure.locator(".labs-plot")
        focusable = page.evaluate(f"{plot}.tabIndex === 0 && {plot}.getAttribute('role') !== 'img'")
        keys = page.evaluate(f"(document.getElementById({plot}.getAttribute('aria-describedby')) "
                             "|| {}).textContent || ''")
        element.focus()
        focused = page.evaluate(f"document.activeElement === {plot}")
        moves = {}
        if kind == "slider":
            state = SLIDER.format(plot=plot)
            page.keyboard.press("Home")
            moves["Home"] = settles(page, f"{state}.active === 0 && {state}.shows")
            page.keyboard.press("ArrowRight")
            moves["ArrowRight"] = settles(page, f"{state}.active === 1 && {state}.shows")
            page.keyboard.press("End")
            moves["End"] = settles(page, f"{state}.active === {state}.last && {state}.shows")
            page.keyboard.press("ArrowLeft")
            moves["ArrowLeft"] = settles(page, f"{state}.active === {state}.last - 1 && {state}.shows")
        elif kind == "3d":
            camera = f"JSON.stringify({plot}._fullLayout.scene._scene.getCamera().eye)"
            for key in ("ArrowLeft", "ArrowUp", "+"):
                before = page.evaluate(camera)
                page.keyboard.press(key)
                moves[key] = settles(page, f"{camera} !== {json.dumps(before)}")
    finally:
        close(result)
    assert not result.problems(), "\n".join(result.problems())
    assert focusable and focused, "the figure is not a Tab stop (tabindex=0, a role other than img)"
    assert "Keyboard" in keys, f"the figure's description does not say which keys it takes: {keys!r}"
    assert all(moves.values()), f"keys that did nothing: {[k for k, ok in moves.items() if not ok]}"


SWIPE = {"phone": (PHONE, True), "desktop": (VIEWPORT, False)}


def swipe_up(page, x: float, y: float, distance: float = 250) -> None:
    """One finger from (x, y) up by ``distance`` px, through Chromium's real touch input."""
    import time

    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 11):
        cdp.send("Input.dispatchTouchEvent",
                 {"type": "touchMove", "touchPoints": [{"x": x, "y": y - distance * step / 10}]})
        time.sleep(0.02)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


@pytest.mark.parametrize("device", SWIPE)
@pytest.mark.parametrize(("entry", "index", "kind"), FIGURES, ids=FIGURE_IDS)
def test_scrolling_over_an_interactive_figure_scrolls_the_page(browser, site, screenshots,
                                                               entry, index, kind, device):
    # A one-finger vertical swipe on a phone, the mouse wheel on the desktop: the page scrolls,
    # and a 3-D view neither zooms nor turns.
    viewport, touch = SWIPE[device]
    result = visit(browser, f"{site}{entry}.html", viewport=viewport, touch=touch)
    page = result.page
    try:
        figure, plot = figure_handle(page, index)
        element = figure.locator(".labs-plot")
        element.evaluate("e => e.scrollIntoView({block: 'center'})")
        box = element.bounding_box()
        # Inside the plot, above a slider (which takes horizontal drags), within the screen.
        x = box["x"] + box["width"] / 2
        y = min(box["y"] + box["height"] * (0.3 if kind == "slider" else 0.6), viewport["height"] - 20)
        camera = (f"JSON.stringify({plot}._fullLayout.scene._scene.getCamera().eye)"
                  if kind == "3d" else "null")
        before, eye = page.evaluate("window.scrollY"), page.evaluate(camera)
        if touch:
            swipe_up(page, x, y)
        else:
            page.mouse.move(x, y)
            page.mouse.wheel(0, 300)
        moved = settles(page, f"window.scrollY > {before} + 100", timeout=5_000)
        turned = page.evaluate(camera) != eye
        if touch:
            element.evaluate("e => e.scrollIntoView({block: 'start'})")
            figure.screenshot(path=str(screenshots / shot_name(entry, f".figure{index}.phone")))
    finally:
        close(result)
    assert not result.problems(), "\n".join(result.problems())
    what = "a vertical swipe" if touch else "the mouse wheel"
    assert moved, f"{what} over the figure did not scroll the page"
    assert not turned, f"{what} over the 3-D view moved its camera"


# Each interactive figure's text on a phone: panel captions apart from each other, and all of it
# inside the figure (SVG text; a 3-D view's point labels are WebGL, checked by the screenshots).
FIGURE_TEXT = """(plot) => {
  const frame = plot.getBoundingClientRect();
  const boxes = [...plot.querySelectorAll('.annotation-text, .slider-label, .gtitle, .legendtext')]
    .map(t => ({text: t.textContent, box: t.getBoundingClientRect()}))
    .filter(t => t.box.width > 0);
  const overlaps = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
    if (a.box.left < b.box.right && b.box.left < a.box.right && a.box.top < b.box.bottom &&
        b.box.top < a.box.bottom) overlaps.push([a.text, b.text]);
  }));
  const outside = boxes.filter(t => t.box.left < frame.left - 1 || t.box.right > frame.right + 1)
    .map(t => t.text);
  return {overlaps, outside, count: boxes.length,
          pageOverflow: document.documentElement.scrollWidth > document.documentElement.clientWidth};
}"""


@pytest.mark.parametrize(("entry", "index", "kind"), FIGURES, ids=FIGURE_IDS)
def test_interactive_figure_text_fits_a_phone(browser, site, entry, index, kind):
    result = visit(browser, f"{site}{entry}.html", viewport=PHONE, touch=True)
    try:
        figure, _ = figure_handle(result.page, index)
        text = figure.locator(".labs-plot").evaluate(FIGURE_TEXT)
    finally:
        close(result)
    assert not result.problems(), "\n".join(result.problems())
    assert text["count"], "no text of the figure found (plotly's class names changed?)"
    assert not text["pageOverflow"], "the page scrolls sideways on a phone"
    assert not text["overlaps"], f"texts that overlap on a phone: {text['overlaps']}"
    assert not text["outside"], f"texts cut at the figure's edges on a phone: {text['outside']}"


# ---------------------------------------------------------------- axe-core

AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
# Serious or critical axe-core findings that come from third-party markup the book cannot
# change, as (rule, a CSS selector's substring, reason). None today: the theme's and
# sphinxcontrib-bibtex's are repaired by book/_static/labs-a11y.js, the exercise boxes' link
# contrast by book/_static/labs.css.
AXE_THIRD_PARTY: list[tuple[str, str, str]] = []
AXE_RUN = """async () => {
  const found = await axe.run(document, {resultTypes: ['violations']});
  return found.violations.filter(v => ['serious', 'critical'].includes(v.impact)).flatMap(
    v => v.nodes.map(n => ({rule: v.id, impact: v.impact, target: n.target.join(' '),
                            html: n.html.slice(0, 160), why: n.failureSummary.slice(0, 240)})));
}"""
FIGURE_PAGES = sorted({entry for entry, _, _ in FIGURES})


@pytest.mark.parametrize(("entry", "dark"),
                         [(p, False) for p in PAGES + ["search", "genindex"]]
                         + [(p, True) for p in FIGURE_PAGES],
                         ids=[p for p in PAGES + ["search", "genindex"]]
                         + [f"{p}-dark" for p in FIGURE_PAGES])
def test_no_serious_or_critical_accessibility_violation(browser, site, entry, dark):
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed ({AXE} is missing): run `make install` with npm "
                    "on the PATH, or `npm ci --prefix tests --no-audit --no-fund`")
    result = visit(browser, f"{site}{entry}.html", dark=dark)
    try:
        result.page.add_script_tag(path=str(AXE))
        assert result.page.evaluate("axe.version") == "4.14.1"
        found = result.page.evaluate(AXE_RUN)
    finally:
        close(result)
    left = [f for f in found
            if not any(f["rule"] == rule and part in f["target"] for rule, part, _ in AXE_THIRD_PARTY)]
    assert not left, "axe-core: serious or critical violations\n" + "\n".join(
        f"{f['impact']} {f['rule']}: {f['target']} {f['html']!r}\n    {f['why']}" for f in left)


# ---------------------------------------------------------------- JupyterLab and a downloaded notebook

LAB_CHAPTER = "book/01_embedding"
LAB_TOKEN = "labs-browser-test"
# Rendered markdown that still shows MyST: the reader would see markup instead of a number/link.
RAW_MYST = ("{glue", "{term}", "{ref}", "{doc}", "{cite", "```{", ":::{", "(claim-")
# A markdown cell's rendered output: jupyterlab-myst's widget, else JupyterLab's own renderer.
RENDERED = ".myst, .jp-RenderedMarkdown"
LAB_SETTINGS = {  # no news or update check (offline), every cell rendered (no windowing)
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def export_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("export_notebooks", ROOT / "tools" / "export_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`make lab` (tools/lab.py: the plain-Markdown copies, JupyterLab with jupyterlab-myst) on
    127.0.0.1, with a private settings, workspace and runtime folder; yields (base URL, folder)."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    folder = tmp_path_factory.mktemp("lab")
    copies, settings = folder / "notebooks", folder / "settings"
    for name, values in LAB_SETTINGS.items():
        path = settings / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, str(ROOT / "tools" / "lab.py"), "--out", str(copies), "--no-browser",
               f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={LAB_TOKEN}",
               f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={folder / 'ws'}",
               "--LabApp.extension_manager=readonly", "--LabApp.news_url="]
    command += ["--allow-root"] if os.geteuid() == 0 else []
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
           "JUPYTER_CONFIG_DIR": str(folder / "config")}
    log = (folder / "lab.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}api/status?token={LAB_TOKEN}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("`make lab` (tools/lab.py) did not start JupyterLab:\n"
                                + (folder / "lab.log").read_text()[-3000:])
                time.sleep(0.3)
        yield base, copies
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


LAB_NOTEBOOK = r"""() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cells = [...panel.querySelectorAll('.jp-MarkdownCell')];
  const outputs = cells.map(c => c.querySelector('.myst, .jp-RenderedMarkdown')).filter(Boolean);
  const links = outputs.flatMap(o => [...o.querySelectorAll('a[href]')]).map(a => a.getAttribute('href'));
  const tab = document.querySelector('.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current');
  return {markdown: cells.length, rendered: outputs.length,
          text: outputs.map(o => o.innerText).join('\n'), links,
          myst: outputs.filter(o => o.classList.contains('myst')).length,
          noRenderer: panel.innerText.includes('No renderer could be found'),
          tab: tab ? tab.getAttribute('title') : null};
}"""


def open_in_lab(browser, base, path):
    """``path`` (inside the lab's folder) opened in JupyterLab at desktop size, once every markdown
    cell is rendered; returns (page, what LAB_NOTEBOOK reads) and leaves the page open."""
    context = browser.new_context(viewport=VIEWPORT)
    context.route("**/*", lambda r: r.continue_() if urlsplit(r.request.url).hostname == "127.0.0.1"
                  else r.abort())
    page = context.new_page()
    page.goto(f"{base}lab/tree/{path}?reset&token={LAB_TOKEN}")
    page.wait_for_function(
        "(() => { const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');"
        " if (!p) return false; const cells = p.querySelectorAll('.jp-MarkdownCell');"
        " return cells.length > 0 && [...cells].every(c => c.querySelector('.myst, .jp-RenderedMarkdown')); })()",
        timeout=90_000)
    return page, page.evaluate(LAB_NOTEBOOK)


def glued_numbers(entry: str) -> list[str]:
    """The numbers a page's prose cites through glue, as the copies write them."""
    export = export_module()
    notebook = json.loads((ROOT / f"{entry}.ipynb").read_text(encoding="utf-8"))
    converter = export.Converter(export.Site(), entry, export.glued_values(notebook))
    markdown = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    return [converter.role(m) for m in export.ROLE.finditer(markdown) if m.group(1).startswith("glue")]


def show(page, text: str, path: Path) -> None:
    """Scroll the rendered markdown that contains ``text`` into view and screenshot the window."""
    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell", has_text=text).first
    cell.scroll_into_view_if_needed()
    page.screenshot(path=str(path))


def check_readable(found: dict, entry: str) -> None:
    numbers = glued_numbers(entry)
    assert numbers, f"{entry} glues no number: pick another chapter for LAB_CHAPTER"
    assert found["rendered"] == found["markdown"] > 0, found
    assert found["myst"] > 0, "jupyterlab-myst did not render the markdown (is it installed?)"
    left = [raw for raw in RAW_MYST if raw in found["text"]]
    assert not left, f"MyST shown raw: {left}"
    missing = [n for n in numbers if n not in found["text"]]
    assert not missing, f"glued numbers not in the rendered prose: {missing}"
    book = export_module().base_url()
    assert sum(h.startswith(book + "book/glossary.html#term-") for h in found["links"]) >= 5, found["links"]
    assert not found["noRenderer"], "an output JupyterLab cannot show (a glue record?)"


def test_a_chapter_reads_in_make_lab_with_its_numbers_and_links(browser, lab, screenshots):
    base, copies = lab
    name = LAB_CHAPTER.split("/")[1]
    page, found = open_in_lab(browser, base, f"{LAB_CHAPTER}.ipynb")
    try:
        numbers = glued_numbers(LAB_CHAPTER)
        show(page, numbers[0], screenshots / f"lab.make_lab.{name}.png")
        # Each exercise ends with a link to its solution notebook (jupyterlab-myst writes the
        # relative ../solutions/NAME.ipynb as the server's /files/solutions/NAME.ipynb URL).
        links = page.locator(".jp-MarkdownCell .myst a", has_text=f"solutions/{name}.ipynb")
        count = links.count()
        links.first.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / f"lab.make_lab.{name}.exercise.png"))
        links.first.click()  # JupyterLab opens the solution notebook in a tab of its own
        title = json.loads((copies / "solutions" / f"{name}.ipynb").read_text(encoding="utf-8"))
        title = "".join(title["cells"][0]["source"]).splitlines()[0].lstrip("# ").strip()
        opened = settles(page, "(document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) "
                               f".jp-MarkdownCell .myst') || {{}}).innerText?.includes({json.dumps(title)})",
                         timeout=60_000)
        page.screenshot(path=str(screenshots / f"lab.make_lab.{name}.solution.png"))
    finally:
        page.context.close()
    check_readable(found, LAB_CHAPTER)
    exercises = sum(len(re.findall(r"^(?:`{3,}|:{3,})\{exercise\}", "".join(c["source"]), re.M))
                    for c in json.loads((ROOT / f"{LAB_CHAPTER}.ipynb").read_text(encoding="utf-8"))["cells"])
    assert count == exercises > 0, f"{count} links to the solution notebook for {exercises} exercises"
    assert opened, f"the exercise's link did not open the solution notebook ({title!r})"


def test_a_downloaded_chapter_reads_in_jupyterlab_with_its_numbers_and_links(browser, site, lab,
                                                                            screenshots):
    base, copies = lab
    name = LAB_CHAPTER.split("/")[1]
    result = visit(browser, f"{site}{LAB_CHAPTER}.html")
    try:  # the book's own download button, as a reader clicks it
        result.page.locator(".dropdown-download-buttons > button").click()
        with result.page.expect_download() as download:
            result.page.locator(".dropdown-download-buttons a[href$='.ipynb']").click()
        saved = copies / "downloads" / download.value.suggested_filename
        saved.parent.mkdir(exist_ok=True)
        download.value.save_as(saved)
    finally:
        close(result)
    assert saved.name == f"{name}.ipynb"
    page, found = open_in_lab(browser, base, f"downloads/{saved.name}")
    try:
        show(page, glued_numbers(LAB_CHAPTER)[0], screenshots / f"lab.download.{name}.png")
    finally:
        page.context.close()
    check_readable(found, LAB_CHAPTER)


def test_jupyterlab_myst_renders_the_source_notebooks_directives(browser, lab, screenshots):
    """With --sources (make lab SOURCES=1) the MyST of the sources renders, glue excepted: why
    make lab opens the copies."""
    import shutil

    base, copies = lab
    name = LAB_CHAPTER.split("/")[1]
    (copies / "sources").mkdir(exist_ok=True)
    shutil.copy(ROOT / f"{LAB_CHAPTER}.ipynb", copies / "sources" / f"{name}.ipynb")
    page, found = open_in_lab(browser, base, f"sources/{name}.ipynb")
    try:
        fences = page.evaluate("[...document.querySelectorAll('.jp-MarkdownCell .myst pre')]"
                               ".filter(p => /^\\s*\\{(exercise|admonition)/.test(p.innerText)).length")
        boxes = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell .myst aside").count()
        page.locator(".jp-MarkdownCell .myst aside").first.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / f"lab.sources.{name}.png"))
    finally:
        page.context.close()
    assert found["myst"] > 0, "jupyterlab-myst did not render the markdown (is it installed?)"
    assert fences == 0 and boxes > 0, f"directives shown as code ({fences}) or not as boxes ({boxes})"
