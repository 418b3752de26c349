"""Pictures of an investigation as PNG bytes: the network (communities coloured, accounts
sized by priority score, chats as squares, top suspects labelled) and an activity timeline
(one row per chat, known material and new media standing out, membership spans as bars).

Pure functions from plain data, drawn with matplotlib's Agg renderer (no screen, no global
pyplot state), so the CLI and the web UI can both call them. ``network_figure`` and
``timeline_figure`` return the figure before it is saved, for callers (and tests) that want
to look at what was drawn. Names come from chat exports and are untrusted: they are drawn
with mathtext off (``$x^2$`` stays as typed), control characters removed and long names cut.
"""

from __future__ import annotations

import io
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from crible.analysis.picture_layout import (
    NO_COMMUNITY,
    choose_nodes,
    community_colour,
    layout,
    plain_label,
)

DPI = 100
LAYER_STYLES: dict[str, tuple[str, str]] = {
    "member": ("#c8c8c8", "solid"),
    "posted": ("#7f7f7f", "solid"),
    "forwarded": ("#fd8d3c", "dashed"),
    "replied": ("#6baed6", "dotted"),
    "mentioned": ("#bc80bd", "dotted"),
    "invited": ("#74c476", "dashdot"),
    "same_media": ("#e7298a", "solid"),
}
"""Colour and line style of each edge layer (none of them a community colour)."""

EVENT_STYLES: dict[str, tuple[str, str, float, str]] = {
    "message": ("|", "#7f7f7f", 40, "message"),
    "forward": ("x", "#ff7f0e", 50, "forward"),
    "join": (">", "#2ca02c", 60, "join"),
    "leave": ("<", "#555555", 60, "leave"),
    "invite": ("P", "#17becf", 70, "invite"),
    "create": ("D", "#9467bd", 60, "create"),
    "new_media": ("*", "#ff9900", 220, "new media"),
    "known": ("X", "#d62728", 160, "known material"),
}
"""Marker, colour, size and legend text of each timeline event kind (drawn in this order,
so known material and new media are on top)."""

MAX_ROWS = 30
MAX_EVENT_LABELS = 40
MAX_LEGEND_COMMUNITIES = 10


@dataclass(frozen=True)
class PictureNode:
    """A node of the network picture: an account or a chat."""

    id: str
    label: str
    kind: str
    community: int | None
    score: float
    highlight: bool = False


@dataclass(frozen=True)
class PictureEdge:
    """A link between two nodes, in one layer of the graph."""

    source: str
    target: str
    weight: float
    layer: str


@dataclass(frozen=True)
class TimelineEvent:
    """Something that happened in a chat at an (aware) time."""

    at: datetime
    chat: str
    kind: str
    label: str = ""


def network_png(
    nodes: Sequence[PictureNode],
    edges: Sequence[PictureEdge],
    *,
    title: str = "",
    max_nodes: int = 300,
    size: tuple[int, int] = (1600, 1200),
) -> bytes:
    """The network picture as PNG bytes of ``size`` pixels."""
    return figure_png(network_figure(nodes, edges, title=title, max_nodes=max_nodes, size=size))


def timeline_png(
    events: Sequence[TimelineEvent], *, title: str = "", size: tuple[int, int] = (1600, 600)
) -> bytes:
    """The timeline picture as PNG bytes of ``size`` pixels."""
    return figure_png(timeline_figure(events, title=title, size=size))


def figure_png(figure: Figure) -> bytes:
    """A figure saved as PNG at its own size."""
    out = io.BytesIO()
    with warnings.catch_warnings():
        # names from chat exports may use scripts the bundled font lacks: drawn as boxes
        warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)
        FigureCanvasAgg(figure)
        figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _figure(size: tuple[int, int]) -> tuple[Figure, Axes]:
    width, height = size
    if width < 100 or height < 100:
        raise ValueError(f"picture size {width}x{height} is too small (at least 100x100)")
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    return figure, figure.add_subplot()


def _no_data(axes: Axes) -> None:
    axes.text(0.5, 0.5, "no data", ha="center", va="center", fontsize=20, color="#555555")
    axes.set_axis_off()


def network_figure(
    nodes: Sequence[PictureNode],
    edges: Sequence[PictureEdge],
    *,
    title: str = "",
    max_nodes: int = 300,
    size: tuple[int, int] = (1600, 1200),
) -> Figure:
    """The network picture as a matplotlib figure (see ``network_png``)."""
    if max_nodes < 1:
        raise ValueError("max_nodes must be at least 1")
    figure, axes = _figure(size)
    kept, left_out = choose_nodes(nodes, edges, max_nodes)
    heading = plain_label(title, 120)
    if left_out:
        note = f"{len(kept)} of {len(nodes)} nodes shown, {left_out} left out"
        heading = f"{heading} ({note})" if heading else note
    axes.set_title(heading, parse_math=False)
    if not kept:
        _no_data(axes)
        return figure
    ids = [n.id for n in kept]
    index = {node_id: i for i, node_id in enumerate(ids)}
    drawn = [e for e in edges if e.source in index and e.target in index]
    points = layout(ids, drawn)
    layers = _draw_edges(axes, points, index, drawn)
    _draw_nodes(axes, points, kept)
    _network_legend(axes, kept, layers)
    axes.set_xlim(-0.05, 1.05)
    axes.set_ylim(-0.05, 1.05)
    axes.set_axis_off()
    return figure


def _draw_edges(
    axes: Axes, points: np.ndarray, index: dict[str, int], edges: Sequence[PictureEdge]
) -> list[str]:
    """One line collection a layer; returns the layers drawn."""
    by_layer: dict[str, list[PictureEdge]] = {}
    for edge in edges:
        if edge.source != edge.target:
            by_layer.setdefault(edge.layer, []).append(edge)
    order = [layer for layer in LAYER_STYLES if layer in by_layer]
    order += sorted(set(by_layer) - set(LAYER_STYLES))
    for layer in order:
        colour, style = LAYER_STYLES.get(layer, ("#999999", "solid"))
        group = by_layer[layer]
        segments = [(points[index[e.source]], points[index[e.target]]) for e in group]
        widths = [0.4 + min(np.log1p(max(e.weight, 0.0)), 4.0) * 0.5 for e in group]
        axes.add_collection(
            LineCollection(
                segments,
                colors=colour,
                linestyles=style,
                linewidths=widths,
                alpha=0.55,
                zorder=1,
            )
        )
    return order


def _sizes(nodes: Sequence[PictureNode], top: float) -> np.ndarray:
    scores = np.array([max(n.score, 0.0) for n in nodes], dtype=float)
    return 30.0 + 570.0 * np.sqrt(scores / top)


def _draw_nodes(axes: Axes, points: np.ndarray, nodes: Sequence[PictureNode]) -> None:
    top = max((n.score for n in nodes if n.kind != "chat"), default=0.0) or 1.0
    for kind, marker in (("chat", "s"), ("account", "o")):
        chosen = [i for i, n in enumerate(nodes) if (n.kind == "chat") == (kind == "chat")]
        if not chosen:
            continue
        group = [nodes[i] for i in chosen]
        sizes = np.full(len(group), 70.0) if kind == "chat" else _sizes(group, top)
        axes.scatter(
            points[chosen, 0],
            points[chosen, 1],
            s=sizes,
            c=[community_colour(n.community) for n in group],
            marker=marker,
            edgecolors="black" if kind == "chat" else "white",
            linewidths=0.6,
            zorder=2 if kind == "chat" else 3,
        )
    for i, node in enumerate(nodes):
        if node.highlight:
            axes.annotate(
                plain_label(node.label or node.id),
                points[i],
                xytext=(6, 6),
                textcoords="offset points",
                fontsize=9,
                zorder=4,
                parse_math=False,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
            )


def _network_legend(axes: Axes, nodes: Sequence[PictureNode], layers: Sequence[str]) -> None:
    handles: list[Line2D] = []

    def add(label: str, **style: object) -> None:
        handles.append(Line2D([], [], label=label, **style))  # type: ignore[arg-type]

    sizes = Counter(n.community for n in nodes)
    shown = sorted((c for c in sizes if c is not None), key=lambda c: (-sizes[c], c))
    for community in shown[:MAX_LEGEND_COMMUNITIES]:
        colour = community_colour(community)
        add(f"community {community} ({sizes[community]})", marker="o", ls="", color=colour)
    if len(shown) > MAX_LEGEND_COMMUNITIES:
        add(f"{len(shown) - MAX_LEGEND_COMMUNITIES} more communities", ls="")
    if None in sizes:
        add(f"no community ({sizes[None]})", marker="o", ls="", color=NO_COMMUNITY)
    add("account", marker="o", ls="", color="#666666")
    add("chat", marker="s", ls="", color="#666666", mec="black")
    top = max((n.score for n in nodes if n.kind != "chat"), default=0.0)
    if top > 0:
        for share in (1.0, 0.25, 0.0):
            area = 30.0 + 570.0 * np.sqrt(share)
            add(f"score {top * share:.3g}", marker="o", ls="", color="#999999", ms=area**0.5)
    for layer in layers:
        colour, style = LAYER_STYLES.get(layer, ("#999999", "solid"))
        add(layer.replace("_", " "), color=colour, ls=style, lw=1.5)
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)


def _days(at: datetime) -> float:
    """A time as matplotlib's date number (days since its epoch)."""
    return float(mdates.date2num(at))  # type: ignore[no-untyped-call]


def _check_times(events: Sequence[TimelineEvent]) -> None:
    for number, event in enumerate(events, 1):
        if event.at.tzinfo is None or event.at.utcoffset() is None:
            raise ValueError(
                f"timeline event {number} ({event.kind} in {event.chat!r}): "
                f"time {event.at.isoformat()} has no time zone"
            )


def timeline_figure(
    events: Sequence[TimelineEvent], *, title: str = "", size: tuple[int, int] = (1600, 600)
) -> Figure:
    """The timeline picture as a matplotlib figure (see ``timeline_png``)."""
    _check_times(events)
    figure, axes = _figure(size)
    counts = Counter(e.chat for e in events)
    first: dict[str, datetime] = {}
    for event in events:
        if event.chat not in first or event.at < first[event.chat]:
            first[event.chat] = event.at
    busiest = sorted(counts, key=lambda chat: (-counts[chat], first[chat], chat))[:MAX_ROWS]
    rows = sorted(busiest, key=lambda chat: (first[chat], chat))
    heading = plain_label(title, 120)
    if len(counts) > len(rows):
        note = f"{len(counts) - len(rows)} quieter chats not shown"
        heading = f"{heading} ({note})" if heading else note
    axes.set_title(heading, parse_math=False)
    if not events:
        _no_data(axes)
        return figure
    row_of = {chat: len(rows) - 1 - i for i, chat in enumerate(rows)}
    shown = sorted((e for e in events if e.chat in row_of), key=lambda e: e.at)
    _draw_spans(axes, shown, row_of)
    _draw_events(axes, shown, row_of)
    _time_axis(axes, shown[0].at, shown[-1].at)
    axes.set_ylim(-0.7, len(rows) - 0.3)
    axes.set_yticks(range(len(rows)), labels=[""] * len(rows))
    for chat, y in row_of.items():
        axes.text(
            -0.005,
            y,
            plain_label(chat),
            transform=axes.get_yaxis_transform(),
            ha="right",
            va="center",
            fontsize=9,
            parse_math=False,
        )
    axes.grid(axis="x", color="#e5e5e5")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    return figure


def _draw_spans(axes: Axes, events: Sequence[TimelineEvent], row_of: dict[str, int]) -> None:
    """A bar from each join (or creation) to the next leave in the same chat."""
    opened: dict[str, datetime] = {}
    spans: list[tuple[str, datetime, datetime]] = []
    for event in events:
        if event.kind in ("join", "create"):
            opened.setdefault(event.chat, event.at)
        elif event.kind == "leave" and event.chat in opened:
            spans.append((event.chat, opened.pop(event.chat), event.at))
    for number, (chat, start, end) in enumerate(spans):
        left = _days(start)
        width = max(_days(end) - left, 1e-6)
        axes.broken_barh(
            [(left, width)],
            (row_of[chat] - 0.3, 0.6),
            facecolors="#2ca02c",
            alpha=0.18,
            zorder=1,
            label="membership" if number == 0 else None,
        )


def _draw_events(axes: Axes, events: Sequence[TimelineEvent], row_of: dict[str, int]) -> None:
    for zorder, (kind, (marker, colour, size, legend)) in enumerate(EVENT_STYLES.items(), 2):
        group = [e for e in events if e.kind == kind]
        if group:
            axes.scatter(
                [_days(e.at) for e in group],
                [row_of[e.chat] for e in group],
                marker=marker,
                s=size,
                c=colour,
                zorder=zorder,
                label=f"{legend} ({len(group)})",
            )
    others = [e for e in events if e.kind not in EVENT_STYLES]
    if others:
        axes.scatter(
            [_days(e.at) for e in others],
            [row_of[e.chat] for e in others],
            marker=".",
            c="#999999",
            zorder=2,
            label=f"other ({len(others)})",
        )
    labelled = [e for e in events if e.label and e.kind in ("known", "new_media")]
    for event in labelled[:MAX_EVENT_LABELS]:
        axes.annotate(
            plain_label(event.label, 20),
            (_days(event.at), row_of[event.chat]),
            xytext=(4, 7),
            textcoords="offset points",
            fontsize=7,
            parse_math=False,
            zorder=20,
        )


def _time_axis(axes: Axes, start: datetime, end: datetime) -> None:
    span = end - start
    pad = span * 0.03 if span > timedelta(0) else timedelta(hours=1)
    axes.set_xlim(_days(start - pad), _days(end + pad))
    locator = mdates.AutoDateLocator(tz="UTC")  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(locator, tz="UTC")  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_formatter(formatter)
    axes.set_xlabel("time (UTC)")


def reach_curve_png(
    reach: float,
    removed: Sequence[tuple[str, float]],
    *,
    title: str = "reach of known material as key players are removed",
    size: tuple[int, int] = (1000, 600),
) -> bytes:
    """The key-player curve: the share of the starting ``reach`` left after removing each
    account in turn (``removed``: (label, reach left) in removal order)."""
    figure, axes = _figure(size)
    if reach <= 0 or not removed:
        _no_data(axes)
        return figure_png(figure)
    shares = [1.0, *(left / reach for _label, left in removed)]
    axes.plot(range(len(shares)), shares, marker="o", color="#d62728")
    for step, (label, left) in enumerate(removed[:10], start=1):
        axes.annotate(
            plain_label(label),
            (step, left / reach),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=8,
            parse_math=False,
        )
    axes.set_xlabel("accounts removed (greedy, largest reduction first)")
    axes.set_ylabel("share of the reach left")
    axes.set_ylim(0, 1.05)
    axes.grid(True, alpha=0.3)
    axes.set_title(title, parse_math=False)
    return figure_png(figure)
