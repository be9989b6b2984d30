"""No user input reaches a shell or hand-written SQL: the application code (apps and project
package; not tests, benchmarks, migrations or management commands run by operators) has no
shell call and no raw SQL except reviewed statements whose values travel as parameters.
The PDF renderer's network is closed by its URL fetcher (tests/poskantoor/test_year_plan.py,
test_user_text_with_html_and_a_remote_image_is_neither_interpreted_nor_fetched); uploads are
limited in size, type and what they unpack to by the import (tests/providers/test_import_jobs.py,
test_upload_page_refuses_bad_files_without_a_job and the tests of the limits)."""

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
APPS = ("sportloket", "providers", "poskantoor", "meetings", "subsidies", "network")
DANGEROUS = re.compile(
    r"\bsubprocess\b|os\.system|os\.popen|shell\s*=\s*True|\.raw\(|\.extra\(|RawSQL|"
    r"cursor\(\)|eval\(|exec\(|pickle\.loads|yaml\.load\(|mark_safe\(.*(request|form|data)"
)
# Reviewed: two INSERT … SELECT built by the ORM and the desk statistics' join to a VALUES
# list; their names come from the models and every value is passed as a parameter.
REVIEWED = {
    ("poskantoor/notices.py", "with connection.cursor() as cursor:"),
    ("network/news/services.py", "with connection.cursor() as cursor:"),
    ("meetings/support/services.py", "with connection.cursor() as cursor:"),
}


def application_files():
    for app in APPS:
        for path in (BASE_DIR / app).rglob("*.py"):
            parts = path.relative_to(BASE_DIR).parts
            if "migrations" in parts or "management" in parts or "settings" in parts:
                continue
            yield path


def test_no_shell_and_no_unreviewed_raw_sql_in_application_code():
    found = []
    for path in application_files():
        relative = str(path.relative_to(BASE_DIR))
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if DANGEROUS.search(line) and (relative, line.strip()) not in REVIEWED:
                found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_reviewed_statement_passes_its_values_as_parameters():
    source = (BASE_DIR / "poskantoor/notices.py").read_text()
    assert "cursor.execute(statement, params)" in source
    assert "sql, params = select.query.sql_with_params()" in source
    news = (BASE_DIR / "network/news/services.py").read_text()
    assert 'selectors.recipients(update=update).values(recipient_id=F("pk")).query' in news
    assert "[update_id, run, connection.ops.adapt_datetimefield_value(at), *params]," in news
    stats = (BASE_DIR / "meetings/support/services.py").read_text()
    assert "connection.ops.quote_name(name)" in stats
    assert "cursor.execute(sql, [*params, desk.pk])" in stats
    assert stats.count("cursor.execute(") == 1


def test_the_check_finds_what_it_looks_for():
    for bad in ('subprocess.run(["ls"])', "os.system(cmd)", "qs.raw(sql)", "qs.extra(where=[w])"):
        assert DANGEROUS.search(bad), bad
