"""Reference data shipped with the code.

Municipalities: the 342 Dutch municipalities in force since 1 January 2023 (CBS "Gemeentelijke
indeling op 1 januari 2023", open data), copied from shared/data/municipalities.csv into
sportloket/data/municipalities.csv. Admins add or retire municipalities after later merges.
"""

import csv
from pathlib import Path

from django.db import migrations
from django.utils.text import slugify

SPORTAKKOORD_THEMES = [
    "Inclusie & diversiteit",
    "Sociaal veilige sport",
    "Vitale sportaanbieders",
    "Vaardig in bewegen",
    "Ruimte voor sport en bewegen",
    "Maatschappelijke waarde van topsport",
]
SIGNAL_THEMES = [
    "Vrijwilligers",
    "Bestuurlijke druk",
    "Ledenverloop",
    "Financiën en contributie",
    "Accommodatie en tarieven",
    "Samenwerking met zorg, welzijn en onderwijs",
]
TARGET_GROUPS = [
    "Jeugd",
    "Ouderen",
    "Mensen met een beperking",
    "Chronisch zieken",
    "Lage SES / laag inkomen",
    "Mensen met een migratieachtergrond",
    "Inactieven",
    "Vrouwen en meiden",
    "LHBTIQ+",
]
SPORTS = [
    "Atletiek", "Badminton", "Basketbal", "Beweegprogramma's", "Bootcamp", "Boksen",
    "Dans", "Fitness", "Fietsen", "Golf", "Gymnastiek", "Handbal", "Hockey", "Judo",
    "Kickboksen", "Klimmen", "Korfbal", "Padel", "Paardensport", "Roeien", "Schaatsen",
    "Tafeltennis", "Tennis", "Voetbal", "Volleybal", "Wandelen", "Watersport", "Yoga",
    "Zwemmen",
]
# (category, Sportakkoord themes it relates to) — design §4.
QUESTION_CATEGORIES = [
    ("Vrijwilligers en bestuur", ["Vitale sportaanbieders"]),
    ("Financiën en contributie", ["Vitale sportaanbieders"]),
    ("Accommodatie, vergunningen en tarieven", ["Ruimte voor sport en bewegen"]),
    ("Sociale veiligheid", ["Sociaal veilige sport"]),
    ("Opleiding en kwalificatie van trainers", ["Vaardig in bewegen", "Vitale sportaanbieders"]),
    ("Leden, deelnemers en communicatie", ["Vitale sportaanbieders"]),
    ("Samenwerking met zorg, welzijn en onderwijs", ["Inclusie & diversiteit"]),
    ("Subsidies en fondsen", ["Vitale sportaanbieders"]),
    ("Kwetsbare doelgroepen", ["Inclusie & diversiteit"]),
    ("Overig", []),
]
ROLE_GROUPS = [
    "Clubondersteuners",
    "Beleidsmedewerkers gemeente",
    "POS-medewerkers",
    "Beheerders",
]


def load(apps, schema_editor):
    Municipality = apps.get_model("sportloket", "Municipality")
    Theme = apps.get_model("sportloket", "Theme")
    TargetGroup = apps.get_model("sportloket", "TargetGroup")
    Sport = apps.get_model("sportloket", "Sport")
    QuestionCategory = apps.get_model("sportloket", "QuestionCategory")
    Group = apps.get_model("auth", "Group")

    path = Path(__file__).resolve().parent.parent / "data" / "municipalities.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    Municipality.objects.bulk_create(
        [Municipality(cbs_code=r["cbs_code"], name=r["name"], province=r["province"]) for r in rows],
        ignore_conflicts=True,
    )
    for i, name in enumerate(SPORTAKKOORD_THEMES):
        Theme.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "kind": "sportakkoord", "ordering": i}
        )
    for i, name in enumerate(SIGNAL_THEMES):
        Theme.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "kind": "signal", "ordering": 10 + i}
        )
    for model, names in ((TargetGroup, TARGET_GROUPS), (Sport, SPORTS)):
        for i, name in enumerate(names):
            model.objects.get_or_create(slug=slugify(name), defaults={"name": name, "ordering": i})
    for i, (name, themes) in enumerate(QUESTION_CATEGORIES):
        category, _ = QuestionCategory.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "ordering": i}
        )
        category.themes.set(Theme.objects.filter(name__in=themes))
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("sportloket", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
