"""Generate the invented demo data set in data/demo/: sites per kommune (GeoJSON) and one-door-in profiles.

Deterministic: a fixed seed and a fixed "as of" date, so re-running gives byte-identical files.
Every site is invented, named "Demo: …" and carries `demo: true`; no person is named anywhere.

    .venv/bin/python scripts/make_demo_data.py [OUTPUT_DIR]   # default data/demo
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import shapely
from pyproj import Transformer
from shapely import make_valid
from shapely.affinity import rotate, scale, translate
from shapely.geometry import Polygon, box, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schemas.fields import FIELDS  # noqa: E402
from schemas.taxonomy import MATURITY, MAX_AGE_DAYS  # noqa: E402

SEED = 20261101
AS_OF = date(2026, 11, 1)  # all verification dates lie before this day
KOMMUNE_FILE = ROOT / "data" / "reference" / "kommuner" / "kommuner_2024.geojson"
DEFAULT_OUT = ROOT / "data" / "demo"

INNER_MARGIN_M = 50.0  # sites stay this far inside the kommune border
MIN_GAP_M = 30.0  # and this far from each other
STALE_SHARE = 0.10  # share of sites with at least one fact older than its axis's maximum age
# Fresh facts were verified within this share of their axis's maximum age (schemas.taxonomy.MAX_AGE_DAYS),
# so the demo stays mostly current for a while after AS_OF.
FRESH_SHARE_OF_MAX_AGE = 0.6

# Grid company by county (first two digits of the 2024 kommune number).
GRID_BY_FYLKE = {
    "03": "Elvia",  # Oslo
    "31": "Elvia",  # Østfold
    "32": "Elvia",  # Akershus
    "33": "Glitre Nett",  # Buskerud
    "34": "Elvia",  # Innlandet
    "39": "Lede",  # Vestfold
    "40": "Lede",  # Telemark
}

PROPERTY_NAMES = tuple(f.name for f in FIELDS if f.name != "area_daa")


@dataclass(frozen=True)
class Anchor:
    """A plausible place for an invented site: name, approximate WGS84 position, kind, location text."""

    name: str
    lon: float
    lat: float
    kind: str  # logistics | industry | office | mixed | port
    where_no: str
    where_en: str


@dataclass(frozen=True)
class Kommune:
    """A demo kommune with its anchors and its one-door-in profile text."""

    nr: str
    name: str
    slug: str
    prefix: str
    price_band: tuple[int, int]  # NOK/m² for land on offer
    response_hours: int
    pitch_no: str
    pitch_en: str
    competence_no: str
    competence_en: str
    anchors: tuple[Anchor, ...]

    @property
    def org(self) -> str:
        return f"{self.name} kommune"

    @property
    def grid_company(self) -> str:
        return GRID_BY_FYLKE[self.nr[:2]]


A = Anchor
KOMMUNER: tuple[Kommune, ...] = (
    Kommune(
        "0301",
        "Oslo",
        "oslo",
        "OSL",
        (2500, 4000),
        8,
        "Oslo tilbyr mindre, sentrale næringstomter i Groruddalen og langs E6, tett på Alnabru godsterminal "
        "og Oslo havn. Kommunen samordner plan, byggesak og nettselskap gjennom én kontakt.",
        "Oslo offers smaller, central business plots in Groruddalen and along the E6, close to the Alnabru "
        "rail freight terminal and the Port of Oslo. The municipality coordinates planning, building permits"
        " and the grid company through a single contact.",
        "Universitetene, Oslo Cancer Cluster og Norway Health Tech gir tilgang til høyt utdannet "
        "arbeidskraft innen helse, life science og teknologi.",
        "The universities, Oslo Cancer Cluster and Norway Health Tech give access to a highly educated "
        "workforce in health, life science and technology.",
        (
            A(
                "Alnabru logistikkområde",
                10.850,
                59.935,
                "logistics",
                "Ved Alnabru godsterminal og E6.",
                "Next to the Alnabru rail freight terminal and the E6.",
            ),
            A(
                "Furuset næringsområde",
                10.890,
                59.940,
                "mixed",
                "Ved E6 og Trondheimsveien i Groruddalen.",
                "By the E6 and Trondheimsveien in Groruddalen.",
            ),
            A(
                "Ulven næringsområde",
                10.815,
                59.927,
                "office",
                "Ved Ring 3 og T-banen på Økern.",
                "By Ring 3 and the metro at Økern.",
            ),
            A(
                "Kalbakken næringsområde",
                10.870,
                59.950,
                "industry",
                "I Groruddalen, nær Trondheimsveien og Alnabru.",
                "In Groruddalen, near Trondheimsveien and Alnabru.",
            ),
            A(
                "Ryen næringsområde",
                10.805,
                59.893,
                "mixed",
                "Ved E6 og Ring 3 sør i byen.",
                "By the E6 and Ring 3 in the south of the city.",
            ),
            A(
                "Haugenstua næringsområde",
                10.915,
                59.955,
                "logistics",
                "Nordøst i Groruddalen, nær Rv 4 og E6.",
                "In north-east Groruddalen, near the Rv 4 and the E6.",
            ),
        ),
    ),
    Kommune(
        "3201",
        "Bærum",
        "baerum",
        "BAE",
        (2000, 3800),
        16,
        "Bærum tilbyr kontor- og kunnskapsarealer på Fornebu, Lysaker og i Sandvika, med E18, E16 og tett "
        "kollektivtilbud. Næringsrådgiveren samler plan, byggesak og Elvia i ett møte.",
        "Bærum offers office and knowledge-business land at Fornebu, Lysaker and Sandvika, with the E18, the"
        " E16 and frequent public transport. The business adviser brings planning, permits and Elvia to one "
        "meeting.",
        "En høyt utdannet befolkning og mange teknologi- og energiselskaper på Fornebu og Lysaker.",
        "A highly educated population and many technology and energy companies at Fornebu and Lysaker.",
        (
            A(
                "Fornebu næringspark",
                10.620,
                59.897,
                "office",
                "Ved E18 og den kommende Fornebubanen.",
                "By the E18 and the future Fornebu metro line.",
            ),
            A(
                "Lysaker næringsområde",
                10.640,
                59.913,
                "office",
                "Ved Lysaker kollektivknutepunkt og E18.",
                "By the Lysaker transport hub and the E18.",
            ),
            A(
                "Sandvika vest",
                10.515,
                59.890,
                "mixed",
                "Ved E18 og E16 i Sandvika.",
                "By the E18 and the E16 in Sandvika.",
            ),
            A(
                "Rud næringsområde",
                10.495,
                59.905,
                "industry",
                "Ved E16, nær Sandvika.",
                "By the E16, near Sandvika.",
            ),
            A(
                "Slependen næringsområde",
                10.500,
                59.870,
                "mixed",
                "Ved E18 mellom Sandvika og Asker.",
                "By the E18 between Sandvika and Asker.",
            ),
        ),
    ),
    Kommune(
        "3203",
        "Asker",
        "asker",
        "ASK",
        (1500, 3200),
        16,
        "Asker tilbyr regulerte næringsarealer langs E18, med kort vei til både Oslo og Drammen. Kommunen "
        "gir svar på areal, plan og strøm fra én kontakt, normalt innen to virkedager.",
        "Asker offers zoned business land along the E18, close to both Oslo and Drammen. The municipality "
        "answers on land, planning and power from one contact, normally within two working days.",
        "Et arbeidsmarked som dekker både Oslo og Drammensregionen, med mange ingeniører og "
        "teknologibedrifter.",
        "A labour market covering both Oslo and the Drammen region, with many engineers and technology "
        "firms.",
        (
            A(
                "Billingstad næringsområde",
                10.485,
                59.868,
                "mixed",
                "Ved E18, 20 minutter fra Oslo sentrum.",
                "By the E18, 20 minutes from central Oslo.",
            ),
            A(
                "Vakås næringsområde",
                10.462,
                59.858,
                "office",
                "Ved E18 mellom Billingstad og Asker sentrum.",
                "By the E18 between Billingstad and Asker centre.",
            ),
            A(
                "Heggedal næringsområde",
                10.435,
                59.785,
                "industry",
                "Ved Heggedal stasjon på Spikkestadlinjen.",
                "By Heggedal station on the Spikkestad line.",
            ),
            A(
                "Asker vest næringspark",
                10.400,
                59.830,
                "logistics",
                "Nær E18 vest for Asker sentrum.",
                "Near the E18 west of Asker centre.",
            ),
        ),
    ),
    Kommune(
        "3205",
        "Lillestrøm",
        "lillestrom",
        "LST",
        (900, 2200),
        16,
        "Lillestrøm tilbyr arealer på Kjeller og langs Rv 22 og Rv 159, midt mellom Oslo og Oslo lufthavn. "
        "Kunnskapsbyen Lillestrøm, OREEC og Solenergiklyngen gir et sterkt miljø for energi og "
        "miljøteknologi.",
        "Lillestrøm offers land at Kjeller and along the Rv 22 and Rv 159, halfway between Oslo and Oslo "
        "Airport. Kunnskapsbyen Lillestrøm, OREEC and the solar energy cluster form a strong energy and "
        "cleantech community.",
        "Forskningsmiljøene på Kjeller og energi- og miljøklyngene i Kunnskapsbyen Lillestrøm.",
        "The research institutes at Kjeller and the energy and environment clusters of Kunnskapsbyen "
        "Lillestrøm.",
        (
            A(
                "Kjeller næringspark",
                11.040,
                59.975,
                "office",
                "På gamle Kjeller flyplass, nær Kunnskapsbyen Lillestrøm.",
                "On the former Kjeller airfield, near Kunnskapsbyen Lillestrøm.",
            ),
            A(
                "Sagdalen næringsområde",
                10.995,
                59.955,
                "industry",
                "Ved Rv 159 mellom Strømmen og Lillestrøm.",
                "By the Rv 159 between Strømmen and Lillestrøm.",
            ),
            A(
                "Leirsund næringsområde",
                11.080,
                59.995,
                "logistics",
                "Ved Rv 22 og Hovedbanen nord for Lillestrøm.",
                "By the Rv 22 and the Hoved line north of Lillestrøm.",
            ),
            A(
                "Sørumsand næringsområde",
                11.245,
                59.985,
                "industry",
                "Ved Glomma, 30 minutter fra Oslo lufthavn.",
                "By the Glomma river, 30 minutes from Oslo Airport.",
            ),
            A(
                "Fetsund næringsområde",
                11.160,
                59.930,
                "mixed",
                "Ved Rv 22 og Fetsund stasjon.",
                "By the Rv 22 and Fetsund station.",
            ),
        ),
    ),
    Kommune(
        "3207",
        "Nordre Follo",
        "nordrefollo",
        "NFO",
        (900, 2000),
        16,
        "Nordre Follo tilbyr næringsarealer ved Ski stasjon og Follobanen, 11 minutter fra Oslo S, og langs "
        "E6 og E18. Kommunen koordinerer plan, byggesak og Elvia gjennom én fast kontakt.",
        "Nordre Follo offers business land by Ski station and the Follo Line, 11 minutes from Oslo Central, "
        "and along the E6 and E18. The municipality coordinates planning, permits and Elvia through one "
        "contact.",
        "Nærhet til NMBU på Ås og et bredt arbeidsmarked i Follo og Oslo.",
        "Close to NMBU at Ås and to a broad labour market in Follo and Oslo.",
        (
            A(
                "Ski øst næringsområde",
                10.850,
                59.720,
                "mixed",
                "Ved Ski stasjon og Follobanen.",
                "By Ski station and the Follo Line.",
            ),
            A(
                "Langhus næringsområde",
                10.845,
                59.760,
                "industry",
                "Ved E18 mellom Ski og Oslo.",
                "By the E18 between Ski and Oslo.",
            ),
            A(
                "Sofiemyr næringsområde",
                10.810,
                59.800,
                "office",
                "Nær E6 og Kolbotn stasjon.",
                "Near the E6 and Kolbotn station.",
            ),
            A(
                "Tårnåsen næringsområde",
                10.800,
                59.818,
                "logistics",
                "Ved E6, like sør for Oslo.",
                "By the E6, just south of Oslo.",
            ),
            A(
                "Kråkstad næringsområde",
                10.880,
                59.680,
                "industry",
                "Ved Østfoldbanens østre linje, sør for Ski.",
                "By the eastern Østfold line, south of Ski.",
            ),
        ),
    ),
    Kommune(
        "3209",
        "Ullensaker",
        "ullensaker",
        "ULL",
        (700, 1800),
        8,
        "Ullensaker tilbyr store, flate logistikk- og industriarealer ved Oslo lufthavn Gardermoen, E6 og Rv"
        " 35. Flyfrakt og Hauerseter godsterminal gir korte transportkjeder, og kommunen svarer innen ett "
        "døgn.",
        "Ullensaker offers large, flat logistics and industrial land at Oslo Airport Gardermoen, the E6 and "
        "the Rv 35. Air cargo and the Hauerseter freight terminal give short supply chains, and the "
        "municipality answers within one day.",
        "Et stort arbeidsmarked innen luftfart, logistikk og handel i Gardermoregionen.",
        "A large labour market in aviation, logistics and trade in the Gardermoen region.",
        (
            A(
                "Gardermoen næringspark",
                11.145,
                60.175,
                "logistics",
                "Øst for Oslo lufthavn Gardermoen, ved E6 og Rv 35.",
                "East of Oslo Airport Gardermoen, by the E6 and the Rv 35.",
            ),
            A(
                "Hauerseter næringsområde",
                11.180,
                60.190,
                "industry",
                "Ved Hauerseter tømmerterminal, nær E6 og Rv 35.",
                "By the Hauerseter timber terminal, near the E6 and the Rv 35.",
            ),
            A(
                "Jessheim sør",
                11.165,
                60.135,
                "mixed",
                "Ved E6 og Jessheim stasjon.",
                "By the E6 and Jessheim station.",
            ),
            A(
                "Kløfta næringsområde",
                11.140,
                60.075,
                "logistics",
                "Ved krysset mellom E6 og Rv 2 på Kløfta.",
                "At the E6 / Rv 2 junction at Kløfta.",
            ),
            A(
                "Borgen næringsområde",
                11.115,
                60.160,
                "mixed",
                "Mellom Jessheim og Oslo lufthavn.",
                "Between Jessheim and Oslo Airport.",
            ),
        ),
    ),
    Kommune(
        "3103",
        "Moss",
        "moss",
        "MOS",
        (500, 1300),
        16,
        "Moss tilbyr havnenære arealer ved Moss havn og logistikkområder ved E6 og Rygge. Jernbane, havn og "
        "ferje til Horten gir gode forbindelser, og næringsavdelingen er én dør inn.",
        "Moss offers port-side land at the Port of Moss and logistics land by the E6 and Rygge. Rail, port "
        "and the ferry to Horten give good connections, and the business department is the one door in.",
        "Industri- og logistikkompetanse i Mosseregionen, med pendleromland mot Oslo og resten av Østfold.",
        "Industrial and logistics skills in the Moss region, with commuters to and from Oslo and Østfold.",
        (
            A(
                "Moss havneområde",
                10.660,
                59.440,
                "port",
                "Ved Moss havn og jernbanen.",
                "By the Port of Moss and the railway.",
            ),
            A(
                "Kambo næringsområde",
                10.695,
                59.475,
                "mixed",
                "Ved Kambo stasjon nord i Moss.",
                "By Kambo station in northern Moss.",
            ),
            A(
                "Rygge næringspark",
                10.780,
                59.385,
                "logistics",
                "Nær E6 og Moss lufthavn Rygge (uten rutetrafikk siden 2016).",
                "Near the E6 and Moss Airport Rygge (no scheduled flights since 2016).",
            ),
            A(
                "Høyden næringsområde",
                10.700,
                59.420,
                "mixed",
                "Ved Rv 19 mellom E6 og Moss sentrum.",
                "By the Rv 19 between the E6 and central Moss.",
            ),
            A(
                "Halmstad næringsområde",
                10.735,
                59.395,
                "industry",
                "Ved E6 og Rygge stasjon.",
                "By the E6 and Rygge station.",
            ),
        ),
    ),
    Kommune(
        "3101",
        "Halden",
        "halden",
        "HAL",
        (300, 800),
        24,
        "Halden tilbyr logistikkarealer ved E6 og Svinesund, på grensen til Sverige, og arealer ved Halden "
        "havn. NCE Smart Energy Markets og Høgskolen i Østfold gir et sterkt miljø for energi og "
        "digitalisering.",
        "Halden offers logistics land by the E6 and Svinesund, on the Swedish border, and land at the Port "
        "of Halden. NCE Smart Energy Markets and Østfold University College form a strong energy and digital"
        " community.",
        "Energi-IKT og digitalisering gjennom NCE Smart Energy Markets og Høgskolen i Østfold.",
        "Energy ICT and digitalisation through NCE Smart Energy Markets and Østfold University College.",
        (
            A(
                "Svinesund næringspark",
                11.270,
                59.100,
                "logistics",
                "Ved E6 og Svinesundsbrua, på grensen til Sverige.",
                "By the E6 and the Svinesund bridge, on the Swedish border.",
            ),
            A(
                "Tistedal næringsområde",
                11.445,
                59.125,
                "industry",
                "Ved Tista og Rv 21 øst for Halden.",
                "By the Tista river and the Rv 21 east of Halden.",
            ),
            A(
                "Remmen næringsområde",
                11.405,
                59.125,
                "office",
                "Ved Høgskolen i Østfold på Remmen.",
                "By Østfold University College at Remmen.",
            ),
            A("Halden havn nord", 11.375, 59.115, "port", "Ved Halden havn.", "By the Port of Halden."),
        ),
    ),
    Kommune(
        "3301",
        "Drammen",
        "drammen",
        "DRM",
        (700, 1800),
        16,
        "Drammen tilbyr havnenære arealer på Holmen med jernbaneterminal, og næringsområder langs E18 og "
        "E134. Kommunen samordner plan, byggesak og Glitre Nett gjennom én kontakt.",
        "Drammen offers port-side land at Holmen with a rail terminal, and business areas along the E18 and "
        "E134. The municipality coordinates planning, permits and Glitre Nett through one contact.",
        "Universitetet i Sørøst-Norge og et bredt industrielt arbeidsmarked i Drammensregionen.",
        "The University of South-Eastern Norway and a broad industrial labour market in the Drammen region.",
        (
            A(
                "Holmen havneområde",
                10.215,
                59.740,
                "port",
                "På Holmen ved Drammen havn og jernbaneterminalen.",
                "At Holmen by the Port of Drammen and its rail terminal.",
            ),
            A(
                "Gulskogen næringsområde",
                10.165,
                59.742,
                "mixed",
                "Ved E134 og Gulskogen stasjon.",
                "By the E134 and Gulskogen station.",
            ),
            A(
                "Mjøndalen næringspark",
                10.010,
                59.748,
                "industry",
                "Ved Mjøndalen stasjon, nær E134.",
                "By Mjøndalen station, near the E134.",
            ),
            A(
                "Kobbervikdalen næringsområde",
                10.265,
                59.705,
                "logistics",
                "Ved E18 sør for Drammen sentrum.",
                "By the E18 south of central Drammen.",
            ),
            A(
                "Krokstadelva næringsområde",
                9.985,
                59.765,
                "industry",
                "Ved E134 vest i kommunen.",
                "By the E134 in the west of the municipality.",
            ),
        ),
    ),
    Kommune(
        "3303",
        "Kongsberg",
        "kongsberg",
        "KBG",
        (400, 1100),
        16,
        "Kongsberg tilbyr arealer for teknologi- og industribedrifter langs E134 og i Kongsberg "
        "teknologipark. NCE Systems Engineering Kongsberg og et tett leverandørnettverk gjør det enkelt å "
        "etablere seg.",
        "Kongsberg offers land for technology and industrial companies along the E134 and in Kongsberg "
        "Technology Park. NCE Systems Engineering Kongsberg and a dense supplier network make it easy to set"
        " up.",
        "Et av landets tetteste miljøer for systems engineering, med ingeniørutdanning ved Universitetet i "
        "Sørøst-Norge.",
        "One of Norway's densest systems-engineering communities, with engineering education at the "
        "University of South-Eastern Norway.",
        (
            A(
                "Kongsberg teknologipark sør",
                9.655,
                59.665,
                "industry",
                "I Kongsberg teknologipark.",
                "In Kongsberg Technology Park.",
            ),
            A(
                "Jønnevald næringsområde",
                9.680,
                59.690,
                "industry",
                "Ved E134 nord for sentrum.",
                "By the E134 north of the centre.",
            ),
            A(
                "Raumyr næringsområde",
                9.665,
                59.675,
                "mixed",
                "Ved E134 og Kongsberg stasjon.",
                "By the E134 and Kongsberg station.",
            ),
            A(
                "Saggrenda næringsområde",
                9.590,
                59.630,
                "industry",
                "Ved E134 vest for Kongsberg.",
                "By the E134 west of Kongsberg.",
            ),
            A(
                "Skollenborg næringsområde",
                9.685,
                59.605,
                "logistics",
                "Ved Rv 40 sør for sentrum.",
                "By the Rv 40 south of the centre.",
            ),
        ),
    ),
    Kommune(
        "3403",
        "Hamar",
        "hamar",
        "HAM",
        (300, 900),
        24,
        "Hamar tilbyr rimelige, flate næringsarealer langs E6 og Rv 25, midt i Innlandet og en time fra Oslo"
        " lufthavn. NCE Heidner Biocluster gir et sterkt miljø for bioøkonomi og matproduksjon.",
        "Hamar offers affordable, flat business land along the E6 and Rv 25, in the heart of Innlandet and "
        "one hour from Oslo Airport. NCE Heidner Biocluster is a strong community for bioeconomy and food "
        "production.",
        "Universitetet i Innlandet og NCE Heidner Biocluster gir kompetanse innen bioøkonomi, avl og "
        "genetikk.",
        "The Inland Norway University and NCE Heidner Biocluster give skills in bioeconomy, breeding and "
        "genetics.",
        (
            A(
                "Trehørningen næringsområde",
                11.065,
                60.785,
                "logistics",
                "Ved E6 og Rv 25 vest for Hamar sentrum.",
                "By the E6 and the Rv 25 west of central Hamar.",
            ),
            A(
                "Ridabu næringsområde",
                11.135,
                60.815,
                "industry",
                "Ved Rv 25 mot Elverum.",
                "By the Rv 25 towards Elverum.",
            ),
            A(
                "Børstad næringsområde",
                11.110,
                60.800,
                "mixed",
                "Øst for Hamar sentrum, nær Rv 25.",
                "East of central Hamar, near the Rv 25.",
            ),
            A(
                "Vikingskipet øst",
                11.095,
                60.792,
                "office",
                "Ved Vikingskipet og Hamar stasjon.",
                "By the Viking Ship arena and Hamar station.",
            ),
        ),
    ),
    Kommune(
        "3903",
        "Holmestrand",
        "holmestrand",
        "HOL",
        (400, 1000),
        24,
        "Holmestrand tilbyr næringsarealer ved E18 og Vestfoldbanen, med kort vei til Drammen og Sandefjord "
        "lufthavn Torp. Kommunen gir svar på areal og plan, og tar kontakt med Lede om strøm.",
        "Holmestrand offers business land by the E18 and the Vestfold Line, close to Drammen and Sandefjord "
        "Airport Torp. The municipality answers on land and planning and contacts Lede about power.",
        "Et arbeidsmarked som spenner over Vestfold og Drammensregionen, med industri- og prosesskompetanse.",
        "A labour market spanning Vestfold and the Drammen region, with industrial and process skills.",
        (
            A(
                "Sande næringspark",
                10.215,
                59.590,
                "logistics",
                "Ved E18 og Sande stasjon.",
                "By the E18 and Sande station.",
            ),
            A(
                "Holmestrand stasjon nord",
                10.300,
                59.495,
                "office",
                "Ved Holmestrand stasjon på Vestfoldbanen.",
                "By Holmestrand station on the Vestfold Line.",
            ),
            A(
                "Hof næringsområde",
                10.050,
                59.545,
                "industry",
                "I Hof, 15 minutter fra E18.",
                "In Hof, 15 minutes from the E18.",
            ),
            A(
                "Holmestrand vest næringsområde",
                10.240,
                59.520,
                "mixed",
                "Ved E18, ti minutter fra Holmestrand stasjon.",
                "By the E18, ten minutes from Holmestrand station.",
            ),
        ),
    ),
)
del A

# Per kind: area range (daa), SOSI code options, free-text use (no, en).
KINDS: dict[str, tuple[tuple[float, float], tuple[tuple[str, ...], ...], str, str]] = {
    "logistics": (
        (40, 400),
        (("1350",), ("1350", "1826"), ("1825",), ("1350", "1340")),
        "Lager, logistikk og terminalvirksomhet",
        "Warehousing, logistics and terminals",
    ),
    "industry": (
        (20, 300),
        (("1340",), ("1340", "1350"), ("1826",), ("1340", "1390")),
        "Industri og produksjon, også med lager",
        "Industry and production, also with storage",
    ),
    "office": (
        (5, 80),
        (("1310",), ("1810",), ("1310", "1320", "1330")),
        "Kontor, kunnskapsbedrifter og tjenesteyting",
        "Offices, knowledge businesses and services",
    ),
    "mixed": (
        (10, 150),
        (("1300",), ("1300", "1360"), ("1825", "1810"), ("1390", "1350")),
        "Blandet næring: lett industri, lager og kontor",
        "Mixed business: light industry, storage, offices",
    ),
    "port": (
        (20, 200),
        (("1350", "1340"), ("1826",), ("1350", "1390")),
        "Havnerelatert næring, lager og omlasting",
        "Port-related business, storage and transhipment",
    ),
}
OSLO_DAA = (5.0, 40.0)

TO_25833 = Transformer.from_crs(4326, 25833, always_xy=True)
TO_4326 = Transformer.from_crs(25833, 4326, always_xy=True)


def _to_25833(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, TO_25833.transform, interleaved=False)


def _to_4326(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, TO_4326.transform, interleaved=False)


def load_kommuner(numbers: set[str]) -> dict[str, BaseGeometry]:
    """Read the 2024 kommune polygons (EPSG:4326) for the given numbers, repaired with make_valid."""
    with KOMMUNE_FILE.open(encoding="utf-8") as fh:
        collection = json.load(fh)
    out = {}
    for feature in collection["features"]:
        nr = feature["properties"]["kommunenummer"]
        if nr in numbers:
            out[nr] = make_valid(shape(feature["geometry"]))
    missing = numbers - out.keys()
    if missing:
        raise SystemExit(f"{KOMMUNE_FILE}: no polygon for kommune(r) {sorted(missing)}")
    return out


def _shape_at_origin(rng: random.Random, area_m2: float) -> Polygon:
    """Return a plausible plot outline of the given area (m²), centred on (0, 0), in metres."""
    if rng.random() < 0.4:
        aspect = rng.uniform(1.2, 3.0)
        width = math.sqrt(area_m2 * aspect)
        height = area_m2 / width
        poly = box(-width / 2, -height / 2, width / 2, height / 2)
    else:
        # Star-shaped polygon: strictly increasing angles keep it simple (no self-intersection).
        n = rng.randint(4, 8)
        step = 2 * math.pi / n
        points = []
        for i in range(n):
            angle = i * step + rng.uniform(-0.35, 0.35) * step
            radius = rng.uniform(0.7, 1.25)
            points.append((radius * math.cos(angle), radius * math.sin(angle)))
        poly = scale(Polygon(points), rng.uniform(1.0, 1.8), 1.0, origin=(0, 0))
        poly = scale(poly, math.sqrt(area_m2 / poly.area), math.sqrt(area_m2 / poly.area), origin=(0, 0))
    return rotate(poly, rng.uniform(0, 180), origin=(0, 0))


def _round_4326(poly_25833: Polygon) -> Polygon:
    """Reproject to EPSG:4326, round to 7 decimals, orient the ring counter-clockwise (RFC 7946)."""
    ring = _to_4326(poly_25833).exterior.coords
    return orient(Polygon([(round(x, 7), round(y, 7)) for x, y in ring]), sign=1.0)


def place_site(
    rng: random.Random,
    outline: Polygon,
    anchor_xy: tuple[float, float],
    *,
    kommune_4326: BaseGeometry,
    inner_25833: BaseGeometry,
    placed_25833: list[BaseGeometry],
) -> tuple[Polygon, bool]:
    """Place the outline near the anchor (else anywhere) inside the kommune, clear of other sites.

    Returns the rounded EPSG:4326 polygon and whether it stayed near its anchor.
    """
    minx, miny, maxx, maxy = inner_25833.bounds
    for attempt in range(2000):
        near = attempt < 300
        if near:
            distance = rng.uniform(0, 150 + attempt * 6)  # search outwards, up to ~2 km
            bearing = rng.uniform(0, 2 * math.pi)
            cx = anchor_xy[0] + distance * math.cos(bearing)
            cy = anchor_xy[1] + distance * math.sin(bearing)
        else:
            cx, cy = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        candidate = _round_4326(translate(outline, cx, cy))
        if not candidate.is_valid:
            continue
        back = _to_25833(candidate)
        if not back.within(inner_25833) or not candidate.within(kommune_4326):
            continue
        if any(back.distance(other) < MIN_GAP_M for other in placed_25833):
            continue
        placed_25833.append(back)
        return candidate, near
    raise SystemExit(f"could not place a site near {anchor_xy}")


def _days_before(rng: random.Random, lo: int, hi: int) -> str:
    return (AS_OF - timedelta(days=rng.randint(lo, hi))).isoformat()


def _axis_date(rng: random.Random, axis: str, *, stale: bool) -> str:
    """A verification date of `axis`: past its maximum age when stale, else within 60 % of it."""
    max_age = MAX_AGE_DAYS[axis]
    # Draw from the same fixed ranges as always, so the random sequence (every other value of the demo)
    # stays as it was, and scale the draw onto the axis's range.
    draw_lo, draw_hi = (380, 700) if stale else (5, 300)
    lo, hi = (max_age + 20, 2 * max_age) if stale else (5, int(max_age * FRESH_SHARE_OF_MAX_AGE))
    drawn = rng.randint(draw_lo, draw_hi)
    days = lo + round((drawn - draw_lo) * (hi - lo) / (draw_hi - draw_lo))
    return (AS_OF - timedelta(days=days)).isoformat()


def _fmt_no(value: float) -> str:
    """Format a number the Norwegian way (decimal comma, no trailing ,0)."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _fmt_en(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _choose_power(rng: random.Random, maturity: str) -> str:
    rank = MATURITY.rank(maturity)
    if maturity == "M5":
        return rng.choice(("E3", "E4"))
    if rank <= 1:
        return rng.choices(("E0", "E1", "E2"), (2, 2, 2))[0]
    if rank == 2:
        return rng.choices(("E0", "E1", "E2", "E3"), (1, 2, 3, 2))[0]
    # Grid companies reserve capacity only for land regulated for the purpose (M3+).
    return rng.choices(("E1", "E2", "E3", "E4"), (1, 2, 3, 2))[0]


def _choose_availability(rng: random.Random, maturity: str) -> str:
    if maturity == "M0":
        return "not_on_market"
    if maturity == "M1":
        return rng.choices(("not_on_market", "for_sale_or_lease", "optioned"), (3, 1, 1))[0]
    if maturity == "M2":
        return rng.choices(("not_on_market", "for_sale_or_lease", "optioned"), (2, 2, 1))[0]
    if maturity == "M5":
        return "for_sale_or_lease"  # M5 means price and terms are on offer
    return rng.choices(("for_sale_or_lease", "optioned", "sold", "not_on_market"), (4, 1, 1, 1))[0]


def _choose_land_control(rng: random.Random, availability: str) -> str:
    if availability == "not_on_market":
        return rng.choice(("kommune", "public_company", "private_agreement", "private_no_agreement"))
    return rng.choices(("kommune", "public_company", "private_agreement"), (3, 1, 2))[0]


OWNERSHIP_TEXT = {
    "public_company": (
        "Kommunalt eiendomsselskap",
        "Interkommunalt næringsselskap",
        "Statlig eiendomsselskap",
    ),
    "private_agreement": ("Privat grunneier med utbyggingsavtale", "Private grunneiere med samarbeidsavtale"),
    "private_no_agreement": ("Flere private grunneiere, ingen avtale", "Privat grunneier, ingen avtale"),
}


def _plan(rng: random.Random, maturity: str) -> tuple[str | None, str]:
    year = rng.randint(2015, 2024)
    serial = rng.randint(1, 30)
    if maturity == "M0":
        return None, "Innspill til rullering av kommuneplanens arealdel"
    if maturity == "M1":
        return f"KPA{rng.randint(2019, 2024)}", "Næring, framtidig, i kommuneplanens arealdel"
    if maturity == "M2":
        return f"{rng.randint(2023, 2026)}{serial:03d}", "Reguleringsplan under arbeid"
    return f"{year}{serial:03d}", f"Detaljregulering vedtatt {year + rng.randint(1, 2)}"


def _power(rng: random.Random, status: str, small: bool) -> dict[str, object]:
    top = 8.0 if small else 30.0
    now: float | None = None
    future: float | None = None
    year: int | None = None
    reserved_until: str | None = None
    if status == "E1":
        now = round(rng.uniform(0, 1.0), 1)
        future = round(rng.uniform(3, top * 1.5), 1)
        year = rng.randint(2028, 2033)
    elif status in ("E2", "E3", "E4"):
        now = round(rng.uniform(1.0, top), 1)
        if rng.random() < 0.4:
            future = round(now + rng.uniform(2, top), 1)
            year = rng.randint(2028, 2032)
        if status == "E4":
            reserved_until = (AS_OF + timedelta(days=rng.randint(180, 900))).isoformat()
    return {
        "power_mw_now": now,
        "power_mw_future": future,
        "power_future_year": year,
        "power_reserved_until": reserved_until,
    }


def _power_sentence(status: str, grid: str, power: dict[str, object]) -> tuple[str, str]:
    """Describe the power situation in one sentence each in Norwegian and English."""
    now = float(power["power_mw_now"] or 0)  # type: ignore[arg-type]
    future = float(power["power_mw_future"] or 0)  # type: ignore[arg-type]
    year, until = power["power_future_year"], power["power_reserved_until"]
    if status == "E0":
        return (
            "Strømtilgangen er ikke avklart med nettselskapet.",
            "Power access has not been clarified with the grid company.",
        )
    if status == "E1":
        return (
            f"Effekt står i kø hos {grid}: {_fmt_no(future)} MW tidligst i {year}.",
            f"Power is queued with {grid}: {_fmt_en(future)} MW not before {year}.",
        )
    if status == "E2":
        return (
            f"{grid} anslår om lag {_fmt_no(now)} MW tilgjengelig.",
            f"{grid} estimates about {_fmt_en(now)} MW available.",
        )
    if status == "E3":
        return (
            f"{grid} har vurdert {_fmt_no(now)} MW som driftsmessig forsvarlig.",
            f"{grid} has assessed {_fmt_en(now)} MW as operationally sound.",
        )
    return (
        f"{_fmt_no(now)} MW er reservert hos {grid} til {until}.",
        f"{_fmt_en(now)} MW is reserved with {grid} until {until}.",
    )


def make_site(
    rng: random.Random, kommune: Kommune, anchor: Anchor, index: int, geom: Polygon, *, stale: bool
) -> dict[str, object]:
    """Build one demo feature with consistent, invented attribute values."""
    reference = f"{kommune.prefix}-DEMO-{index:03d}"
    true_area = _to_25833(geom).area
    _, use_options, use_no, use_en = KINDS[anchor.kind]
    grid = kommune.grid_company

    maturity = rng.choices(MATURITY.codes, (1, 2, 3, 3, 2, 1.5))[0]
    power_status = _choose_power(rng, maturity)
    power = _power(rng, power_status, small=kommune.nr == "0301" or anchor.kind == "office")
    availability = _choose_availability(rng, maturity)
    land_control = _choose_land_control(rng, availability)
    ownership = kommune.org if land_control == "kommune" else rng.choice(OWNERSHIP_TEXT[land_control])
    if maturity == "M0":
        evidence = "self_reported"
    elif MATURITY.rank(maturity) >= 4:  # serviced / ready-to-build land comes with documents
        evidence = rng.choice(("document_linked", "cross_checked"))
    else:
        evidence = rng.choices(("self_reported", "document_linked", "cross_checked"), (2, 3, 2))[0]
    base_url = f"https://example.org/demo/{kommune.slug}/{reference.lower()}"
    plan_id, plan_status = _plan(rng, maturity)

    price: float | None = None
    terms: str | None = None
    if availability == "for_sale_or_lease":
        price = float(round(rng.uniform(*kommune.price_band) / 50) * 50)
        terms = rng.choice(
            (
                "Salg eller feste; pris eks. mva.",
                "Salg; opparbeidet tomt, pris eks. mva.",
                "Langsiktig feste eller utleie av bygg",
                "Salg etter forhandling; pris eks. mva.",
            )
        )
    elif availability == "optioned":
        terms = f"Opsjon til {(AS_OF + timedelta(days=rng.randint(90, 540))).isoformat()}"

    # Dates: well within each axis's maximum age, except one or two stale axes on the stale sites.
    axes = ("maturity", "power", "availability", "land_control")
    stale_axes = set(rng.sample(axes, k=rng.randint(1, 2))) if stale else set()
    dates = {a: _axis_date(rng, a, stale=a in stale_axes) for a in axes}
    plan_unit = "Plan- og bygningsetaten" if kommune.nr == "0301" else "Planavdelingen"
    property_unit = "Eiendoms- og byfornyelsesetaten" if kommune.nr == "0301" else "Eiendomsavdelingen"
    power_by = {
        "E0": f"Næringsavdelingen, {kommune.org}",
        "E1": f"{grid}, tilknytningskø",
        "E2": f"{grid}, publisert kapasitetsoversikt",
        "E3": f"{grid}, kundeservice tilknytning",
        "E4": f"{grid}, kundeservice tilknytning",
    }[power_status]

    submitted_area: float | None = None
    if rng.random() > 0.1:  # a few sites leave the submitted area empty
        submitted_area = float(round(true_area * (1 + rng.uniform(-0.05, 0.05)) / 10) * 10)
    area_daa = true_area / 1000
    uses = rng.choice(use_options)
    power_no, power_en = _power_sentence(power_status, grid, power)
    description_no = (
        f"{use_no} på om lag {area_daa:.0f} daa. {anchor.where_no} "
        f"Planstatus: {MATURITY.label(maturity, 'no').lower()} ({maturity}). {power_no} "
        "Demodata: oppdiktet område, ikke en virkelig tomt."
    )
    description_en = (
        f"{use_en} on about {area_daa / 10:.1f} ha. {anchor.where_en} "
        f"Plan status: {MATURITY.label(maturity, 'en').lower()} ({maturity}). {power_en} "
        "Demo data: an invented site, not a real plot."
    )
    links = [base_url]
    if rng.random() < 0.5:
        links.append(f"{base_url}/bilde-1.jpg")

    values: dict[str, object] = {
        "kommune_nr": kommune.nr,
        "reference": reference,
        "name": f"Demo: {anchor.name}",
        "area_m2": submitted_area,
        "uses": ";".join(uses),
        "use_text": use_no,
        "maturity": maturity,
        "maturity_verified_at": dates["maturity"],
        "maturity_verified_by": f"{plan_unit}, {kommune.org}",
        "power_status": power_status,
        **power,
        "grid_company": grid,
        "power_verified_at": dates["power"],
        "power_verified_by": power_by,
        "availability": availability,
        "availability_verified_at": dates["availability"],
        "availability_verified_by": f"Næringsavdelingen, {kommune.org}",
        "land_control": land_control,
        "land_control_verified_at": dates["land_control"],
        "land_control_verified_by": f"{property_unit}, {kommune.org}",
        "ownership_text": ownership,
        "evidence": evidence,
        "evidence_url": f"{base_url}/plan.pdf" if evidence != "self_reported" else None,
        "price_nok_per_m2": price,
        "price_terms": terms,
        "plan_id": plan_id,
        "plan_status": plan_status,
        "description_no": description_no,
        "description_en": description_en,
        "links": ";".join(links),
    }
    assert set(values) == set(PROPERTY_NAMES), set(values) ^ set(PROPERTY_NAMES)
    properties = {name: values[name] for name in PROPERTY_NAMES}
    properties["demo"] = True
    return {"type": "Feature", "properties": properties, "geometry": mapping(geom)}


def _target_area_m2(rng: random.Random, kommune: Kommune, anchor: Anchor) -> float:
    lo, hi = OSLO_DAA if kommune.nr == "0301" else KINDS[anchor.kind][0]
    return 1000 * math.exp(rng.uniform(math.log(lo), math.log(hi)))  # log-uniform: many small, few large


_POSITION = re.compile(r"\[\s+(-?[\d.]+),\s+(-?[\d.]+)\s+\]")


def _write_json(path: Path, obj: object) -> None:
    """Write indented JSON with each coordinate pair kept on one line (readable diffs, small files)."""
    text = _POSITION.sub(r"[\1, \2]", json.dumps(obj, ensure_ascii=False, indent=1))
    path.write_text(text + "\n", encoding="utf-8")


def _feature_collection(kommune: Kommune, features: list[dict[str, object]]) -> dict[str, object]:
    return {
        "type": "FeatureCollection",
        "name": f"DEMO – næringsarealer i {kommune.org} / DEMO – business sites in {kommune.name} (invented)",
        "description": (
            "DEMODATA: oppdiktede næringsarealer laget for å utvikle og vise fram Næringsarealregisteret. "
            "Dette er ikke virkelige tomter; areal, strøm, pris og status er oppdiktet. / DEMO DATA: "
            "invented business sites made to develop and demonstrate Næringsarealregisteret. These are not "
            "real sites; area, power, price and status are invented."
        ),
        "features": features,
    }


PROFILE_COLUMNS = (
    "kommune_nr",
    "contact_role",
    "contact_name",
    "email",
    "phone",
    "response_hours",
    "pitch_no",
    "pitch_en",
    "competence_no",
    "competence_en",
    "verified_at",
    "is_demo",
)

README = """\
# Demo data (invented) / Demodata (oppdiktet)

**Everything in this folder is invented demo data, not real business sites.** It exists so the registry,
the API and the maps can be developed, tested and shown without real submissions.

**Alt i denne mappen er oppdiktede demodata, ikke virkelige næringsarealer.** Dataene finnes for å kunne
utvikle, teste og vise fram registeret, API-et og kartene uten ekte innsendinger.

Files:
- `sites_<kommune_nr>.geojson`: one GeoJSON FeatureCollection per kommune ({n_kommuner} kommuner,
  {n_sites} sites in all), EPSG:4326 / CRS84 (RFC 7946, no `crs` member). Properties are named exactly as
  the canonical submission fields in `schemas/fields.py` (coded values from `schemas/taxonomy.py`, `uses`
  as `;`-joined SOSI codes, `links` as `;`-joined URLs, dates ISO 8601), plus `demo: true`.
- `profiles.csv`: one "one door in" (én dør inn) profile per demo kommune: contact role, role e-mail at
  example.org, promised response time (hours), pitch and competence text (bokmål + English), `is_demo=true`.
- `README.md`: this file.

How they are marked as demo:
- every site name starts with `Demo: `, every feature has `demo: true`, each file has a top-level `name` and
  `description` saying (in Norwegian and English) that it is invented;
- references look like `OSL-DEMO-001`; links and e-mail addresses use the reserved domain `example.org`;
- no person is named: `verified_by` and contacts are roles ("Planavdelingen, Asker kommune");
  `contact_name` and `phone` are empty.

What is real and what is not: the kommune boundaries used to place the polygons (Kartverket, CC BY 4.0,
`data/reference/kommuner/`), the kommune names and numbers, the grid company serving each county, and the
place names and clusters mentioned in texts are real. The polygons, areas, plan ids, maturity, power figures,
availability, ownership, prices and dates are invented. The polygons are placed near real place names when
they fit inside the kommune and clear of each other, otherwise elsewhere in the kommune, so a polygon may
cover forest, farmland, water or built-up land that is not business land at all.

Verification dates lie before {as_of}; about one site in ten has a fact verified longer ago than its
axis allows (power and availability 180 days, maturity a year, land control two years), so the "stale"
flag has something to show (more facts turn stale as real time passes).

Generated — do not edit by hand. Regenerate (deterministic, byte-identical output) with:

    .venv/bin/python scripts/make_demo_data.py            # writes data/demo/
    .venv/bin/python scripts/make_demo_data.py OUT_DIR    # writes elsewhere

`tests/test_demo_data.py` checks the files (fields, codes, geometry, consistency, determinism).
"""


def generate(out_dir: Path) -> dict[str, int]:
    """Write the demo GeoJSON files, profiles.csv and README.md to out_dir; return counts."""
    rng = random.Random(SEED)
    kommune_geoms = load_kommuner({k.nr for k in KOMMUNER})
    n_sites = sum(len(k.anchors) for k in KOMMUNER)
    stale_indices = set(rng.sample(range(n_sites), k=round(n_sites * STALE_SHARE)))
    out_dir.mkdir(parents=True, exist_ok=True)

    placed: list[BaseGeometry] = []  # across kommuner too: no two demo sites may touch
    counter = 0
    displaced = 0
    for kommune in KOMMUNER:
        kommune_4326 = kommune_geoms[kommune.nr]
        inner = _to_25833(kommune_4326).buffer(-INNER_MARGIN_M)
        features = []
        for i, anchor in enumerate(kommune.anchors, start=1):
            outline = _shape_at_origin(rng, _target_area_m2(rng, kommune, anchor))
            anchor_xy = TO_25833.transform(anchor.lon, anchor.lat)
            geom, near = place_site(
                rng, outline, anchor_xy, kommune_4326=kommune_4326, inner_25833=inner, placed_25833=placed
            )
            displaced += not near
            features.append(make_site(rng, kommune, anchor, i, geom, stale=counter in stale_indices))
            counter += 1
        _write_json(out_dir / f"sites_{kommune.nr}.geojson", _feature_collection(kommune, features))

    with (out_dir / "profiles.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(PROFILE_COLUMNS)
        for kommune in KOMMUNER:
            writer.writerow(
                (
                    kommune.nr,
                    f"Næringsrådgiver, {kommune.org}",
                    "",
                    f"naering.{kommune.slug}@example.org",
                    "",
                    kommune.response_hours,
                    kommune.pitch_no,
                    kommune.pitch_en,
                    kommune.competence_no,
                    kommune.competence_en,
                    _days_before(rng, 5, 200),
                    "true",
                )
            )
    (out_dir / "README.md").write_text(
        README.format(n_kommuner=len(KOMMUNER), n_sites=n_sites, as_of=AS_OF.isoformat()), encoding="utf-8"
    )
    return {
        "kommuner": len(KOMMUNER),
        "sites": n_sites,
        "stale_sites": len(stale_indices),
        "placed_away_from_anchor": displaced,
    }


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and generate the demo data."""
    parser = argparse.ArgumentParser(description="Generate invented demo data (sites and profiles).")
    parser.add_argument(
        "out_dir", nargs="?", type=Path, default=DEFAULT_OUT, help="output directory (default: data/demo)"
    )
    args = parser.parse_args(argv)
    counts = generate(args.out_dir)
    print(", ".join(f"{k}={v}" for k, v in counts.items()) + f" -> {args.out_dir}")


if __name__ == "__main__":
    main()
