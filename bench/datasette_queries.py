"""Datasette canned queries returning the same rows as each measured endpoint.

Each query does in SQL the work our endpoint does in Python: the same page of rows in the
same order, with the same related data (participants, citations with their sources, themes,
disputes, ...) aggregated per row as JSON, so the comparison is of serving the same facts.
Datasette returns nested parts as JSON text inside its JSON; we render real nested JSON and
compute the EDTF display forms on top.
"""

from __future__ import annotations

import json
from pathlib import Path


def citations(subject_type: str, subject_id: str) -> str:
    return f"""json((select json_group_array(json_object(
        'source', json_object('id', s.id, 'title', s.title, 'symbol', s.symbol, 'url', s.url),
        'quote', c.quote, 'locator', c.locator, 'note', c.note))
      from (select * from citations where subject_type = '{subject_type}'
            and subject_id = {subject_id} order by ordinal) c
      join sources s on s.id = c.source_id))"""


def themes(subject_type: str, subject_id: str) -> str:
    return f"""json((select json_group_array(json_object('id', t.id, 'name', t.name))
      from (select t.id, t.name from theme_tags tt join themes t on t.id = tt.theme_id
            where tt.subject_type = '{subject_type}' and tt.subject_id = {subject_id}
            order by t.id) t))"""


def disputes(subject_type: str, subject_id: str) -> str:
    return f"""json((select json_group_array(json_object('id', d.id, 'field', d.field,
        'question', d.question, 'resolution', d.resolution,
        'claims', json((select json_group_array(json_object('claim', k.claim,
            'followed', k.followed, 'citations', {citations("dispute_claim", "k.id")}))
          from (select * from dispute_claims where dispute_id = d.id order by ordinal) k))))
      from (select * from disputes where subject_type = '{subject_type}'
            and subject_id = {subject_id} order by id) d))"""


def figures(subject_type: str, subject_id: str) -> str:
    return f"""json((select json_group_array(json_object('id', f.id, 'statement', f.statement,
        'value', f.value, 'unit', f.unit, 'date_edtf', f.date_edtf,
        'citations', {citations("figure", "f.id")}))
      from (select * from figures where subject_type = '{subject_type}'
            and subject_id = {subject_id} order by date_start, id) f))"""


def item_columns(e: str = "e") -> str:
    """One timeline item: the event, its names, place, participants, themes, citations."""
    return f"""{e}.id, {e}.kind, {e}.is_meeting, {e}.title, {e}.date_edtf, {e}.date_qualifier,
  {e}.date_start, {e}.date_end, {e}.status,
  {e}.process_id, (select name from processes where id = {e}.process_id) as process_name,
  {e}.parent_id, (select title from events where id = {e}.parent_id) as parent_title,
  {e}.held_as_id, (select title from events where id = {e}.held_as_id) as held_as_title,
  {e}.city, {e}.country_id, (select name from actors where id = {e}.country_id) as country_name,
  {e}.venue, {e}.format,
  json((select json_group_array(json_object(
      'actor', json_object('id', p.actor_id, 'name', a.name), 'role', p.role,
      'on_behalf_of', p.on_behalf_of_id, 'capacity', p.capacity, 'statement', p.statement,
      'citations', {citations("participation", "p.id")}))
    from (select * from participations where event_id = {e}.id order by ordinal) p
    join actors a on a.id = p.actor_id)) as actors,
  {themes("event", f"{e}.id")} as themes,
  {citations("event", f"{e}.id")} as citations,
  {disputes("event", f"{e}.id")} as disputes"""


ORDER = "order by e.date_start, e.date_end, e.id limit 51"


def queries() -> dict[str, str]:
    items = item_columns()
    return {
        "timeline_first": f"select {items} from events e {ORDER}",
        "timeline_after": f"""select {items} from events e
            where (e.date_start, e.date_end, e.id) > (:s, :e, :i) {ORDER}""",
        "timeline_actor": f"""select {items} from events e where exists (select 1 from
            participations p where p.event_id = e.id and p.actor_id = :actor) {ORDER}""",
        "timeline_process": f"""select {items} from events e where (e.process_id = :process
            or e.parent_id in (select id from events where process_id = :process)) {ORDER}""",
        "actor_profile": f"""select x.id, x.name, x.kind, x.acronym, x.aliases, x.iso3,
  x.parent_id, (select name from actors where id = x.parent_id) as parent_name, x.description,
  {citations("actor", "x.id")} as citations,
  json((select json_group_array(json_object('id', id, 'name', name)) from
        (select id, name from actors where parent_id = x.id order by id))) as members,
  json((select json_group_array(json_object('id', ps.id, 'title', ps.title,
        'organization', ps.organization_id, 'date_edtf', ps.date_edtf,
        'citations', {citations("position", "ps.id")}))
      from (select * from positions where person_id = x.id order by date_start, id) ps))
    as positions,
  json((select json_group_array(json_object('id', ps.id, 'title', ps.title,
        'person', ps.person_id, 'date_edtf', ps.date_edtf,
        'citations', {citations("position", "ps.id")}))
      from (select * from positions where organization_id = x.id order by date_start, id) ps))
    as posts_in_organization,
  json((select json_group_array(json_object(
        'event', json_object('id', ev.id, 'title', ev.title, 'kind', ev.kind,
                             'status', ev.status, 'date_edtf', ev.date_edtf),
        'role', pa.role, 'on_behalf_of', pa.on_behalf_of_id, 'capacity', pa.capacity,
        'statement', pa.statement, 'citations', {citations("participation", "pa.id")}))
      from (select p.*, ev.id as ev_id from participations p join events ev on ev.id = p.event_id
            where p.actor_id = x.id
            order by ev.date_start, ev.date_end, ev.id, p.ordinal limit 100) pa
      join events ev on ev.id = pa.ev_id)) as meeting_roles,
  json((select json_group_array(json_object('process', json_object('id', pr.id, 'name', pr.name),
        'role', r.role, 'date_edtf', r.date_edtf, 'note', r.note,
        'citations', {citations("process_role", "r.id")}))
      from (select * from process_roles where actor_id = x.id order by date_start, id) r
      join processes pr on pr.id = r.process_id)) as process_roles,
  json((select json_group_array(json_object('id', pl.id, 'name', pl.title,
        'date_edtf', pl.date_edtf))
      from (select pl.* from pledges pl join pledge_actors pa on pa.pledge_id = pl.id
            where pa.actor_id = x.id order by pl.date_start, pl.id limit 100) pl)) as pledges,
  json((select json_group_array(json_object('id', id, 'name', title)) from
        (select id, title from instruments where lead_id = x.id or adopted_by_id = x.id
         order by id))) as instruments_led,
  {figures("actor", "x.id")} as figures,
  {disputes("actor", "x.id")} as disputes
from actors x where x.id = :id""",
        "meeting_detail": f"""select {items}, e.ordinal, e.description,
  json((select json_group_array(json_object('id', c.id, 'title', c.title, 'kind', c.kind,
        'date_edtf', c.date_edtf, 'citations', {citations("event", "c.id")},
        'themes', {themes("event", "c.id")},
        'actors', json((select json_group_array(json_object(
            'actor', json_object('id', p.actor_id, 'name', a.name), 'role', p.role,
            'statement', p.statement, 'citations', {citations("participation", "p.id")}))
          from (select * from participations where event_id = c.id order by ordinal) p
          join actors a on a.id = p.actor_id))))
      from (select * from events where parent_id = e.id
            order by date_start, date_end, ordinal, id) c)) as sessions,
  json((select json_group_array(json_object('id', id, 'title', title, 'kind', kind,
        'status', status, 'date_edtf', date_edtf))
      from (select * from events where held_as_id = e.id order by date_start, id)))
    as announcements,
  json((select json_group_array(json_object('id', i.id, 'name', i.title,
        'relation', ei.relation))
      from (select * from event_instruments where event_id = e.id) ei
      join instruments i on i.id = ei.instrument_id order by i.id)) as outcome_documents,
  {figures("event", "e.id")} as figures
from events e where e.id = :id and e.is_meeting""",
        "compare": f"""select i.*, {citations("instrument", "i.id")} as citations,
  {themes("instrument", "i.id")} as themes,
  json((select json_group_array(json_object('id', v.id, 'kind', v.kind, 'number', v.number,
        'title', v.title, 'short_title', v.short_title,
        'themes', {themes("provision", "v.id")},
        'citations', {citations("provision", "v.id")}))
      from (select * from provisions where instrument_id = i.id order by ordinal) v))
    as provisions
from instruments i where i.id in (:left, :right) order by i.id = :right""",
        "objectives": f"""select v.id, v.instrument_id, v.kind, v.number, v.title, v.short_title,
  {themes("provision", "v.id")} as themes, {citations("provision", "v.id")} as citations,
  (select count(*) from pledge_objectives where provision_id = v.id) as pledges_recorded,
  {figures("provision", "v.id")} as figures
from provisions v where v.instrument_id = 'gcm' and v.kind = 'objective' order by v.ordinal""",
        "pledges_by_objective": f"""select pl.id, pl.title, pl.process_id,
  (select name from processes where id = pl.process_id) as process_name,
  pl.event_id, (select title from events where id = pl.event_id) as event_title,
  pl.date_edtf, pl.date_qualifier, pl.description, pl.type, pl.status,
  json((select json_group_array(json_object('id', a.id, 'name', a.name))
      from (select actor_id from pledge_actors where pledge_id = pl.id order by actor_id) x
      join actors a on a.id = x.actor_id)) as pledgers,
  json((select json_group_array(provision_id) from pledge_objectives
        where pledge_id = pl.id)) as objectives,
  {themes("pledge", "pl.id")} as themes, {citations("pledge", "pl.id")} as citations,
  pl.matches_id
from pledges pl where pl.id in (select pledge_id from pledge_objectives
                                where provision_id = :objective)
order by pl.id limit 51""",
    }


def write_metadata(path: Path, database: str, raw: dict[str, str] | None = None) -> None:
    """The canned queries: those returning the same facts, and ``raw`` (name: SQL) returning
    a table's raw rows."""
    every = queries() | (raw or {})
    meta = {"databases": {database: {"queries": {k: {"sql": v} for k, v in every.items()}}}}
    path.write_text(json.dumps(meta, indent=1))
