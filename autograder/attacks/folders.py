"""Class 5, folders and outputs: the submission's layout, and markup meant for the feedback page.

Folder attacks lay out the submissions folder themselves (a ``SubmissionWriter`` does the
writing) and return the student ids the pipeline reports for them: what ``grades.csv`` holds.
Output attacks put script into what the feedback page renders.
"""

from __future__ import annotations

import os

from autograder.attacks.core import Targets, attack

_XSS = "gancourse" + "-xss"  # what every scripted payload sets document.title to


@attack(5, kind="folder")
def notebook_links_to_solution(t: Targets, writer) -> list[str]:
    """A submission whose notebook is a symbolic link to the instructor's solution notebook.

    Contained: the submission is refused (``refused``, 0 points), not graded as the solution.
    """
    folder = writer.folder("linker", write_notebook=False)
    (folder / f"{t.assignment}.ipynb").symlink_to(
        t.repository / "solutions" / t.assignment / f"{t.assignment}.ipynb"
    )
    return ["linker"]


@attack(5, kind="folder")
def student_folder_links_to_another(t: Targets, writer) -> list[str]:
    """A student folder that is a link to another student's (the correct one's) folder.

    Contained: refused with a row of its own (``refused``, 0 points); the other student is
    graded once, as themselves.
    """
    (t.submissions / "trudy").symlink_to(t.submissions / writer.honest_correct)
    return ["trudy"]


@attack(5, kind="folder")
def assignment_folder_links_to_another(t: Targets, writer) -> list[str]:
    """A real student folder whose assignment folder links to another student's submission.

    Contained: refused (``refused``, 0 points).
    """
    (t.submissions / "trent").mkdir()
    (t.submissions / "trent" / t.assignment).symlink_to(
        t.submissions / writer.honest_correct / t.assignment
    )
    return ["trent"]


@attack(5, kind="folder")
def non_utf8_folder_name(t: Targets, writer) -> list[str]:
    """A student folder whose name is not UTF-8 (``b"mallory\\xff"``), holding an answered notebook.

    Contained: refused with a row of its own, its name shown with the byte escaped; the run
    neither crashes on the name nor grades it.
    """
    writer.folder(b"mallory\xff", answered=True)
    return ["mallory\\xff"]


# Folder names meant to confuse paths, shells or the CSV itself.
ODD_NAMES = (
    b"...",
    b"..hidden",
    b"a b",
    b"$(id)",
    b"eve\nzz-forged,ps1-gan-foundations,ps1-gan-foundations,100.0,100.0,graded",
    "\u0430lice".encode(),  # a Cyrillic a: looks like alice
)
# Folder names a spreadsheet opening grades.csv would evaluate as formulas.
FORMULA_NAMES = (b"=cmd|' -C calc'!A0", b"@SUM(1+1)*cmd|' -C calc'!A0", b"+1+1", b"-rf")


@attack(5, kind="folder")
def odd_folder_names(t: Targets, writer) -> list[str]:
    """Student folders named ``...``, ``..hidden``, ``a b``, ``$(id)``, a CSV line, a homoglyph.

    Each holds an answered notebook. The name with a newline carries a forged ``grades.csv``
    row; the Cyrillic one passes for ``alice``. Contained: each is refused with exactly one
    row, and the CSV parses to the rows the run returned (no forged row, alice graded once).
    """
    names = []
    for name in ODD_NAMES:
        writer.folder(name, answered=True)
        names.append(name.decode("utf-8", "backslashreplace"))
    return names


@attack(5, kind="folder")
def formula_folder_names(t: Targets, writer) -> list[str]:
    """Student and assignment folders named as spreadsheet formulas (``=cmd|...``, ``@``, ``+``, ``-``).

    Each holds an answered notebook; one more is a valid student (``oscar``) whose assignment
    folder is named ``=1+1``. Contained: each is refused with a row, and no cell of
    ``grades.csv`` starts with a character that makes a spreadsheet evaluate it (``=``, ``+``,
    ``-``, ``@``, tab, carriage return).
    """
    names = []
    for name in FORMULA_NAMES:
        writer.folder(name, answered=True)
        names.append(name.decode())
    (t.submissions / "oscar" / "=1+1").mkdir(parents=True)
    return [*names, "oscar"]


@attack(5, kind="folder")
def fifo_notebook(t: Targets, writer) -> list[str]:
    """The notebook is a FIFO: reading it would block the pipeline forever.

    Contained: it is never opened (only regular files are read); the submission gets a row
    (``missing-notebook``, 0 points) and the run goes on.
    """
    folder = writer.folder("piper", write_notebook=False)
    os.mkfifo(folder / f"{t.assignment}.ipynb")
    return ["piper"]


@attack(5)
def script_outputs(t: Targets) -> str:
    """Outputs with script for the feedback page: HTML, JavaScript, Markdown, SVG, raw bundles.

    ``IPython.display`` HTML with ``<script>``, ``<img onerror=>``, ``<a href="javascript:">``
    and an ``<iframe srcdoc>``; a Javascript output; Markdown with a ``javascript:`` link and an
    ``onerror`` image; an SVG with ``onload`` and ``<script>``; a raw ``text/html`` bundle with
    ``<body onload>`` and a ``javascript:`` form action; script as plain printed text. Each
    sets ``document.title``. Contained: the feedback page has no script the honest page does
    not have, no ``on*=`` attribute and no ``javascript:`` URL.
    """
    return t.fill(
        """
        from IPython.display import HTML, SVG, Javascript, Markdown, display

        x = ${xss}
        display(HTML(
            f'<script>document.title="{x}-1"</script>'
            f'<img src=x onerror="document.title=\\'{x}-2\\'">'
            f'<a href="javascript:document.title=\\'{x}-3\\'">click</a>'
            f'<iframe srcdoc="<script>parent.document.title=\\'{x}-4\\'</script>"></iframe>'
        ))
        display(Javascript(f'document.title="{x}-5"'))
        display(Markdown(
            f'[click](javascript:document.title="{x}-6") '
            f'<img src=x onerror="document.title=\\'{x}-7\\'">'
        ))
        display(SVG(
            f'<svg xmlns="http://www.w3.org/2000/svg" onload="document.title=\\'{x}-8\\'">'
            f'<script>document.title="{x}-9"</script></svg>'
        ))
        display({"text/html": (
            f'<body onload="document.title=\\'{x}-10\\'">'
            f'<form action="javascript:document.title=\\'{x}-11\\'"><button>go</button></form>'
            f'<a href=" JaVaScRiPt:document.title=\\'{x}-12\\'">click</a>'
        )}, raw=True)
        print(f'<script>document.title="{x}-13"</script>')
        return "script sent as HTML, JavaScript, Markdown, SVG, a raw bundle and text"
        """,
        xss=_XSS,
    )


@attack(5, kind="notebook")
def script_markdown_cell(t: Targets, notebook) -> None:
    """Raw HTML with script in a Markdown cell of the notebook (no kernel involved).

    ``<script>``, ``<img onerror=>``, a ``javascript:`` link in Markdown and in HTML, an
    ``<iframe srcdoc>``, ``<svg onload>``. Contained: as for ``script_outputs``.
    """
    from nbformat.v4 import new_markdown_cell

    x = _XSS
    notebook.cells.insert(
        1,
        new_markdown_cell(
            "My notes\n\n"
            f'<script>document.title="{x}-md-1"</script>\n\n'
            f"<img src=x onerror=\"document.title='{x}-md-2'\">\n\n"
            f'[click](javascript:document.title="{x}-md-3")\n\n'
            f"<a href=\"javascript:document.title='{x}-md-4'\">click</a>\n\n"
            f"<iframe srcdoc=\"<script>parent.document.title='{x}-md-5'</script>\"></iframe>\n\n"
            f"<svg onload=\"document.title='{x}-md-6'\"></svg>\n"
        ),
    )
