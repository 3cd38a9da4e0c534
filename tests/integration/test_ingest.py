from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from ingest.indexing import Indexer, UploadError

pytestmark = pytest.mark.slow  # indexes a corpus or starts processes: not the fast subset

ROOT = Path(__file__).resolve().parents[2]


def indexer_for(settings, embeddings) -> Indexer:
    return Indexer(settings, embeddings=embeddings)


def stored_doc_ids(indexer: Indexer) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in indexer.store.all_chunks():
        counts[row.metadata["doc_id"]] = counts.get(row.metadata["doc_id"], 0) + 1
    return counts


def test_full_then_noop_then_edit_then_delete(settings, embeddings):
    indexer = indexer_for(settings, embeddings)
    first = indexer.sync()
    assert len(first.added) == 7 and not first.failed
    assert first.chunks_embedded == indexer.store.count() > 6
    version = indexer.store.version()

    again = indexer.sync()
    assert again.chunks_embedded == 0 and len(again.unchanged) == 7
    assert indexer.store.version() == version  # nothing changed, readers keep their caches

    before = {row.id: row.metadata["doc_id"] for row in indexer.store.all_chunks()}
    page = settings.corpus_dir / "history" / "tigenix.md"
    page.write_text(page.read_text() + "\n## Note\n\nTiGenix appears in this test edit.\n")
    edited = indexer.sync()
    assert edited.updated == ["tigenix"] and not edited.added
    after = {row.id: row.metadata["doc_id"] for row in indexer.store.all_chunks()}
    unchanged_ids = {i for i, d in before.items() if d != "tigenix"}
    assert unchanged_ids <= set(after)  # other documents' chunks untouched
    assert set(after.values()) == set(before.values())
    assert indexer.store.version() != version

    page.unlink()
    removed = indexer.sync()
    assert removed.removed == ["tigenix"]
    assert "tigenix" not in stored_doc_ids(indexer)
    assert len(indexer.records.list_keys()) == indexer.store.count()


def test_bad_files_reported_others_indexed(settings, embeddings):
    folder = settings.corpus_dir / "ecosystem"
    (folder / "binary.md").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "broken.md").write_text("---\nid: [oops\n---\n# x\n\ntext text text")
    (folder / "dup.md").write_text((settings.corpus_dir / "history" / "ablynx.md").read_text())
    report = indexer_for(settings, embeddings).sync()
    reasons = {Path(p.path).name: p.reason for p in report.failed}
    assert set(reasons) == {"binary.md", "broken.md", "dup.md"} or set(reasons) == {
        "binary.md",
        "broken.md",
        "ablynx.md",
    }
    assert any("duplicate id" in r for r in reasons.values())
    assert len(report.added) == 7


def test_cli_add_docs_remove(settings, embeddings, monkeypatch, tmp_path):
    monkeypatch.setenv("FA_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("FA_DATA_DIR", str(settings.data_dir))
    from assistant.config import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["ingest"]).exit_code == 0
    note = tmp_path / "Zorgbedrijf Note.txt"
    note.write_text("Zorgbedrijf Quantix opened a lab in Kortrijk in 2024 with 12 staff.")
    result = runner.invoke(
        app, ["add", str(note), "--title", "Quantix lab", "--source-url", "https://example.org/q"]
    )
    assert result.exit_code == 0, result.output
    assert (settings.uploads_dir / "zorgbedrijf-note.txt").exists()
    listing = runner.invoke(app, ["docs", "--json"])
    assert "zorgbedrijf-note" in listing.output
    duplicate = runner.invoke(app, ["add", str(note)])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    removed = runner.invoke(app, ["remove", "zorgbedrijf-note"])
    assert removed.exit_code == 0
    assert not (settings.uploads_dir / "zorgbedrijf-note.txt").exists()
    assert "zorgbedrijf-note" not in runner.invoke(app, ["docs", "--json"]).output
    get_settings.cache_clear()


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("name", "stored_as"),
    [
        ("../../etc/passwd.md", "passwd.md"),
        ("..\\..\\evil.txt", "evil.txt"),
        ("sub/../../../up.html", "up.html"),
    ],
)
def test_upload_names_cannot_escape(settings, embeddings, tmp_path, name, stored_as):
    """The upload lands in corpus/uploads under its bare name, and nowhere else."""
    indexer = indexer_for(settings, embeddings)
    source = tmp_path / "src.txt"
    source.write_text("Harmless text about a Flemish biotech company in Ghent.")
    before = files_under(tmp_path) - files_under(settings.data_dir)
    indexer.add_file(source, original_name=name)
    written = files_under(tmp_path) - files_under(settings.data_dir) - before
    assert written == {settings.uploads_dir / stored_as}
    # Where the name would have led if joined as given: nothing there.
    naive = (settings.uploads_dir / name.replace("\\", "/")).resolve()
    assert not naive.is_relative_to(settings.uploads_dir.resolve())
    assert not naive.exists()


def test_upload_name_with_a_nul_byte_is_refused_and_writes_nothing(settings, embeddings, tmp_path):
    indexer = indexer_for(settings, embeddings)
    source = tmp_path / "src.txt"
    source.write_text("Harmless text about a Flemish biotech company in Ghent.")
    before = files_under(tmp_path) - files_under(settings.data_dir)
    with pytest.raises(UploadError, match="NUL"):
        indexer.add_file(source, original_name="bad\x00name.txt")
    assert files_under(tmp_path) - files_under(settings.data_dir) == before


def test_rejected_upload_leaves_nothing(settings, embeddings, tmp_path):
    indexer = indexer_for(settings, embeddings)
    indexer.sync()
    count = indexer.store.count()
    bad = tmp_path / "fake.pdf"
    bad.write_bytes(b"not a pdf")
    with pytest.raises(UploadError, match="PDF"):
        indexer.add_file(bad)
    assert not (settings.uploads_dir / "fake.pdf").exists()
    assert indexer.store.count() == count


def _ingest_subprocess(spawn, settings) -> subprocess.Popen:
    env = {
        **os.environ,
        "FA_CORPUS_DIR": str(settings.corpus_dir),
        "FA_DATA_DIR": str(settings.data_dir),
    }
    return spawn(
        [sys.executable, "-m", "cli", "ingest"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_sigkill_mid_ingest_then_good_run(settings, embeddings, spawn):
    process = _ingest_subprocess(spawn, settings)
    records = settings.record_db
    deadline = time.time() + 120
    # Wait until the ingest has written some chunk records, then kill it hard.
    while time.time() < deadline and process.poll() is None:
        if records.exists():
            with sqlite3.connect(records) as db:
                try:
                    if db.execute("SELECT COUNT(*) FROM records").fetchone()[0] > 0:
                        break
                except sqlite3.OperationalError:
                    pass
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # Killed mid-ingest: by the signal, not after finishing, with the index partial then.
    assert process.returncode == -signal.SIGKILL, process.stdout.read()
    with sqlite3.connect(records) as db:
        ledger_then = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert ledger_then < 7
    indexer = indexer_for(settings, embeddings)
    report = indexer.sync()
    assert not report.failed and len(report.added) >= 7 - ledger_then
    counts = stored_doc_ids(indexer)
    assert set(counts) == {
        "ablynx",
        "ablynx-nl",
        "argenx",
        "ucb-history",
        "vib-history",
        "imec-health",
        "tigenix",
    }
    ledger = {d.doc_id: d.chunks for d in indexer.documents()}
    assert ledger == counts  # every document indexed exactly once, no orphan chunks
    assert len(indexer.records.list_keys()) == indexer.store.count()


def test_ingests_started_at_once_are_serialised(settings, embeddings, spawn):
    """Three ingests on an empty data dir: one creates the index, the others find it done."""
    processes = [_ingest_subprocess(spawn, settings) for _ in range(3)]
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    assert all(process.returncode == 0 for process in processes), "\n".join(outputs)
    combined = "\n".join(outputs)
    assert combined.count("added 7") == 1 and combined.count("unchanged 7") == 2
    indexer = indexer_for(settings, embeddings)
    assert len(indexer.records.list_keys()) == indexer.store.count()


def test_concurrent_uploads_in_one_process(settings, embeddings, tmp_path):
    indexer = indexer_for(settings, embeddings)
    errors: list[Exception] = []

    def upload(number: int) -> None:
        source = tmp_path / f"staff-{number}.txt"
        source.write_text(
            f"Staff note {number}: company Nimbra{number} works on vaccines in Leuven."
        )
        try:
            indexer.add_file(source)
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert {f"staff-{n}" for n in range(4)} <= set(stored_doc_ids(indexer))


def test_uploaded_markdown_keeps_its_own_front_matter(settings, embeddings, tmp_path):
    page = tmp_path / "quuxbio.md"
    page.write_text(
        "---\nid: quuxbio\ntitle: Quuxbio\nkind: ecosystem\nlanguage: en\n"
        "sources: [https://example.org/quuxbio]\n---\n# Quuxbio\n\n## Founding\n\nQuuxbio was set up in Aalst.\n"
    )
    indexer = indexer_for(settings, embeddings)
    indexer.add_file(page)
    chunk = next(r for r in indexer.store.all_chunks() if r.metadata["doc_id"] == "quuxbio")
    assert chunk.metadata["sources"] == "https://example.org/quuxbio"


def test_changed_embedding_variant_re_embeds_everything(settings, embeddings, caplog):
    first = indexer_for(settings, embeddings).sync()
    int8 = settings.model_copy(update={"embedding_backend": "onnx-int8"})
    from assistant.embeddings import build_embeddings

    indexer = Indexer(int8, embeddings=build_embeddings(int8))
    report = indexer.sync()
    assert "Embedding model changed" in caplog.text
    assert report.chunks_embedded == first.chunks_embedded == indexer.store.count()
    assert len(indexer.records.list_keys()) == indexer.store.count()
    assert indexer.store.stored_embedding_signature().endswith("onnx-int8")


def test_a_data_dir_of_an_older_chunking_recipe_is_re_indexed(settings, embeddings, monkeypatch):
    """Chunks made before section-level sources carry the page's list: the next sync, by a
    newer recipe, must replace them, although no corpus file changed."""
    import ingest.chunking

    def page_sources_everywhere(sections, page_sources):
        return [list(page_sources) for _ in sections]

    with monkeypatch.context() as old:
        old.setattr(ingest.chunking, "RECIPE_VERSION", 1)
        old.setattr(ingest.chunking, "section_sources", page_sources_everywhere)
        indexer_for(settings, embeddings).sync()

    indexer = indexer_for(settings, embeddings)
    report = indexer.sync()
    assert len(report.updated) == 7 and not report.failed
    founding = [
        row.metadata["sources"].split()
        for row in indexer.store.all_chunks()
        if row.metadata["doc_id"] == "ablynx" and row.metadata["section"] == "Founding (2001)"
    ]
    ablynx_page_sources = 23
    assert founding and all(0 < len(urls) < ablynx_page_sources for urls in founding)
    assert len(indexer.records.list_keys()) == indexer.store.count()  # old chunks gone
    again = indexer.sync()
    assert again.chunks_embedded == 0 and len(again.unchanged) == 7


@pytest.mark.parametrize("cut", ["half", "no-xref", "junk"])
def test_pdf_with_a_valid_header_and_broken_structure_leaves_nothing(
    settings, embeddings, tmp_path, cut
):
    from tests.unit.test_loaders import minimal_pdf

    good = minimal_pdf("Galapagos is based in Mechelen since 1999")
    raw = {
        "half": good[: len(good) // 2],
        "no-xref": good[: good.index(b"xref")],
        "junk": b"%PDF-1.7\n" + b"\x00garbage " * 50,
    }[cut]
    indexer = indexer_for(settings, embeddings)
    indexer.sync()
    count, ledger = indexer.store.count(), indexer.records.documents()
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(raw)
    with pytest.raises(UploadError, match="PDF"):
        indexer.add_file(broken)
    assert not settings.uploads_dir.exists() or not any(settings.uploads_dir.iterdir())
    assert indexer.store.count() == count and indexer.records.documents() == ledger


def test_zip_bomb_through_add_is_refused_and_leaves_nothing(settings, embeddings, monkeypatch):
    from tests.unit.test_loaders import zip_bomb

    monkeypatch.setenv("FA_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("FA_DATA_DIR", str(settings.data_dir))
    from assistant.config import get_settings

    get_settings.cache_clear()
    bomb = zip_bomb(settings.data_dir.parent / "bomb.docx")
    result = CliRunner().invoke(app, ["add", str(bomb)])
    get_settings.cache_clear()
    assert result.exit_code == 1 and "zip bomb" in result.output
    assert not (settings.uploads_dir / "bomb.docx").exists()
    assert "bomb" not in stored_doc_ids(indexer_for(settings, embeddings))


def test_replace_overwrites_the_upload_and_its_chunks(settings, embeddings, tmp_path):
    indexer = indexer_for(settings, embeddings)
    note = tmp_path / "lab-note.txt"
    note.write_text("Quantix opened a lab in Kortrijk in 2024 with 12 staff.")
    indexer.add_file(note)
    note.write_text("Quantix moved its lab to Roeselare in 2025 and now has 30 staff.")
    with pytest.raises(UploadError, match="--replace"):
        indexer.add_file(note)
    report = indexer.add_file(note, replace=True)
    assert report.updated == ["lab-note"] and not report.added
    assert "Roeselare" in (settings.uploads_dir / "lab-note.txt").read_text()
    texts = [r.text for r in indexer.store.all_chunks() if r.metadata["doc_id"] == "lab-note"]
    assert texts and all("Roeselare" in t and "Kortrijk" not in t for t in texts)
    assert len(indexer.records.list_keys()) == indexer.store.count()
