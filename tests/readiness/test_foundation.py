"""The embedded default boots, production settings are strict, the default template is right."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from readiness.default_template import DEFAULT_ITEMS
from readiness.models import Account, Assessment, Invitation, Project, SurveyTemplate, TemplateItem
from readiness.services import default_template_ensure
from tests.factories import WorkspaceFactory
from workspaces.models import Membership, Workspace

ROOT = Path(__file__).resolve().parents[2]

SPEC_ITEMS = {
    "AW": "awareness",
    "DE": "desire",
    "KN": "knowledge",
    "AB": "ability",
    "RE": "reinforcement",
    "LS": "leadership",
}


def _get_when_up(url: str, server: subprocess.Popen, deadline: float) -> str:
    """Return the page at `url` once the server answers, waiting at most `deadline` seconds."""
    give_up = time.monotonic() + deadline
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:
                return reply.read().decode()
        except OSError:
            if server.poll() is not None or time.monotonic() > give_up:
                raise
            try:
                server.wait(timeout=0.2)  # returns early only if the server died
            except subprocess.TimeoutExpired:
                pass


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.pop("REDIS_URL", None)
    clean.pop("ALLOWED_HOSTS", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


class TestSettings:
    def test_embedded_default_boots_and_serves_the_login_page(self, tmp_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
        # A throw-away SQLite file, so the developer's demo database is untouched.
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'boot.sqlite3'}"
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, timeout=120
        )
        assert migrate.returncode == 0
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            page = _get_when_up(f"http://127.0.0.1:{port}/auth/login/", server, deadline=60)
        finally:
            server.terminate()
            server.wait(timeout=10)
        assert "Sign in to AdoptReady" in page

    def test_no_database_url_means_a_sqlite_file_in_the_project_folder(self) -> None:
        result = _manage(
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings; print(settings.DATABASES['default']['NAME'])",
            env={"DJANGO_SETTINGS_MODULE": "config.settings.local"},
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(ROOT / "db.sqlite3")

    def test_production_refuses_to_start_without_its_variables(self) -> None:
        result = _manage("check", env={"DJANGO_SETTINGS_MODULE": "config.settings.production"})
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS" in result.stderr

    def test_production_check_deploy_is_clean(self) -> None:
        result = _manage(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            env={
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x9Q2!" * 10,
                "DATABASE_URL": "postgres://app@127.0.0.1:5432/adoptready",
                "ALLOWED_HOSTS": "adoptready.example.com",
            },
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "System check identified no issues" in result.stdout

    def test_production_collectstatic_finds_every_file_the_assets_refer_to(self, tmp_path) -> None:
        # The manifest storage follows each url() and sourceMappingURL: a missing file (a
        # vendored script's source map, say) stops the deployment.
        result = _manage(
            "collectstatic",
            "--noinput",
            env={
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x9Q2!" * 10,
                "DATABASE_URL": "postgres://app@127.0.0.1:5432/adoptready",
                "ALLOWED_HOSTS": "adoptready.example.com",
                "STATIC_ROOT": str(tmp_path),
            },
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert (tmp_path / "staticfiles.json").exists()


@pytest.mark.django_db
class TestDefaultTemplate:
    def test_every_workspace_gets_the_twenty_items_of_the_spec(self) -> None:
        workspace = WorkspaceFactory()
        template = SurveyTemplate.objects.get(workspace=workspace, is_default=True)
        items = list(template.items.order_by("position"))
        assert len(items) == 20
        for item in items[:18]:
            assert item.kind == "likert" and item.allow_dont_know
            assert item.dimension == SPEC_ITEMS[item.code[:2]]
        assert [(i.code, i.kind, i.dimension) for i in items[18:]] == [
            ("NPS", "nps", "sentiment"),
            ("CON", "text", "comment"),
        ]
        assert [i.code for i in items[:3]] == ["AW1", "AW2", "AW3"]
        assert items[0].text_for("RouteWise") == (
            "I understand why RouteWise is being introduced in our organization."
        )

    def test_ensuring_twice_keeps_one_template(self) -> None:
        workspace = WorkspaceFactory()
        assert default_template_ensure(workspace=workspace) == default_template_ensure(
            workspace=workspace
        )
        assert TemplateItem.objects.filter(template__workspace=workspace).count() == len(
            DEFAULT_ITEMS
        )


@pytest.mark.django_db
class TestSeedDemo:
    def test_second_run_changes_nothing(self) -> None:
        models = [Workspace, Membership, Account, Project, Assessment, Invitation, TemplateItem]
        call_command("seed_demo", stdout=open(os.devnull, "w"))
        first = {model.__name__: model.objects.count() for model in models}
        call_command("seed_demo", stdout=open(os.devnull, "w"))
        assert {model.__name__: model.objects.count() for model in models} == first
        assert first["Project"] >= 4 and first["Invitation"] > 0

    def test_prints_a_login_for_every_role(self, capsys: pytest.CaptureFixture[str]) -> None:
        call_command("seed_demo")
        out = capsys.readouterr().out
        for role in ("admin", "consultant", "csm", "viewer"):
            assert f"role: {role}" in out

    def test_demo_logins_work(self, client) -> None:
        call_command("seed_demo", stdout=open(os.devnull, "w"))
        assert client.login(username="csm", password="csm-demo")
        assert client.get(reverse("readiness:project_list")).status_code == 200


@pytest.mark.django_db
def test_every_model_has_a_django_admin_page(admin_client) -> None:
    from django.apps import apps
    from django.contrib import admin

    ours = [m for app in ("readiness", "scoring") for m in apps.get_app_config(app).get_models()]
    missing = [model.__name__ for model in ours if not admin.site.is_registered(model)]
    assert not missing, f"Register these models in an admin.py: {missing}"
    for model in ours:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200
