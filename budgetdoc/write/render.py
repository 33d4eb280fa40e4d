"""Model → HTML string (Jinja2) → PDF bytes (WeasyPrint). Writes nothing.

One :class:`Renderer` per process: it holds the Jinja2 environment, the parsed print
stylesheet and one WeasyPrint ``FontConfiguration`` and image cache, reused for every
document that process renders. While rendering, WeasyPrint can read only files inside
the templates folder and ``data:`` URIs; nothing from the network or elsewhere on disk.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
from markupsafe import Markup

from budgetdoc import PDF_VARIANTS
from budgetdoc.errors import RenderError
from budgetdoc.model import numbers
from budgetdoc.model.document import Project
from budgetdoc.model.figures import Figures, compute
from budgetdoc.write import layout, pagebreaks
from budgetdoc.write.assets import TEMPLATES, check_fonts
from budgetdoc.write.keepall import join_words, keep_words
from budgetdoc.write.tags import fix_structure
from budgetdoc.write.webfonts import strip

# --------------------------------------------------------------------------- filters


def won_filter(value: int | None) -> str:
    """Jinja2 filter: an amount with thousands separators and △ for negatives."""
    return numbers.won(value)


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string that cannot end its ``<style>`` element."""
    escaped = "".join(c if c.isalnum() or c in " ·-_.,()" else f"\\{ord(c):x} " for c in text)
    return Markup(f'"{escaped}"')


def thousand_filter(value: int | None) -> str:
    """Jinja2 filter: an amount in 천원 with its unit."""
    return "" if value is None else numbers.won(value) + "천원"


# --------------------------------------------------------------------------- renderer


def _environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["kw"] = keep_words
    env.filters["won"] = won_filter
    env.filters["thousand"] = thousand_filter
    env.filters["css_string"] = css_string
    return env


class Renderer:
    """Renders documents; keep one per process and reuse it."""

    def __init__(self, templates: Path = TEMPLATES) -> None:
        self.templates = templates.resolve()
        if not (self.templates / "project.html.j2").is_file():
            raise RenderError(f"템플릿 폴더에 project.html.j2가 없습니다: {self.templates}")
        self.env = _environment(self.templates)
        # Inlined so that an HTML file stands alone and is the same on every machine.
        self.print_css = Markup((self.templates / "print.css").read_text(encoding="utf-8"))
        self.screen_css = Markup((self.templates / "screen.css").read_text(encoding="utf-8"))
        browser = self.templates / "browser.css"
        self.browser_css = Markup(browser.read_text(encoding="utf-8") if browser.is_file() else "")
        self._weasy: tuple[Any, ...] | None = None

    def html(
        self,
        project: Project,
        figures: Figures | None = None,
        marked: frozenset[str] = frozenset(),
        draft: bool = False,
    ) -> str:
        """The document as a standalone HTML page (the stylesheets are inlined, so the file needs nothing beside it)."""
        figures = figures or compute(project)
        return self.html_of(layout.build(project, figures, marked, draft))

    def html_of(self, document: layout.Layout) -> str:
        """The HTML page of a document's layout (:func:`budgetdoc.write.layout.build`)."""
        template = self.env.get_template("project.html.j2")
        return template.render(
            L=document, print_css=self.print_css, browser_css=self.browser_css, screen_css=self.screen_css
        )

    def _weasyprint(self) -> tuple[Any, ...]:
        if self._weasy is None:
            check_fonts()
            # Deferred: WeasyPrint (Pango, fontconfig) only for a PDF; a process that writes HTML never loads it.
            import weasyprint
            from weasyprint.text.fonts import FontConfiguration

            fonts = FontConfiguration()
            fetcher = make_url_fetcher(self.templates)
            base = self.templates.as_uri() + "/"
            sheet = weasyprint.CSS(string=str(self.print_css), base_url=base, url_fetcher=fetcher, font_config=fonts)
            self._weasy = (weasyprint, fonts, fetcher, {}, sheet)
        return self._weasy

    def pdf(self, html: str, variant: str | None = None, identifier: str | None = None) -> bytes:
        """HTML string → PDF bytes, reproducibly (no wall-clock dates; a fixed file identifier).

        The print stylesheet every document inlines is parsed once per renderer: its copy
        is cut out of the HTML and given to WeasyPrint parsed, as a user stylesheet (print.css
        has no ``!important``, so the cascade is the same). Fonts embedded for browsers
        (:mod:`budgetdoc.write.webfonts`) are cut out first: WeasyPrint takes its fonts from
        fontconfig, so a page with them gives the PDF of the page without them. The pages
        are laid out once, with the form's page rules for tables (:mod:`budgetdoc.write.pagebreaks`).
        """
        html = strip(html)
        weasyprint, fonts, fetcher, cache, sheet = self._weasyprint()
        if variant and variant not in PDF_VARIANTS:
            raise RenderError(f"알 수 없는 PDF 형식: {variant} (가능: {', '.join(PDF_VARIANTS)})")
        css = str(self.print_css)
        stylesheets = [sheet] if css in html else []
        source = html.replace(css, "", 1) if stylesheets else html
        document = weasyprint.HTML(string=source, base_url=self.templates.as_uri() + "/", url_fetcher=fetcher)
        join_words(document.etree_element)
        ident = (identifier or hashlib.sha256(html.encode()).hexdigest()[:32]).encode()
        options: dict[str, Any] = {
            "pdf_identifier": ident,
            "cache": cache,
            "font_config": fonts,
            "stylesheets": stylesheets,
        }
        if variant:
            options["pdf_variant"] = variant
            if variant == "pdf/ua-1":
                options["pdf_tags"] = True
        font_config = options.pop("font_config")
        with pagebreaks.rules():
            rendered = document.render(font_config, **options)
        pagebreaks.finish(rendered.pages)
        pdf: bytes = rendered.write_pdf(**{k: v for k, v in options.items() if k not in ("cache", "stylesheets")})
        if variant == "pdf/ua-1":
            pdf = fix_structure(pdf)
        return pdf


def make_url_fetcher(root: Path) -> Any:
    """A WeasyPrint URL fetcher that serves ``data:`` URIs and files inside ``root`` only."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # deferred: WeasyPrint only for a PDF

    root = root.resolve()

    class _Fetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type information
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("file:"):
                path = Path(unquote(urlsplit(url).path)).resolve()
                if not path.is_relative_to(root) or not path.is_file():
                    raise ValueError(f"템플릿 폴더 밖의 파일은 읽을 수 없습니다: {url}")
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError(f"외부 자원은 읽을 수 없습니다: {url[:80]}")

    return _Fetcher()
