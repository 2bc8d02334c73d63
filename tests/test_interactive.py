"""labs.interactive: figures that are small, offline-readable and byte-stable (strict nbval),
the live explorer and its static fallback, the Sphinx side, and a guard over every notebook's
outputs. The browser test (tests/test_browser.py) drives the same figures in Chromium."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, plotly_static
from labs import interactive

sys.path.insert(0, str(ROOT / "tools"))
import setup_cell  # noqa: E402

WORDS = [f"word{i}" for i in range(12)]
GROUPS = ["a", "b", "c"] * 4


@pytest.fixture
def vectors():
    return np.random.default_rng(0).normal(size=(12, 50))


@pytest.fixture
def frames():
    return np.linspace(0.0, 1.0, 7)[:, None] * np.ones((7, 64))


def spec_json(html: str) -> dict:
    found = re.search(r'<script type="application/json">(.*?)</script>', html, re.S)
    assert found, "the figure HTML carries no JSON spec"
    return json.loads(found.group(1).replace("<\\/", "</"))


# ---------------------------------------------------------------- the 3-D view of vectors


def test_pca_3d_matches_scikit_learn(vectors):
    from sklearn.decomposition import PCA

    coordinates, kept = interactive.pca_3d(vectors)
    reference = PCA(n_components=3).fit(vectors)
    np.testing.assert_allclose(kept, reference.explained_variance_ratio_, rtol=1e-6)
    projected = reference.transform(vectors)
    for axis in range(3):  # the same axes up to sign
        sign = np.sign(projected[:, axis] @ coordinates[:, axis])
        np.testing.assert_allclose(coordinates[:, axis], sign * projected[:, axis], atol=1e-8)


def test_pca_3d_axes_signs_depend_on_the_data_only(vectors):
    """An SVD may return either sign for an axis; pca_3d fixes it, so negating the data negates
    the coordinates instead of leaving them to chance."""
    coordinates, _ = interactive.pca_3d(vectors)
    negated, _ = interactive.pca_3d(-vectors)
    np.testing.assert_allclose(negated, -coordinates, atol=1e-10)


def test_vectors_3d_draws_one_trace_per_group_with_labels(vectors):
    view = interactive.plot_vectors_3d(vectors, WORDS, groups=GROUPS, title="t")
    traces = view.spec["data"]
    assert [t["name"] for t in traces] == ["a", "b", "c"]
    assert all(t["type"] == "scatter3d" for t in traces)
    assert sorted(sum((t["text"] for t in traces), [])) == sorted(WORDS)
    colours = [t["marker"]["color"] for t in traces]
    assert len(set(colours)) == 3 and all(c in interactive.FIGURE_COLOURS for c in colours)
    assert len({t["marker"]["symbol"] for t in traces}) == 3  # told apart by shape as well
    assert view.coordinates.shape == (12, 3) and view.variance_kept.shape == (3,)
    assert "12 embedding vectors in 3 groups" in view.alt


def test_vectors_3d_never_uses_black_or_the_glyphless_x_marker():
    assert "#000000" not in [c.upper() for c in interactive.FIGURE_COLOURS]
    assert "x" not in interactive.SYMBOLS_3D


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [((np.zeros((4, 5)), ["a", "b"]), {}, "labels must name every row"),
     ((np.zeros((3, 5)), ["a", "b", "c"]), {"groups": ["g"]}, "one entry per vector"),
     ((np.zeros((2, 5)), ["a", "b"]), {}, "at least 3 vectors"),
     ((np.zeros((4, 2)), list("abcd")), {}, "at least 3 dimensions"),
     ((np.full((4, 5), np.nan), list("abcd")), {}, "NaN"),
     ((np.zeros(5), ["a"]), {}, "labels must name every row")],
)
def test_vectors_3d_rejects_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        interactive.plot_vectors_3d(*args, **kwargs)


def test_spread_labels_point_away_from_their_group_centre(vectors):
    view = interactive.plot_vectors_3d(vectors, WORDS, groups=GROUPS, spread_labels=True)
    positions = [p for trace in view.spec["data"] for p in trace["textposition"]]
    assert len(positions) == len(WORDS) and len(set(positions)) > 1
    plain = interactive.plot_vectors_3d(vectors, WORDS, groups=GROUPS)
    assert {trace["textposition"] for trace in plain.spec["data"]} == {"top center"}
    # seen from the first camera, a point to the right of its group gets its label on the right
    right = np.cross(-np.array(interactive.CAMERA_EYE), [0, 0, 1])
    xyz = np.array([[0, 0, 0], right, -right], dtype=float)
    sides = interactive.label_positions(xyz, ["g"] * 3)
    assert sides == ["top center", "middle right", "middle left"]
    with pytest.raises(ValueError, match="one group each"):
        interactive.label_positions(xyz, ["g"])


# ---------------------------------------------------------------- the interpolation slider


def test_slider_has_one_step_per_frame_and_shows_the_ends(frames):
    figure = interactive.interpolation_slider(frames, (8, 8), ends=("a 0", "a 6"))
    layout, data = figure.spec["layout"], figure.spec["data"]
    steps = layout["sliders"][0]["steps"]
    assert len(steps) == 7 and layout["sliders"][0]["active"] == 3
    for step, frame in zip(steps, frames):
        assert step["method"] == "update" and step["args"][2] == [1]  # restyles the middle panel
        np.testing.assert_allclose(np.array(step["args"][0]["z"][0]).ravel(), frame, atol=1e-4)
    np.testing.assert_allclose(np.array(data[0]["z"]).ravel(), frames[0])
    np.testing.assert_allclose(np.array(data[1]["z"]).ravel(), frames[3])
    np.testing.assert_allclose(np.array(data[2]["z"]).ravel(), frames[-1])
    assert [s["label"] for s in steps][::3] == ["0.00", "0.50", "1.00"]
    assert "a 0" in figure.alt and "a 6" in figure.alt


def test_slider_accepts_images_as_rows_or_as_grids(frames):
    flat = interactive.interpolation_slider(frames, (8, 8))
    grid = interactive.interpolation_slider(frames.reshape(7, 8, 8), (8, 8))
    assert flat.to_json() == grid.to_json()


@pytest.mark.parametrize(
    ("frames", "kwargs", "message"),
    [(np.zeros((5, 63)), {}, r"must be \(n_frames, 64\)"),
     (np.zeros((1, 64)), {}, "at least 2 frames"),
     (np.full((3, 64), np.inf), {}, "NaN or infinite"),
     (np.zeros((3, 64)), {"value_range": (1.0, 0.0)}, "low < high")],
)
def test_slider_rejects_bad_input(frames, kwargs, message):
    with pytest.raises(ValueError, match=message):
        interactive.interpolation_slider(frames, (8, 8), **kwargs)


def test_titles_are_html_text_above_the_figure_and_in_plotlys_own_json(frames):
    title = "From a 0 to a 6 along a straight line <in> the latent space of PCA"
    figure = interactive.interpolation_slider(frames, (8, 8), title=title)
    assert "title" not in figure.spec["layout"]  # plotly places multi-line titles badly
    assert '<p class="labs-figure-title"' in figure.html()
    assert "From a 0 to a 6 along a straight line &lt;in&gt; the latent space" in figure.html()
    assert figure.plotly_json()["layout"]["title"]["text"] == title


# ---------------------------------------------------------------- small, offline, stable


def test_bundle_has_html_for_the_book_json_for_jupyterlab_and_text(vectors):
    view = interactive.plot_vectors_3d(vectors, WORDS)
    bundle = view._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain", interactive.PLOTLY_MIME}
    assert spec_json(bundle["text/html"]) == json.loads(view.to_json())
    assert bundle[interactive.PLOTLY_MIME]["data"] == view.spec["data"]
    assert bundle["text/plain"].startswith("[interactive figure] ")


def test_figures_are_small_and_never_embed_plotly_js(vectors, frames):
    plotly_js = plotly_static().plotly_js_path().read_text(encoding="utf-8")
    sizes = {
        "3-D view of 40 vectors": interactive.plot_vectors_3d(
            np.random.default_rng(1).normal(size=(40, 384)), [f"w{i}" for i in range(40)],
            groups=["a", "b", "c", "d", "e"] * 8),
        "slider over 11 8x8 frames": interactive.interpolation_slider(
            np.random.default_rng(2).random((11, 64)), (8, 8)),
    }
    for name, figure in sizes.items():
        html = figure.html()
        assert len(html.encode()) < 30_000, f"{name}: {len(html)} bytes of HTML"
        assert plotly_js[:200] not in html and "Plotly.register" not in html
    assert len(plotly_js) > 1_000_000  # what the figures do not carry


def test_html_is_the_same_bytes_in_a_fresh_process_with_another_hash_seed():
    code = (
        "import numpy as np; from labs import interactive as i;"
        "v = np.random.default_rng(0).normal(size=(9, 20));"
        "a = i.plot_vectors_3d(v, list('abcdefghi'), groups=list('xyzxyzxyz')).html();"
        "b = i.interpolation_slider(np.random.default_rng(1).random((5, 64)), (8, 8)).html();"
        "print(a + b)"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    assert re.search(r'id="labs-figure-[0-9a-f]{12}"', outputs.pop())


def test_any_plotly_figure_can_take_the_route():
    import plotly.graph_objects as go

    figure = go.Figure(go.Scatter(x=np.arange(3), y=np.array([1.0, 3.0, 2.0])))
    wrapped = interactive.InteractiveFigure.from_plotly(figure, alt="A line through 3 points")
    assert "template" not in wrapped.spec["layout"]  # plotly's default template is 8 KB
    assert wrapped.spec["data"][0]["type"] == "scatter"
    assert len(wrapped.html()) < 6_000


def test_figure_id_follows_the_figure_not_the_last_digits(vectors):
    first = interactive.plot_vectors_3d(vectors, WORDS)
    assert first.figure_id == interactive.plot_vectors_3d(vectors, WORDS).figure_id
    # Another machine's kernels move the coordinates: the id that stored outputs hold stays.
    moved = interactive.plot_vectors_3d(vectors * (1 + 1e-3), WORDS)
    assert moved.to_json() != first.to_json() and moved.figure_id == first.figure_id
    # Other words or another number of points make another figure.
    other_words = [word.upper() for word in WORDS]
    assert first.figure_id != interactive.plot_vectors_3d(vectors, other_words).figure_id
    assert first.figure_id != interactive.plot_vectors_3d(vectors[:-1], WORDS[:-1]).figure_id


def test_plotly_js_comes_from_the_book_and_the_cdn_only_outside_it(vectors):
    html = interactive.plot_vectors_3d(vectors, WORDS).html()
    urls = set(re.findall(r"https?://[^\"' <>]+", html))
    assert urls == {f"https://cdn.plot.ly/plotly-{interactive.plotly_js_version()}.min.js"}
    # The CDN is the branch taken only when the page is not a Sphinx page (Colab's outputs).
    assert "root !== null ? root + '_static/plotly.min.js'" in html


def test_text_cannot_close_the_script_tag(vectors):
    labels = ["</script><b>x</b>"] + WORDS[1:]
    html = interactive.plot_vectors_3d(vectors, labels, title="a </script> title").html()
    assert "a &lt;/script&gt; title" in html
    json_part = re.search(r'<script type="application/json">(.*?)</script>', html, re.S).group(1)
    assert "</" not in json_part
    assert spec_json(html)["data"][0]["text"][0] == labels[0]


def test_alt_text_is_escaped_into_the_aria_label(vectors):
    html = interactive.plot_vectors_3d(vectors, WORDS, alt='Words "in" <3-D>').html()
    assert 'role="group" aria-label="Words &quot;in&quot; &lt;3-D&gt;"' in html


def test_figures_are_labelled_groups_that_take_the_keyboard_and_leave_swipes_to_the_page(vectors, frames):
    # role="img" may not hold focusable controls (axe: nested-interactive), and plotly's mode bar
    # and slider are focusable: the plot is a labelled group, a Tab stop described by its keys.
    for figure, keys in ((interactive.plot_vectors_3d(vectors, WORDS), "arrow keys rotate"),
                         (interactive.interpolation_slider(frames, (8, 8)), "Home and End")):
        html = figure.html()
        plot = re.search(r'<div class="labs-plot"[^>]*>', html).group(0)
        assert 'role="img"' not in html and 'role="group"' in plot and 'tabindex="0"' in plot
        described = re.search(r'aria-describedby="([^"]+)"', plot).group(1)
        assert re.search(rf'<p class="labs-figure-keys" id="{described}"[^>]*>[^<]*{keys}', html)
        assert "touch-action:pan-y" in plot  # a vertical swipe scrolls the page
        assert figure.spec["config"]["scrollZoom"] is False  # the wheel scrolls the page too
        assert figure.html() == html  # deterministic: no random ids
    slider = interactive.interpolation_slider(frames, (8, 8))
    assert slider.spec["layout"]["dragmode"] is False  # nothing to zoom in three small images


# ---------------------------------------------------------------- the live explorer


# ---------------------------------------------------------------- the Sphinx side


# ---------------------------------------------------------------- every notebook's outputs

# What myst-nb can draw in the HTML book (its default priority list for the html builder).
BOOK_MIMES = {"text/html", "image/svg+xml", "image/png", "image/gif", "image/jpeg",
              "text/markdown", "text/latex", "text/plain", "application/javascript"}
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
NOTEBOOKS = setup_cell.notebooks()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_every_notebook_output_has_a_form_the_book_shows(path):
    """The build silences myst-nb's "unknown mime type" warning (for the plotly JSON that the
    interactive figures carry for JupyterLab); this test is the guard that warning was."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for number, cell in enumerate((c for c in notebook["cells"] if c["cell_type"] == "code"), 1):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if not data or "scrapbook" in output.get("metadata", {}):
                continue  # a glued value (labs.book.glue): the page shows it where prose cites it
            unknown = set(data) - BOOK_MIMES - {interactive.PLOTLY_MIME, WIDGET_MIME}
            assert not unknown, f"code cell {number}: the book cannot show {sorted(unknown)}"
            html = "".join(data.get("text/html", ""))
            if interactive.PLOTLY_MIME in data:
                assert "labs-interactive" in html, (
                    f"code cell {number} shows a plotly figure the book cannot draw: build it "
                    "with labs.interactive (plot_vectors_3d, interpolation_slider, or "
                    "InteractiveFigure.from_plotly(fig, alt=...))"
                )
            if WIDGET_MIME in data:
                assert html, (
                    f"code cell {number} shows a widget with no text/html fallback: the static "
                    "book would show its repr; use labs.widgets.latent_explorer or add one"
                )
            assert len(html) < 200_000, f"code cell {number} stores {len(html)} bytes of HTML"
