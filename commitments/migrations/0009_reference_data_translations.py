"""Spanish and French versions of the reference data.

The English texts of the objectives are the joint statement's. The Spanish and French
versions below are careful translations, not the governments' official texts: the
objectives keep ``translations_official = False`` until an admin replaces them.
"""

from django.db import migrations

COUNTRIES = {
    "CA": ("Canadá", "Canada"),
    "MX": ("México", "Mexique"),
    "US": ("Estados Unidos", "États-Unis"),
    "NL": ("Países Bajos", "Pays-Bas"),
    "BE": ("Bélgica", "Belgique"),
}

# English name -> (Spanish name, French name, Spanish place, French place)
MEETINGS = {
    "North American Leaders' Summit 2016": (
        "Cumbre de Líderes de América del Norte 2016",
        "Sommet des leaders nord-américains 2016",
        "Ottawa, Canadá",
        "Ottawa, Canada",
    ),
    "6th North American Drug Dialogue": (
        "6.º Diálogo de América del Norte sobre Drogas",
        "6e Dialogue nord-américain sur les drogues",
        "",
        "",
    ),
    "North American Leaders' Summit 2023": (
        "Cumbre de Líderes de América del Norte 2023",
        "Sommet des leaders nord-américains 2023",
        "Ciudad de México, México",
        "Mexico, Mexique",
    ),
    "NADD Public Health Summit": (
        "Cumbre de Salud Pública del Diálogo de América del Norte sobre Drogas",
        "Sommet sur la santé publique du Dialogue nord-américain sur les drogues",
        "",
        "",
    ),
    "7th North American Drug Dialogue": (
        "7.º Diálogo de América del Norte sobre Drogas",
        "7e Dialogue nord-américain sur les drogues",
        "Sede del Servicio Postal de los Estados Unidos, Washington, D.C., Estados Unidos",
        "Siège du Service postal des États-Unis, Washington (D.C.), États-Unis",
    ),
    "8th North American Drug Dialogue": (
        "8.º Diálogo de América del Norte sobre Drogas",
        "8e Dialogue nord-américain sur les drogues",
        "Ciudad de México, México",
        "Mexico, Mexique",
    ),
}

# number -> (Spanish title, Spanish text, French title, French text), 2024 set
OBJECTIVES_2024 = {
    1: (
        "Estrategia integral contra las sobredosis",
        "Promover una estrategia integral para atender las sobredosis",
        "Stratégie globale contre les surdoses",
        "Promouvoir une stratégie globale de lutte contre les surdoses",
    ),
    2: (
        "Prevención desde la salud mental",
        "Fortalecer las estrategias de prevención del consumo de sustancias desde un enfoque "
        "de salud mental, atendiendo el problema desde sus causas para reducir los factores "
        "de riesgo",
        "Prévention axée sur la santé mentale",
        "Renforcer les stratégies de prévention de la consommation de substances selon une "
        "approche axée sur la santé mentale, en s'attaquant au problème à la source afin de "
        "réduire les facteurs de risque",
    ),
    3: (
        "Reducción del estigma estructural",
        "Compartir buenas prácticas para ayudar a reducir los daños a las personas que usan "
        "drogas mediante la reducción del estigma estructural en nuestros sistemas de salud, "
        "leyes y servicios sociales",
        "Réduction de la stigmatisation structurelle",
        "Échanger des pratiques exemplaires pour aider à réduire les méfaits subis par les "
        "personnes qui consomment des drogues en réduisant la stigmatisation structurelle dans "
        "nos systèmes de santé, nos lois et nos services sociaux",
    ),
    4: (
        "Datos sobre tendencias de consumo y tráfico",
        "Compartir datos sobre las tendencias del consumo y del tráfico de drogas, incluidas "
        "las amenazas emergentes",
        "Données sur les tendances de consommation et de trafic",
        "Échanger des données sur les tendances de la consommation et du trafic de drogues, y "
        "compris les menaces émergentes",
    ),
    5: (
        "Asociación con los Países Bajos",
        "Profundizar nuestra asociación antinarcóticos con los Países Bajos y explorar "
        "oportunidades paralelas con otros países",
        "Partenariat avec les Pays-Bas",
        "Approfondir notre partenariat de lutte contre les stupéfiants avec les Pays-Bas et "
        "explorer des possibilités semblables avec d'autres pays",
    ),
    6: (
        "Cadenas de suministro y modos de contrabando",
        "Mejorar la comprensión compartida de las cadenas de suministro del tráfico de drogas "
        "y de los modos de contrabando, incluso en el sistema postal",
        "Chaînes d'approvisionnement et modes de contrebande",
        "Améliorer la compréhension commune des chaînes d'approvisionnement du trafic de "
        "drogues et des modes de contrebande, y compris dans le système postal",
    ),
    7: (
        "Financiamiento ilícito",
        "Comprender mejor los métodos de financiamiento ilegal relacionados con las drogas "
        "asociados al fentanilo y a otros tipos de tráfico de drogas, y fortalecer la "
        "cooperación para hacer frente a estas actividades",
        "Financement illicite",
        "Mieux comprendre les méthodes de financement illégal liées aux drogues associées au "
        "fentanyl et à d'autres formes de trafic de drogues, et renforcer la coopération pour "
        "lutter contre ces activités",
    ),
    8: (
        "Control de sustancias químicas de interés",
        "Compartir información sobre el proceso de control de las sustancias químicas de "
        "interés en cada país, incluidas las buenas prácticas para hacer frente a la "
        "proliferación de nuevas sustancias psicoactivas y de nuevos precursores químicos",
        "Contrôle des produits chimiques préoccupants",
        "Échanger de l'information sur le processus de contrôle des produits chimiques "
        "préoccupants dans chaque pays, y compris les pratiques exemplaires pour faire face à "
        "la prolifération des nouvelles substances psychoactives et des nouveaux précurseurs "
        "chimiques",
    ),
    9: (
        "Armas de fuego y tráfico de drogas",
        "Compartir información de manera trilateral sobre las tendencias actuales del tráfico "
        "ilícito de armas de fuego para comprender mejor y atender el efecto facilitador de "
        "las armas de fuego ilícitas en la comisión del tráfico ilegal de drogas",
        "Armes à feu et trafic de drogues",
        "Échanger de l'information de façon trilatérale sur les tendances actuelles du trafic "
        "illicite d'armes à feu afin de mieux comprendre et de contrer l'effet facilitateur "
        "des armes à feu illicites sur le trafic illégal de drogues",
    ),
}


def load(apps, schema_editor):
    Country = apps.get_model("commitments", "Country")
    Meeting = apps.get_model("commitments", "Meeting")
    Objective = apps.get_model("commitments", "Objective")
    for code, (spanish, french) in COUNTRIES.items():
        Country.objects.filter(code=code, name_es="", name_fr="").update(
            name_es=spanish, name_fr=french
        )
    for name, (name_es, name_fr, place_es, place_fr) in MEETINGS.items():
        Meeting.objects.filter(name=name, name_es="", name_fr="").update(
            name_es=name_es, name_fr=name_fr, place_es=place_es, place_fr=place_fr
        )
    for number, (title_es, text_es, title_fr, text_fr) in OBJECTIVES_2024.items():
        Objective.objects.filter(
            objective_set__year=2024, number=number, title_es="", text_es=""
        ).update(title_es=title_es, text_es=text_es, title_fr=title_fr, text_fr=text_fr)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0008_reference_data_languages")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
