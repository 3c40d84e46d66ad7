-- star_crossovers: for each pair of crossover_pairs, when repo A's stars passed repo B's.
-- Names are matched case-insensitively through repo_name_lookup, so renames are followed. Only days where
-- both repos have a value are compared (missing days are skipped): a value in repo_stars_daily, or 0 on a
-- day before the repo's creation day (github_repos.created_at, UTC), so a repo born above the other one
-- crosses it on its first day.
-- crossover_day: the first day A > B that comes after a day where A <= B; a_stars, b_stars and basis are of
-- that day (basis 'includes reconstructed' when either value came from star history, else 'observed').
-- status: 'crossed' (there is a crossover day), 'always ahead' (A > B on every compared day), 'not yet'
-- (A <= B on some day and never above after it), 'no data' (a name not found or no day to compare).
-- latest_day, a_stars_latest and b_stars_latest show the last compared day.

create or replace view star_crossovers as
with as_of as (
    select as_of from as_of_dates where source = 'github'
),

pairs as (
    select
        p.repo_a,
        p.repo_b,
        a.repo_id as a_id,
        b.repo_id as b_id,
        (ga.created_at at time zone 'UTC')::date as a_created,
        (gb.created_at at time zone 'UTC')::date as b_created
    from crossover_pairs p
    left join repo_name_lookup a on a.name = lower(p.repo_a)
    left join repo_name_lookup b on b.name = lower(p.repo_b)
    left join github_repos ga on ga.repo_id = a.repo_id
    left join github_repos gb on gb.repo_id = b.repo_id
),

series as (
    select v.repo_id, v.day, v.stars, v.basis
    from repo_star_values v
    where v.stars is not null
      and v.repo_id in (select a_id from pairs union select b_id from pairs)
),

pair_days as (   -- every day either repo of a pair has a value
    select p.repo_a, p.repo_b, p.a_id, p.b_id, p.a_created, p.b_created, s.day
    from pairs p
    join series s on s.repo_id = p.a_id
    union
    select p.repo_a, p.repo_b, p.a_id, p.b_id, p.a_created, p.b_created, s.day
    from pairs p
    join series s on s.repo_id = p.b_id
),

valued as (   -- a repo not created yet counts 0
    select
        d.repo_a,
        d.repo_b,
        d.day,
        coalesce(a.stars, case when d.a_created > d.day then 0 end) as a_stars,
        coalesce(b.stars, case when d.b_created > d.day then 0 end) as b_stars,
        coalesce(a.basis = 'reconstructed' or b.basis = 'reconstructed', false) as reconstructed
    from pair_days d
    left join series a on a.repo_id = d.a_id and a.day = d.day
    left join series b on b.repo_id = d.b_id and b.day = d.day
),

compared as (   -- both values known on the day
    select * from valued where a_stars is not null and b_stars is not null
),

behind as (   -- the first day A was not ahead
    select repo_a, repo_b, min(day) as first_behind_day
    from compared
    where a_stars <= b_stars
    group by repo_a, repo_b
),

crossings as (
    select
        c.repo_a,
        c.repo_b,
        min(c.day) as crossover_day,
        arg_min(c.a_stars, c.day) as a_stars,
        arg_min(c.b_stars, c.day) as b_stars,
        arg_min(c.reconstructed, c.day) as reconstructed
    from compared c
    join behind b on b.repo_a = c.repo_a and b.repo_b = c.repo_b and c.day > b.first_behind_day
    where c.a_stars > c.b_stars
    group by c.repo_a, c.repo_b
),

latest as (
    select
        repo_a,
        repo_b,
        count(*) as days_compared,
        max(day) as latest_day,
        arg_max(a_stars, day) as a_stars_latest,
        arg_max(b_stars, day) as b_stars_latest
    from compared
    group by repo_a, repo_b
)

select
    p.repo_a,
    p.repo_b,
    p.a_id as a_repo_id,
    p.b_id as b_repo_id,
    c.crossover_day,
    c.a_stars,
    c.b_stars,
    case when c.reconstructed then 'includes reconstructed' when c.crossover_day is not null then 'observed' end
        as basis,
    case
        when l.days_compared is null then 'no data'
        when c.crossover_day is not null then 'crossed'
        when b.first_behind_day is null then 'always ahead'
        else 'not yet'
    end as status,
    l.latest_day,
    l.a_stars_latest,
    l.b_stars_latest,
    a.as_of
from pairs p
cross join as_of a
left join crossings c on c.repo_a = p.repo_a and c.repo_b = p.repo_b
left join behind b on b.repo_a = p.repo_a and b.repo_b = p.repo_b
left join latest l on l.repo_a = p.repo_a and l.repo_b = p.repo_b
order by p.repo_a, p.repo_b;

comment on view star_crossovers is 'Per crossover pair (names matched case-insensitively, renames followed): the first day repo A had more stars than repo B after a day it had no more, comparing only days where both have a value in repo_stars_daily or one was not created yet (0 stars); status crossed, always ahead, not yet or no data.';

comment on column star_crossovers.repo_a is 'Repo A as written in [[crossover]] a (owner/name).';
comment on column star_crossovers.repo_b is 'Repo B as written in [[crossover]] b (owner/name).';
comment on column star_crossovers.a_repo_id is 'The repo id repo_a leads to (repo_name_lookup: case-insensitive, renames followed); NULL when not found.';
comment on column star_crossovers.b_repo_id is 'The repo id repo_b leads to (repo_name_lookup: case-insensitive, renames followed); NULL when not found.';
comment on column star_crossovers.crossover_day is 'The first day A had more stars than B after a compared day where A had no more; NULL when there is none.';
comment on column star_crossovers.a_stars is 'A''s stars on crossover_day.';
comment on column star_crossovers.b_stars is 'B''s stars on crossover_day.';
comment on column star_crossovers.basis is 'includes reconstructed when a value on crossover_day came from star history, else observed; NULL without crossover_day.';
comment on column star_crossovers.status is 'crossed, always ahead (A above B on every compared day), not yet (A not above B after its last day at or below it) or no data (a name not found or no day to compare).';
comment on column star_crossovers.latest_day is 'The last compared day (both repos have a value, or 0 before creation).';
comment on column star_crossovers.a_stars_latest is 'A''s stars on latest_day.';
comment on column star_crossovers.b_stars_latest is 'B''s stars on latest_day.';
comment on column star_crossovers.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
