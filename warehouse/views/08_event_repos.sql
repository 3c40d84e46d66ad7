-- event_repos: the repos each event is about: its repo when the event names one (matched
-- case-insensitively through repo_name_lookup, so renames are followed), else every repo of its entity.

create or replace view event_repos as
with as_of as (
    select as_of from as_of_dates where source = 'github'
),

named as (
    select e.event_id, l.repo_id, 'repo' as via
    from events e
    join repo_name_lookup l on l.name = lower(e.repo)
    where e.repo is not null
),

entity as (
    select e.event_id, er.repo_id, 'entity' as via
    from events e
    join entity_repos er on er.entity_key = e.entity_key
    where e.repo is null
)

select u.event_id, u.repo_id, u.via, a.as_of
from (select * from named union all select * from entity) u
cross join as_of a;

comment on view event_repos is 'The repos of each event: the repo it names (case-insensitive, renames followed) or, when it names none, every repo of its entity (entity_repos).';

comment on column event_repos.event_id is 'The event''s position in config.toml, 1-based (events.event_id).';
comment on column event_repos.repo_id is 'GitHub''s numeric repo id (stable across renames).';
comment on column event_repos.via is 'repo (the repo the event names, matched case-insensitively through repo_name_lookup) or entity (the event names no repo: every repo of its entity in entity_repos).';
comment on column event_repos.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
