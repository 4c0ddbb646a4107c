"""The one-page HTML report of `reportage evaluate`: tables plus figures people can look at.

Figures are matplotlib PNGs embedded as base64, so the page is a single self-contained file.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from pipeline.atomic import write_atomic
from pipeline.evaluate.tables import cost_notes, cost_table, item_table, summary_table

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-variant-numeric: tabular-nums; }
th, td { padding: 0.2em 0.7em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
img { max-width: 100%; }
.note { color: #555; font-size: 0.9em; }
"""


def write_html(report: dict, path: Path) -> None:
    write_atomic(path, render(report))


def render(report: dict) -> str:
    s = report["settings"]
    asr = s["asr"]
    parts = [
        f"<h1>Evaluation of {_e(report['dataset'])}</h1>",
        f"<p class=note>{_e(s['engine'])} · model {_e(s['model'])} · beam {asr['beam_size']} · "
        f"compute type {_e(asr['compute_type'])} · device {_e(asr['device'])} · "
        f"wall time {report['cost']['wall_s']:.0f} s · CPU time {report['cost']['cpu_s']:.0f} s · "
        f"peak RSS {report['cost']['peak_rss_mb']:.0f} MB</p>",
        "<h2>Summary</h2>", _table(*summary_table(report)),
        f"<p class=note>{_e(report['normaliser'])} WER/CER/BLEU/chrF are corpus-level; "
        "Pk/WindowDiff and the speaker error are means over episodes (0 is best); the even "
        "split cuts each episode into as many equal chapters as the reference has. RTF: "
        "processing seconds per second of audio.</p>",
        "<h2>Cost per stage</h2>", _table(*cost_table(report)),
        f"<p class=note>{_e(' '.join(cost_notes(report)))}</p>",
    ]
    if any(r["wer"] is not None for r in report["items"]):
        parts += ["<h2>WER per item</h2>", _img(wer_chart(report["items"]), "WER per item")]
    episodes = [r for r in report["items"] if r["part"] == "episodes"]
    if episodes:
        parts += ["<h2>Episodes</h2>", _table(*item_table(report, "episodes"))]
        parts += [_img(timeline(r), f"chapters of {r['id']}") for r in episodes
                  if r.get("boundaries_ref") is not None]
    if report["errors"]:
        parts += ["<h2>Not evaluated</h2><ul>"]
        parts += [f"<li>{_e(x['part'])}/{_e(x['id'])}: {_e(x['error'])}</li>"
                  for x in report["errors"]]
        parts += ["</ul>"]
    body = "\n".join(parts)
    return (f"<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
            f"<title>reportage evaluation</title><style>{_STYLE}</style></head>"
            f"<body>\n{body}\n</body></html>\n")


def wer_chart(items: list[dict]) -> bytes:
    """Bars of per-item WER, one panel a part, items sorted from best to worst."""
    from matplotlib.figure import Figure

    groups = {}
    for r in items:
        if r["wer"] is not None:
            groups.setdefault(r["part"], []).append(r)
    fig = Figure(figsize=(10, 2.6 * len(groups)), layout="constrained")
    for ax, (part, rows) in zip(fig.subplots(len(groups), 1, squeeze=False)[:, 0],
                                groups.items(), strict=True):
        rows = sorted(rows, key=lambda r: r["wer"])
        ax.bar(range(len(rows)), [100 * r["wer"] for r in rows], color="#4a7ab5")
        ax.set_ylabel("WER %")
        ax.set_title(f"{part} ({len(rows)})", loc="left", fontsize=10)
        if len(rows) <= 30:
            ax.set_xticks(range(len(rows)), [r["id"] for r in rows], rotation=45, ha="right",
                          fontsize=7)
        else:
            ax.set_xticks([])
            ax.set_xlabel("items, best to worst")
    return _png(fig)


def timeline(row: dict) -> bytes:
    """One episode: reference, predicted and even-split chapter boundaries on a time axis."""
    from matplotlib.figure import Figure

    from pipeline.evaluate.metrics import even_split

    duration = row["duration_s"]
    ref = row["boundaries_ref"]
    lanes = [("reference", ref, "#2a7d2a"),
             ("predicted", row.get("boundaries_pred"), "#c0392b"),
             ("even split", even_split(len(ref) + 1, duration), "#999999")]
    fig = Figure(figsize=(10, 1.6), layout="constrained")
    ax = fig.subplots()
    for lane, (_, bounds, colour) in enumerate(lanes):
        ax.hlines(lane, 0, duration, color="#dddddd", linewidth=6)
        if bounds is None:
            ax.text(duration / 2, lane, "no chapters", ha="center", va="center", fontsize=8)
            continue
        ax.vlines(bounds, lane - 0.35, lane + 0.35, color=colour, linewidth=2)
    ax.set_yticks(range(len(lanes)), [name for name, _, _ in lanes], fontsize=8)
    ax.set_ylim(len(lanes) - 0.5, -0.5)
    ax.set_xlim(0, duration)
    ax.set_xlabel("seconds", fontsize=8)
    ax.set_title(row["id"], loc="left", fontsize=10)
    return _png(fig)


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<p><img alt="{_e(alt)}" src="data:image/png;base64,{data}"></p>'


def _table(head: list[str], rows: list[list[str]]) -> str:
    top = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{top}</tr></thead><tbody>{body}</tbody></table>"


def _e(value: object) -> str:
    return html.escape(str(value))
