"""A realistic start set of schemes (regelingen en fondsen). Staff edit them afterwards.

Amounts are left empty where they differ per municipality or per application round.
"""

from django.db import migrations

# name, funder, description, link, (clubs, entrepreneurs, other), target group slugs,
# theme slugs, (amount_min, amount_max)
START_SCHEMES = [
    (
        "Jeugdfonds Sport & Cultuur",
        "Jeugdfonds Sport & Cultuur",
        "Betaalt de contributie en soms de sportkleding van kinderen en jongeren (4–18 jaar) uit "
        "gezinnen met weinig geld, rechtstreeks aan de sportaanbieder. Een intermediair "
        "(bijvoorbeeld buurtsportcoach of leerkracht) vraagt de bijdrage aan.",
        "https://www.jeugdfondssportencultuur.nl/",
        (True, True, True),
        ["jeugd", "lage-ses-laag-inkomen"],
        ["inclusie-diversiteit"],
        (None, None),
    ),
    (
        "Volwassenenfonds Sport & Cultuur",
        "Volwassenenfonds Sport & Cultuur",
        "Betaalt de contributie van volwassenen met een laag inkomen, zodat ook zij kunnen "
        "sporten en bewegen. Aanvragen via een intermediair in de gemeente.",
        "https://www.volwassenenfondssportencultuur.nl/",
        (True, True, True),
        ["lage-ses-laag-inkomen", "ouderen", "inactieven"],
        ["inclusie-diversiteit"],
        (None, None),
    ),
    (
        "Rabo ClubSupport",
        "Rabobank",
        "Financiële bijdrage en kennis voor verenigingen via de jaarlijkse campagne en "
        "ondersteuning van lokale Rabobanken.",
        "https://www.rabobank.nl/clubsupport",
        (True, False, False),
        [],
        ["vitale-sportaanbieders"],
        (None, None),
    ),
    (
        "Lokaal Sportakkoord uitvoeringsbudget",
        "Gemeente / Sportakkoord",
        "Budget van het lokale sportakkoord voor activiteiten die bijdragen aan de ambities van "
        "het akkoord; aanvragen via de adviseur lokale sport of het sport- en beweegloket.",
        "https://www.allesoversport.nl/",
        (True, True, True),
        [],
        [
            "inclusie-diversiteit",
            "sociaal-veilige-sport",
            "vitale-sportaanbieders",
            "vaardig-in-bewegen",
        ],
        ("250.00", "5000.00"),
    ),
    (
        "Microbudget sociale veiligheid",
        "Sport- en beweegloket",
        "Kleine bijdrage voor de basiseisen sociale veiligheid: vertrouwenscontactpersoon "
        "opleiden, gedragsregels opstellen, VOG's aanvragen.",
        "https://www.centrumveiligesport.nl/",
        (True, True, True),
        [],
        ["sociaal-veilige-sport"],
        ("100.00", "1000.00"),
    ),
    (
        "Regeling Gratis VOG",
        "Justis (ministerie van Justitie en Veiligheid)",
        "Vrijwilligers die met minderjarigen of mensen met een verstandelijke beperking werken "
        "krijgen een gratis Verklaring Omtrent het Gedrag.",
        "https://www.justis.nl/producten/vog/gratis-vog",
        (True, False, True),
        ["jeugd", "mensen-met-een-beperking"],
        ["sociaal-veilige-sport"],
        (None, None),
    ),
    (
        "BOSA – bouw en onderhoud sportaccommodaties",
        "DUS-i (ministerie van VWS)",
        "Subsidie voor amateursportorganisaties die investeren in bouw, onderhoud of "
        "verduurzaming van hun sportaccommodatie.",
        "https://www.dus-i.nl/subsidies/bosa",
        (True, False, False),
        [],
        ["ruimte-voor-sport-en-bewegen"],
        (None, None),
    ),
]


def load(apps, schema_editor):
    Scheme = apps.get_model("subsidies", "Scheme")
    TargetGroup = apps.get_model("sportloket", "TargetGroup")
    Theme = apps.get_model("sportloket", "Theme")
    for name, funder, text, link, kinds, groups, themes, amounts in START_SCHEMES:
        scheme, created = Scheme.objects.get_or_create(
            name=name,
            defaults={
                "funder": funder,
                "description": text,
                "link": link,
                "for_clubs": kinds[0],
                "for_entrepreneurs": kinds[1],
                "for_other": kinds[2],
                "amount_min": amounts[0],
                "amount_max": amounts[1],
            },
        )
        if created:
            scheme.target_groups.set(TargetGroup.objects.filter(slug__in=groups))
            scheme.themes.set(Theme.objects.filter(slug__in=themes))


class Migration(migrations.Migration):
    dependencies = [
        ("subsidies", "0001_initial"),
        ("sportloket", "0002_reference_data"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
