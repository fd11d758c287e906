"""``report.html``: the Markdown report as one self-contained page, to send to whoever decides.

Every results folder's ``report.md`` is turned into HTML block by block (headings, paragraphs,
tables, bullet lists, figures: the only Markdown the reports write), so the page carries exactly
the figures of the Markdown. Styles are inlined and each figure is embedded as a data URI: the
page loads nothing from the network and opens anywhere, offline. The page layout is the Jinja2
template ``templates/report.html.j2``.
"""

from __future__ import annotations

import base64
import html
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.files import write_atomic
from sim.version import __version__

REPORT_MD, REPORT_HTML = "report.md", "report.html"
_IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)]+)\)$")
_INLINE = ((re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
           (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<em>\1</em>"),
           (re.compile(r"`([^`]+)`"), r"<code>\1</code>"))
_MEDIA_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}


@dataclass
class Block:
    """One block of the page: heading, paragraph, bullets, table or figure."""

    kind: str
    html: str = ""
    level: int = 0
    answer: bool = False
    items: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)
    alt: str = ""
    src: str = ""
    width: int = 0
    height: int = 0


def inline(text: str) -> str:
    """Markdown inline text (bold, italic, code, escaped bars) as safe HTML."""
    out = html.escape(text.replace("\\|", "|"), quote=False)
    for pattern, replacement in _INLINE:
        out = pattern.sub(replacement, out)
    return out


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row, split on the bars that are not escaped."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [c.strip() for c in re.split(r"(?<!\\)\|", inner)]


def _table(lines: list[str]) -> Block:
    header, align, *rows = (_cells(line) for line in lines)
    numeric = [a.endswith(":") for a in align] + [False] * (len(header) - len(align))
    return Block("table", header=[inline(c) for c in header], numeric=numeric,
                 rows=[[inline(c) for c in row] for row in rows])


def _figure(alt: str, src: str, folder: Path) -> Block:
    """A figure embedded as a data URI (no ``src`` when the file is missing or not an image)."""
    path = folder / src
    media = _MEDIA_TYPES.get(path.suffix.lower())
    if media is None or not path.is_file():
        return Block("figure", alt=alt)
    data = path.read_bytes()
    width, height = _png_size(data) if media == "image/png" else (0, 0)
    uri = f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"
    return Block("figure", alt=alt, src=uri, width=width, height=height)


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG from its header ((0, 0) if it is not one)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return 0, 0
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def blocks(markdown: str, folder: Path) -> list[Block]:
    """The blocks of a report's Markdown; the first paragraph after the title is the answer."""
    out: list[Block] = []
    for chunk in re.split(r"\n\s*\n", markdown.strip()):
        lines = [line for line in chunk.splitlines() if line.strip()]
        first = lines[0]
        if first.startswith("#"):
            level = len(first) - len(first.lstrip("#"))
            out.append(Block("heading", html=inline(first[level:].strip()), level=level))
            out += blocks("\n".join(lines[1:]), folder) if len(lines) > 1 else []
        elif all(line.lstrip().startswith("|") for line in lines) and len(lines) >= 2:
            out.append(_table(lines))
        elif all(line.startswith("- ") for line in lines):
            out.append(Block("bullets", items=[inline(line[2:]) for line in lines]))
        elif len(lines) == 1 and (image := _IMAGE.match(first.strip())):
            out.append(_figure(image["alt"], image["src"], folder))
        else:
            answer = len(out) == 1 and out[0].kind == "heading" and out[0].level == 1
            out.append(Block("paragraph", html=inline(" ".join(lines)), answer=answer))
    return out


def render_html(markdown: str, folder: Path) -> str:
    """The self-contained HTML page of a report written in ``folder``."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("sim.report", "templates"), autoescape=False,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    page = blocks(markdown, folder)
    title = next((re.sub(r"<[^>]+>", "", b.html) for b in page if b.kind == "heading"),
                 "campaign-sim report")
    return env.get_template("report.html.j2").render(blocks=page, title=title,
                                                     version=__version__)


def write_pages(folder: Path, markdown: str) -> dict[str, Path]:
    """Write ``report.md`` and ``report.html`` into ``folder`` (each atomically)."""
    folder = Path(folder)
    md, page = folder / REPORT_MD, folder / REPORT_HTML
    write_atomic(md, markdown.encode("utf-8"))
    write_atomic(page, render_html(markdown, folder).encode("utf-8"))
    return {"report": md, "report_html": page}


def rebuild_html(folder: Path) -> Path:
    """Write ``report.html`` again from the folder's ``report.md`` (and its figures)."""
    folder = Path(folder)
    markdown = (folder / REPORT_MD).read_text(encoding="utf-8")
    page = folder / REPORT_HTML
    write_atomic(page, render_html(markdown, folder).encode("utf-8"))
    return page


def provenance_markdown(prov: dict[str, Any]) -> str:
    """The ``## Provenance`` section: version, git revision, scenario hash, seed, command."""
    git = prov.get("git") or {}
    scenario = prov.get("scenario") or {}
    revision = git.get("revision") or "unknown"
    items = [
        ("version", f"campaign-sim {prov.get('version', __version__)}"),
        ("git revision", f"{revision}{' (uncommitted changes)' if git.get('dirty') else ''}"),
        ("scenario", f"{scenario.get('name', '?')} ({scenario.get('file') or 'no file'}), "
                     f"SHA-256 {scenario.get('sha256', '?')}"),
        ("seed", prov.get("seed")), ("replications", prov.get("replications")),
        ("setups", ", ".join(prov.get("setups") or [])),
        ("command", f"`{prov['command_line']}`" if prov.get("command_line") else None),
        ("run", f"{prov['started']} to {prov['finished']}" if prov.get("started") else None),
    ]
    lines = [f"- {name}: {value}" for name, value in items if value not in (None, "")]
    return "## Provenance\n\n" + "\n".join(lines) + "\n"
