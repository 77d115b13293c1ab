"""A newsletter's Markdown as plain text that reads well: links as numbered footnotes."""

from __future__ import annotations

from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

# Headings underlined, as plain-text mail has long written them (a heading holding a
# `{placeholder}` is underlined as written: the name filled in later may be longer).
UNDERLINE = {"h1": "="}


@dataclass
class _Notes:
    """The links of a message, numbered in order of first use (one number per URL)."""

    urls: list[str] = field(default_factory=list)

    def number(self, url: str) -> int:
        if url not in self.urls:
            self.urls.append(url)
        return self.urls.index(url) + 1


def _inline(token: Token, notes: _Notes) -> str:
    """An inline token's text; a link's URL becomes a footnote mark unless the text is the URL."""
    out: list[str] = []
    links: list[tuple[str, int]] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "link_open":
            links.append((str(child.attrs.get("href", "")), len("".join(out))))
        elif child.type == "link_close" and links:
            href, start = links.pop()
            shown = "".join(out)[start:]
            if href and shown.strip() != href and f"<{href}>" != shown.strip():
                out.append(f" [{notes.number(href)}]")
        elif child.type == "image":
            src = str(child.attrs.get("src", ""))
            alt = child.content or "image"
            out.append(f"[{alt}] [{notes.number(src)}]" if src else f"[{alt}]")
    return "".join(out)


def markdown_text(md: MarkdownIt, source: str, links_label: str) -> str:
    """`source` (Markdown) as plain text: paragraphs, headings, lists and quotes kept,
    emphasis marks dropped, each link's URL listed once under `links_label` at the end.
    """
    notes = _Notes()
    blocks: list[str] = []
    tight: list[bool] = []  # per block: an item of a tight list (joined to the one before)
    hidden = False  # the paragraph being written is a tight list item's
    last_hidden = False
    prefixes: list[str] = []  # the indentation of the lists and quotes we are in
    counters: list[int | None] = []  # per open list: the next number, or None for bullets
    pending_marker: str | None = None
    heading: str | None = None

    def emit(text: str) -> None:
        nonlocal pending_marker, hidden, last_hidden
        lines = text.split("\n")
        lead = "".join(prefixes)
        rendered = []
        for index, line in enumerate(lines):
            if index == 0 and pending_marker is not None:
                rendered.append(f"{lead[: -len(pending_marker)]}{pending_marker}{line}")
            else:
                rendered.append(f"{lead}{line}".rstrip())
        pending_marker = None
        blocks.append("\n".join(rendered))
        tight.append(hidden and last_hidden)
        last_hidden, hidden = hidden, False

    for token in md.parse(source):
        kind = token.type
        if kind == "paragraph_open":
            hidden = token.hidden
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrs.get("start", 1) if kind == "ordered_list_open" else None
            counters.append(int(start) if start is not None else None)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            counters.pop()
            last_hidden = last_hidden and bool(counters)  # a new list starts apart
        elif kind == "list_item_open":
            number = counters[-1]
            marker = "- " if number is None else f"{number}. "
            if number is not None:
                counters[-1] = number + 1
            prefixes.append(" " * len(marker))
            pending_marker = marker
        elif kind == "list_item_close":
            prefixes.pop()
        elif kind == "blockquote_open":
            prefixes.append("> ")
        elif kind == "blockquote_close":
            prefixes.pop()
        elif kind == "heading_open":
            heading = token.tag
        elif kind == "heading_close":
            heading = None
        elif kind == "inline":
            text = _inline(token, notes)
            if heading is not None:
                text = f"{text}\n{UNDERLINE.get(heading, '-') * max(len(text), 3)}"
            emit(text)
        elif kind in ("fence", "code_block"):
            emit("\n".join(f"    {line}" for line in token.content.rstrip("\n").split("\n")))
        elif kind == "hr":
            emit("-" * 20)
    # Items of a tight list stay together; everything else is separated by a blank line.
    text = "".join(
        ("\n" if close else "\n\n") + block if index else block
        for index, (block, close) in enumerate(zip(blocks, tight, strict=True))
    )
    if notes.urls:
        listed = "\n".join(f"[{n}] {url}" for n, url in enumerate(notes.urls, 1))
        text += f"\n\n{links_label}:\n{listed}"
    return text
