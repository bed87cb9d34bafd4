"""Every seed check, tripped by one bad edit of the test dataset, names the exact problem.

No database: the checks run over the files as read (``mgt seed --check`` does the same).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.seeding.checks import check_dataset
from app.seeding.reader import SeedError, read_dataset
from tests.conftest import FIXTURE_SEEDS, SOURCES_DIR, require_sources

PARTICIPANT_CITE = (
    'cite: [{source: desa-cm15-2017, quote: "In his capacity as moderator, '
    'Ambassador Juan José Gómez Camacho"}]'
)


def _seeds(tmp_path: Path, old: str = "", new: str = "", extra: str = "") -> Path:
    """A copy of the test dataset with ``old`` replaced by ``new`` and an ``extra.yaml``."""
    seeds = tmp_path / "seeds"
    shutil.copytree(FIXTURE_SEEDS, seeds)
    path = seeds / "data.yaml"
    text = path.read_text(encoding="utf-8")
    if old:
        assert text.count(old) == 1, old
        path.write_text(text.replace(old, new), encoding="utf-8")
    if extra:
        (seeds / "extra.yaml").write_text(extra, encoding="utf-8")
    return seeds


def _problems(seeds: Path, sources: Path | None = None) -> list[str]:
    with pytest.raises(SeedError) as caught:
        check_dataset(read_dataset(seeds), sources)
    return caught.value.problems


def test_the_fixture_itself_passes_every_check():
    require_sources()
    check_dataset(read_dataset(FIXTURE_SEEDS), SOURCES_DIR)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            PARTICIPANT_CITE,
            PARTICIPANT_CITE.replace("desa-cm15-2017", "no-such-source"),
            "data.yaml: event 'cm-15.s3', field cite.source: refers to source "
            "'no-such-source', which no seed file defines",
        ),
        (
            "    themes: [pledging]\n",
            "    themes: [no-such-theme]\n",
            "data.yaml: process 'pledging-initiative', field themes: refers to theme "
            "'no-such-theme', which no seed file defines",
        ),
        (
            "        role: moderator\n",
            "        role: moderator\n        on_behalf_of: atlantis\n",
            "data.yaml: event 'cm-15.s3', field participants.on_behalf_of: refers to actor "
            "'atlantis', which no seed file defines",
        ),
        (
            "subject: {kind: process, id: pledging-initiative}",
            "subject: {kind: process, id: no-such-process}",
            "data.yaml: figure 'pledges-2023-01', field subject: refers to process "
            "'no-such-process', which no seed file defines",
        ),
        (
            "subject: {kind: event, id: cm-15}",
            "subject: {kind: actor, id: cm-15}",
            "data.yaml: dispute 'gfmd-2010-host', field subject: refers to actor 'cm-15', "
            "which no seed file defines",
        ),
        (
            "        role: moderator\n",
            "        role: moderator\n        on_behalf_of: mexico\n",
            None,
        ),
    ],
)
def test_each_reference_must_exist(tmp_path, old, new, problem):
    seeds = _seeds(tmp_path, old, new)
    if problem is None:
        check_dataset(read_dataset(seeds), None)
        return
    assert _problems(seeds) == [problem]


def test_a_participants_quote_is_checked_against_its_source(tmp_path):
    require_sources()
    wrong = PARTICIPANT_CITE.replace("In his capacity", "In her capacity")
    problems = _problems(_seeds(tmp_path, PARTICIPANT_CITE, wrong), SOURCES_DIR)
    assert problems == [
        "data.yaml: event 'cm-15.s3': quote not found in 003_5aac2a6bb2689fab.txt: "
        "'In her capacity as moderator, Ambassador Juan José Gómez Camacho'"
    ]


GCM_OBJECTIVE = """provisions:
  - instrument: gcm
    kind: {kind}
    number: "{number}"
    title: An objective
    cite: [{{source: wmr-2024-ch8, quote: "Objective 7"}}]
"""


@pytest.mark.parametrize(
    ("number", "kind", "problem"),
    [
        ("1", "objective", None),
        ("23", "objective", None),
        ("24", "objective", "provisions: GCM objective '24' is not a number from 1 to 23"),
        ("0", "objective", "provisions: GCM objective '0' is not a number from 1 to 23"),
        ("07", "objective", "provisions: GCM objective '07' is not a number from 1 to 23"),
        ("24", "section", None),
    ],
)
def test_gcm_objectives_are_numbered_1_to_23(tmp_path, number, kind, problem):
    seeds = _seeds(tmp_path, extra=GCM_OBJECTIVE.format(number=number, kind=kind))
    if problem is None:
        check_dataset(read_dataset(seeds), None)
    else:
        assert _problems(seeds) == [problem]


def test_a_gcm_objective_appears_once(tmp_path):
    seeds = _seeds(tmp_path, extra=GCM_OBJECTIVE.format(number="7", kind="objective"))
    assert _problems(seeds) == [
        "provisions: 'gcm.objective.7' appears 2 times",
        "provisions: GCM objective '7' appears 2 times",
    ]


def test_duplicate_ids_name_kind_id_count_and_files(tmp_path):
    extra = "themes:\n  - {id: governance, name: Again}\n  - {id: governance, name: Thrice}\n"
    assert _problems(_seeds(tmp_path, extra=extra)) == [
        "themes: id 'governance' is used 3 times (data.yaml, extra.yaml)"
    ]


def test_duplicate_ids_within_one_file(tmp_path):
    old = "  - {id: pledging, name: Pledging, parent: governance}\n"
    new = old + "  - {id: pledging, name: Pledging again}\n"
    assert _problems(_seeds(tmp_path, old, new)) == [
        "themes: id 'pledging' is used 2 times (data.yaml)"
    ]


POSITION = """positions:
  - id: second-post
    person: juan-jose-gomez-camacho
    title: {title}
    organization: {organization}
{date}    cite: [{{source: desa-cm15-2017, quote: "Ambassador Juan José Gómez Camacho"}}]
"""
OVERLAP = (
    "positions: 'gomez-camacho-pr-mexico' and 'second-post' are the same post of "
    "juan-jose-gomez-camacho over overlapping dates; keep one and cite it twice"
)
TITLE = "Permanent Representative of Mexico to the United Nations"


@pytest.mark.parametrize(
    ("title", "organization", "date", "problem"),
    [
        (TITLE, "mexico", '"2017"', OVERLAP),
        ("permanent representative of Mexico to the  United-Nations", "mexico", '"2017"', OVERLAP),
        (TITLE, "mexico", None, OVERLAP),
        (TITLE, "mexico", '"2017-02-28/2018"', OVERLAP),
        (TITLE, "mexico", '"2016/2017-02-01"', OVERLAP),
        (TITLE, "mexico", '"../2017-02-01"', OVERLAP),
        (TITLE, "mexico", '"2017-03/.."', None),
        (TITLE, "mexico", '"2017-03"', None),
        (TITLE, "mexico", '"2016/2017-01-31"', None),
        (TITLE, "iom", '"2017"', None),
        ("Ambassador", "mexico", '"2017"', None),
    ],
)
def test_the_same_post_over_overlapping_dates_is_refused(
    tmp_path, title, organization, date, problem
):
    """The fixture's post is dated February 2017: a second one overlapping it by a day is
    refused, one ending the day before or starting the month after is not."""
    line = f"    date: {date}\n" if date else ""
    extra = POSITION.format(title=title, organization=organization, date=line)
    seeds = _seeds(tmp_path, extra=extra)
    if problem is None:
        check_dataset(read_dataset(seeds), None)
    else:
        assert _problems(seeds) == [problem]


def test_an_undated_post_overlaps_every_other(tmp_path):
    extra = POSITION.format(title=TITLE, organization="mexico", date='    date: "1990"\n')
    seeds = _seeds(tmp_path, '    date: "2017-02"\n', "", extra=extra)
    assert _problems(seeds) == [OVERLAP]


def test_quotes_ignore_case_punctuation_and_line_breaks(tmp_path):
    require_sources()
    shouted = PARTICIPANT_CITE.replace(
        "In his capacity as moderator,", "IN HIS CAPACITY\\nAS MODERATOR —"
    )
    check_dataset(read_dataset(_seeds(tmp_path, PARTICIPANT_CITE, shouted)), SOURCES_DIR)


def test_a_citation_of_a_source_document_needs_a_quote(tmp_path):
    require_sources()
    unquoted = "cite: [{source: desa-cm15-2017, locator: p. 4}]"
    assert _problems(_seeds(tmp_path, PARTICIPANT_CITE, unquoted), SOURCES_DIR) == [
        "data.yaml: event 'cm-15.s3': a citation of 003_5aac2a6bb2689fab.txt needs a verbatim quote"
    ]


def test_a_missing_source_document_is_named_for_each_citation(tmp_path):
    require_sources()
    sources = tmp_path / "sources"
    sources.mkdir()
    for path in SOURCES_DIR.glob("00[013]_*.txt"):
        shutil.copy(path, sources)
    data = (FIXTURE_SEEDS / "data.yaml").read_text(encoding="utf-8")
    problems = _problems(FIXTURE_SEEDS, sources)
    assert len(problems) == data.count("source: wmr-2024-ch8")
    missing = f"source file {sources / '004_7eed26272a734672.txt'} is missing"
    assert all(problem.endswith(missing) for problem in problems)


def test_without_the_source_documents_quotes_are_not_checked(tmp_path):
    wrong = PARTICIPANT_CITE.replace("In his capacity", "In her capacity")
    seeds = _seeds(tmp_path, PARTICIPANT_CITE, wrong)
    check_dataset(read_dataset(seeds), tmp_path / "no-such-directory")
    check_dataset(read_dataset(seeds), None)


def test_a_name_shared_by_two_actors_names_both(tmp_path):
    seeds = _seeds(tmp_path, "iso3: MEX", "iso3: MEX\n    aliases: [Iom]")
    assert _problems(seeds) == [
        "actors: the name or alias 'iom' belongs to several actors: iom, mexico"
    ]


def test_a_name_shared_by_two_actors_is_refused(tmp_path):
    extra = (
        "actors:\n  - id: mexico-again\n    name: MEXICO\n    kind: state\n"
        "    cite: [{source: cms-2009, locator: p. 1}]\n"
    )
    assert _problems(_seeds(tmp_path, extra=extra)) == [
        "actors: the name or alias 'mexico' belongs to several actors: mexico, mexico-again"
    ]


def test_a_claims_citation_must_refer_to_a_source(tmp_path):
    old = 'cite: [{source: cms-2009, quote: "Forums are already scheduled'
    seeds = _seeds(tmp_path, old, old.replace("cms-2009", "no-such-source"))
    assert _problems(seeds) == [
        "data.yaml: dispute 'gfmd-2010-host', field cite.source: refers to source "
        "'no-such-source', which no seed file defines"
    ]


LINK = """process_links:
  - from: coordination-meetings
    to: pledging-initiative
    kind: feeds_into
    cite: [{source: cms-2009, locator: p. 1}]
"""
EXTRA_CITATION = """citations:
  - subject: {{kind: {kind}, id: {ident}}}
    cite: [{{source: cms-2009, locator: p. 2}}]
"""


@pytest.mark.parametrize(
    ("kind", "ident"),
    [
        ("process_role", "coordination-meetings.participant.mexico.2017"),
        ("process_link", "coordination-meetings.feeds_into.pledging-initiative"),
        ("participation", "cm-15.s3.moderator.juan-jose-gomez-camacho"),
    ],
)
def test_citations_of_derived_ids_must_find_their_record(tmp_path, kind, ident):
    """Process roles, process links and participations have ids made from their fields; a
    citation added in another file finds them by those ids, and only by them."""
    cited = EXTRA_CITATION.format(kind=kind, ident=ident)
    check_dataset(read_dataset(_seeds(tmp_path / "good", extra=LINK + cited)), None)
    wrong = EXTRA_CITATION.format(kind=kind, ident=ident + "-x")
    assert _problems(_seeds(tmp_path / "bad", extra=LINK + wrong)) == [
        f"extra.yaml: citations of {kind} '{ident}-x', field subject: refers to {kind} "
        f"'{ident}-x', which no seed file defines"
    ]


MODERATOR = "        role: moderator\n"
A_POINT = MODERATOR + (
    "        points:\n"
    "          - text: Opened the session\n"
    "            cite: [{source: desa-cm15-2017, locator: p. 4}]\n"
)
AN_ACT = """    acronym: GCM
    acts:
      - act: adoption
        date: "2018-12-10"
        cite: [{source: wmr-2024-ch8, locator: p. 3}]
"""


@pytest.mark.parametrize(
    ("old", "new", "record", "field", "kind"),
    [
        ("parent: governance}", "parent: nowhere}", "theme 'pledging'", "parent", "theme"),
        (
            "    kind: initiative",
            "    kind: initiative\n    parent: nowhere",
            "process 'pledging-initiative'",
            "parent",
            "process",
        ),
        (
            "    pledgers: [iom]",
            "    pledgers: [nowhere]",
            "pledge 'example-pledge'",
            "pledgers",
            "actor",
        ),
        (
            "      - actor: juan-jose-gomez-camacho",
            "      - actor: nowhere",
            "event 'cm-15.s3'",
            "participants.actor",
            "actor",
        ),
        ("iso3: MEX", "iso3: MEX\n    parent: nowhere", "actor 'mexico'", "parent", "actor"),
        ("iso3: MEX", "iso3: MEX\n    country: nowhere", "actor 'mexico'", "country", "actor"),
        (
            "    person: juan-jose-gomez-camacho",
            "    person: nowhere",
            "position 'gomez-camacho-pr-mexico'",
            "person",
            "actor",
        ),
        (
            "    organization: mexico",
            "    organization: nowhere",
            "position 'gomez-camacho-pr-mexico'",
            "organization",
            "actor",
        ),
        (
            "    process: coordination-meetings\n    ordinal: 15",
            "    process: nowhere\n    ordinal: 15",
            "event 'cm-15'",
            "process",
            "process",
        ),
        (
            "  - actor: mexico\n    process: coordination-meetings",
            "  - actor: nowhere\n    process: coordination-meetings",
            "processrole 'nowhere'",
            "actor",
            "actor",
        ),
        (
            "    acronym: GCM",
            "    acronym: GCM\n    adopted_by: nowhere",
            "instrument 'gcm'",
            "adopted_by",
            "actor",
        ),
        (
            "    acronym: GCM",
            "    acronym: GCM\n    lead: nowhere",
            "instrument 'gcm'",
            "lead",
            "actor",
        ),
        (
            "    acronym: GCM",
            "    acronym: GCM\n    review: nowhere",
            "instrument 'gcm'",
            "review",
            "process",
        ),
        (
            "  - instrument: progress-declaration",
            "  - instrument: nowhere",
            "provision (no id)",
            "instrument",
            "instrument",
        ),
        (
            "    objectives: [7]\n",
            "    objectives: [7]\n    event: nowhere\n",
            "pledge 'example-pledge'",
            "event",
            "event",
        ),
        (
            "    objectives: [7]\n",
            "    objectives: [7]\n    matches: nowhere\n",
            "pledge 'example-pledge'",
            "matches",
            "pledge",
        ),
        (
            "    held_as: gfmd-2009",
            "    held_as: nowhere",
            "event 'gfmd-2009-announced'",
            "held_as",
            "event",
        ),
        (
            "    held_as: gfmd-2009",
            "    held_as: gfmd-2009\n    instruments: [{instrument: nowhere, relation: adopted}]",
            "event 'gfmd-2009-announced'",
            "instruments",
            "instrument",
        ),
        (
            MODERATOR,
            A_POINT.replace(
                "            cite:", "            themes: [nowhere]\n            cite:"
            ),
            "event 'cm-15.s3'",
            "participants.points.themes",
            "theme",
        ),
        (
            "    acronym: GCM",
            AN_ACT.replace("    cite:", "    body: nowhere\n        cite:").rstrip("\n"),
            "instrument 'gcm'",
            "acts.body",
            "actor",
        ),
        (
            "    acronym: GCM",
            AN_ACT.replace("    cite:", "    meeting: nowhere\n        cite:").rstrip("\n"),
            "instrument 'gcm'",
            "acts.meeting",
            "event",
        ),
    ],
)
def test_every_reference_field_is_checked(tmp_path, old, new, record, field, kind):
    assert _problems(_seeds(tmp_path, old, new)) == [
        f"data.yaml: {record}, field {field}: refers to {kind} 'nowhere', "
        "which no seed file defines"
    ]


def test_a_pledge_s_objective_must_be_in_the_dataset(tmp_path):
    """The test dataset holds Objective 7 only: a pledge toward Objective 9 refers to a
    provision no seed file defines."""
    seeds = _seeds(tmp_path, "    objectives: [7]\n", "    objectives: [7, 9]\n")
    assert _problems(seeds) == [
        "data.yaml: pledge 'example-pledge', field objectives: refers to provision "
        "'gcm.objective.9', which no seed file defines"
    ]


@pytest.mark.parametrize(
    ("end", "field"),
    [("from: coordination-meetings", "source"), ("to: pledging-initiative", "target")],
)
def test_both_ends_of_a_process_link_are_checked(tmp_path, end, field):
    link = LINK.replace(end, end.split(":")[0] + ": nowhere")
    problems = _problems(_seeds(tmp_path, extra=link))
    assert problems == [
        f"extra.yaml: processlink (no id), field {field}: refers to process 'nowhere', "
        "which no seed file defines"
    ]


@pytest.mark.parametrize(
    ("old", "new", "kind", "ident"),
    [
        (
            MODERATOR,
            A_POINT,
            "statement_point",
            "cm-15.s3.moderator.juan-jose-gomez-camacho.point-1",
        ),
        ("    acronym: GCM\n", AN_ACT, "instrument_act", "gcm.adoption"),
    ],
)
def test_citations_of_points_and_acts_find_them_by_their_derived_ids(
    tmp_path, old, new, kind, ident
):
    """A statement's point is numbered from 1 within its participation, an instrument's act
    is named by the act: a citation in another file finds them by those ids only."""
    cited = EXTRA_CITATION.format(kind=kind, ident=ident)
    check_dataset(read_dataset(_seeds(tmp_path / "good", old, new, extra=cited)), None)
    wrong = EXTRA_CITATION.format(kind=kind, ident=ident + "-x")
    assert _problems(_seeds(tmp_path / "bad", old, new, extra=wrong)) == [
        f"extra.yaml: citations of {kind} '{ident}-x', field subject: refers to {kind} "
        f"'{ident}-x', which no seed file defines"
    ]


def test_an_act_s_citation_must_refer_to_a_source(tmp_path):
    seeds = _seeds(tmp_path, "    acronym: GCM\n", AN_ACT.replace("wmr-2024-ch8", "nowhere"))
    assert _problems(seeds) == [
        "data.yaml: instrument 'gcm', field cite.source: refers to source 'nowhere', which no "
        "seed file defines"
    ]


BRIEFING = """events:
  - id: iom-briefing
    title: Briefing by the International Organization for Migration
    kind: meeting
    parent: cm-15
    date: "2017-02-16"
    cite: [{source: no-such-source, locator: p. 2}]
"""


def test_curation_checks_run_only_when_asked(tmp_path):
    """A load needs no curation: an actor named but not linked and a statement without its
    points are named by ``mgt seed --check`` (curation) after every other problem, and left
    alone by a load, which names only the others."""
    statement = MODERATOR + "        statement: He stressed the need to work together.\n"
    dataset = read_dataset(_seeds(tmp_path, MODERATOR, statement, extra=BRIEFING))
    unsourced = (
        "extra.yaml: event 'iom-briefing', field cite.source: refers to source "
        "'no-such-source', which no seed file defines"
    )
    with pytest.raises(SeedError) as loaded:
        check_dataset(dataset, None)
    assert loaded.value.problems == [unsourced]
    with pytest.raises(SeedError) as curated:
        check_dataset(dataset, None, curation=True)
    assert curated.value.problems == [
        unsourced,
        "event 'iom-briefing' names actor 'iom' (as \"International Organization for "
        'Migration") but does not link it: add it as a participant with a role, or list it '
        "under unlinked_mentions with a reason",
        "event 'cm-15.s3': the statement of 'juan-jose-gomez-camacho' has no points (it says "
        "only that they stressed ...); list what was said as points, each with its quotes",
    ]
