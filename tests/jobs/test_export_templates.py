"""`gtops export` and a job's own UI template: the exported spec names `ui/<job>.liquid.html`, so without
--out (the spec printed alone) gtops refuses instead of printing a spec that names a file it never wrote."""

from __future__ import annotations

from tests.inprocess import run_main
from tests.jobs.conftest import CUSTOM_JOB

UI = (
    '<crowd-form><crowd-classifier name="c" categories="[&quot;eye&quot;]"></crowd-classifier></crowd-form>\n'
)


def test_export_without_out_refuses_to_name_an_unwritten_template(workspace, tmp_path):
    ws = workspace
    (ws.root / "pre.py").write_text("def lambda_handler(event, context):\n    return {}\n")
    (ws.root / "post.py").write_text("def lambda_handler(event, context):\n    return []\n")
    (ws.root / "ui.html").write_text(UI)
    ws.write(CUSTOM_JOB)
    ws.apply()

    code, out, err = run_main("export", "--pool", "jobpool")
    assert code == 1 and out == ""
    assert "ui/faces.liquid.html" in err and "pass --out FOLDER" in err
    assert "Traceback" not in err

    folder = tmp_path / "exported"
    code, out, err = run_main("export", "--pool", "jobpool", "--out", str(folder))
    assert code == 0, err
    spec = next(folder.glob("*.yaml")).read_text()
    assert "template: ui/faces.liquid.html" in spec
    assert (folder / "ui" / "faces.liquid.html").read_text() == UI
