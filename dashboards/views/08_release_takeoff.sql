-- release_takeoff: how fast each event (release) took off on GitHub and on the Hub.
-- Day 1 is the event day, day 0 the day before it. The N-day gain (N = 7, 30, 90) is value(day N) -
-- value(day 0), i.e. value(event day - 1 + N) - value(event day - 1): an N-day difference, like the as-of
-- gains, that includes the event day itself. It is NULL until day N is reached (day N <= the source's as-of
-- date, i.e. days_elapsed >= N) or when no repo/model has both ends.
-- Stars: the event's repo when it names one, else every repo of its entity (event_repos), each valued by
-- repo_stars_on (bridged up to 3 days; 0 before the repo's creation; reconstructed before its first
-- snapshot); only repos with both ends are added (repos_counted_Nd).
-- Downloads: from downloads_all_time differences of the event's model when it names one (case-insensitive),
-- else every model of the entity's Hub authors; a model's value on a day is its snapshot of that day or
-- the latest at most 3 days earlier, and 0 before the model's creation day; only models with both ends are
-- added (models_counted_Nd). downloads_30d_at_day30 is the Hub's rolling 30-day count on day 30.
-- A repo or model counts for the N-day window only if it was created on or before day N (the end day;
-- unknown creation: it counts), so an item created later adds no 0 - 0 gain: the gain is NULL when no
-- counted item has both ends.
-- basis: 'includes reconstructed' when a counted star end came from star history, else 'observed' (NULL when
-- no star gain could be computed).

create or replace view release_takeoff as
with github_as_of as (
    select as_of from as_of_dates where source = 'github'
),

hf_as_of as (
    select as_of from as_of_dates where source = 'huggingface'
),

repo_ends as (   -- each event repo on day 0, 7, 30 and 90
    select
        r.event_id,
        r.repo_id,
        any_value(p.stars) filter (where p.day = e.day - 1) as stars_0,
        any_value(p.stars) filter (where p.day = e.day - 1 + 7) as stars_7,
        any_value(p.stars) filter (where p.day = e.day - 1 + 30) as stars_30,
        any_value(p.stars) filter (where p.day = e.day - 1 + 90) as stars_90,
        bool_or(p.basis = 'reconstructed') filter (where p.day = e.day - 1) as reconstructed_0,
        bool_or(p.basis = 'reconstructed') filter (where p.day = e.day - 1 + 7) as reconstructed_7,
        bool_or(p.basis = 'reconstructed') filter (where p.day = e.day - 1 + 30) as reconstructed_30,
        bool_or(p.basis = 'reconstructed') filter (where p.day = e.day - 1 + 90) as reconstructed_90,
        any_value(e.day) as event_day,
        any_value((g.created_at at time zone 'UTC')::date) as created_day
    from events e
    join event_repos r on r.event_id = e.event_id
    left join github_repos g on g.repo_id = r.repo_id
    left join repo_stars_on p
        on p.repo_id = r.repo_id and p.day in (e.day - 1, e.day - 1 + 7, e.day - 1 + 30, e.day - 1 + 90)
    group by r.event_id, r.repo_id
),

repo_gains as (   -- a repo counts for a window only if created on or before its end day (day N)
    select
        event_id,
        case when coalesce(created_day <= event_day - 1 + 7, true) then stars_7 - stars_0 end as gain_7,
        case when coalesce(created_day <= event_day - 1 + 30, true) then stars_30 - stars_0 end as gain_30,
        case when coalesce(created_day <= event_day - 1 + 90, true) then stars_90 - stars_0 end as gain_90,
        reconstructed_0,
        reconstructed_7,
        reconstructed_30,
        reconstructed_90
    from repo_ends
),

event_stars as (
    select
        event_id,
        count(*) as repos,
        sum(gain_7)::bigint as stars_gained_7d,
        sum(gain_30)::bigint as stars_gained_30d,
        sum(gain_90)::bigint as stars_gained_90d,
        count(gain_7) as repos_counted_7d,
        count(gain_30) as repos_counted_30d,
        count(gain_90) as repos_counted_90d,
        bool_or(
            (gain_7 is not null and (reconstructed_0 or reconstructed_7))
            or (gain_30 is not null and (reconstructed_0 or reconstructed_30))
            or (gain_90 is not null and (reconstructed_0 or reconstructed_90))
        ) as includes_reconstructed
    from repo_gains
    group by event_id
),

models as (   -- every model ever seen, with its author and creation day
    select
        model_id,
        arg_max(author, snapshot_date) as author,
        (arg_max(created_at, snapshot_date) at time zone 'UTC')::date as created_day
    from hf_model_snapshots
    group by model_id
),

event_models as (
    select e.event_id, m.model_id, m.created_day
    from events e
    join models m on lower(m.model_id) = lower(e.model)
    where e.model is not null
    union
    select e.event_id, m.model_id, m.created_day
    from events e
    join entity_hf_authors a on a.entity_key = e.entity_key
    join models m on lower(m.author) = lower(a.author)
    where e.model is null
),

model_days as (   -- day 0, 7, 30 and 90 of each event model, up to the Hub as-of date
    select em.event_id, em.model_id, em.created_day, e.day - 1 + w.days as day, w.days
    from event_models em
    join events e on e.event_id = em.event_id
    cross join (values (0), (7), (30), (90)) w(days)
    cross join hf_as_of a
    where e.day - 1 + w.days <= a.as_of
),

model_hits as (   -- the snapshot of the day or the latest one at most 3 days earlier
    select
        d.event_id,
        d.model_id,
        d.days,
        arg_min(s.downloads_all_time, b.back) as downloads_all_time,
        arg_min(s.downloads_30d, b.back) as downloads_30d
    from model_days d
    cross join (values (0), (1), (2), (3)) b(back)
    join hf_model_snapshots s on s.model_id = d.model_id and s.snapshot_date = d.day - b.back
    group by d.event_id, d.model_id, d.days
),

model_values as (   -- 0 before the model's creation day
    select
        d.event_id,
        d.model_id,
        d.days,
        d.day,
        d.created_day,
        coalesce(h.downloads_all_time, case when d.created_day > d.day then 0 end) as downloads_all_time,
        coalesce(h.downloads_30d, case when d.created_day > d.day then 0 end) as downloads_30d
    from model_days d
    left join model_hits h on h.event_id = d.event_id and h.model_id = d.model_id and h.days = d.days
),

model_ends as (   -- a model counts for a window only if created on or before its end day (day N)
    select
        event_id,
        model_id,
        any_value(downloads_all_time) filter (where days = 0) as all_time_0,
        any_value(downloads_all_time) filter (where days = 7 and coalesce(created_day <= day, true))
            as all_time_7,
        any_value(downloads_all_time) filter (where days = 30 and coalesce(created_day <= day, true))
            as all_time_30,
        any_value(downloads_all_time) filter (where days = 90 and coalesce(created_day <= day, true))
            as all_time_90,
        any_value(downloads_30d) filter (where days = 30 and coalesce(created_day <= day, true))
            as downloads_30d_at_day30
    from model_values
    group by event_id, model_id
),

event_downloads as (
    select
        em.event_id,
        count(*) as models,
        sum(m.all_time_7 - m.all_time_0)::bigint as downloads_gained_7d,
        sum(m.all_time_30 - m.all_time_0)::bigint as downloads_gained_30d,
        sum(m.all_time_90 - m.all_time_0)::bigint as downloads_gained_90d,
        count(m.all_time_7 - m.all_time_0) as models_counted_7d,
        count(m.all_time_30 - m.all_time_0) as models_counted_30d,
        count(m.all_time_90 - m.all_time_0) as models_counted_90d,
        sum(m.downloads_30d_at_day30)::bigint as downloads_30d_at_day30
    from event_models em
    left join model_ends m on m.event_id = em.event_id and m.model_id = em.model_id
    group by em.event_id
)

select
    e.event_id,
    e.day,
    e.entity_key,
    e.label,
    e.repo,
    e.model,
    s.stars_gained_7d,
    s.stars_gained_30d,
    s.stars_gained_90d,
    d.downloads_gained_7d,
    d.downloads_gained_30d,
    d.downloads_gained_90d,
    d.downloads_30d_at_day30,
    greatest(ga.as_of - (e.day - 1), 0) as days_elapsed,
    greatest(ha.as_of - (e.day - 1), 0) as hf_days_elapsed,
    coalesce(s.repos, 0) as repos,
    coalesce(s.repos_counted_7d, 0) as repos_counted_7d,
    coalesce(s.repos_counted_30d, 0) as repos_counted_30d,
    coalesce(s.repos_counted_90d, 0) as repos_counted_90d,
    coalesce(d.models, 0) as models,
    coalesce(d.models_counted_7d, 0) as models_counted_7d,
    coalesce(d.models_counted_30d, 0) as models_counted_30d,
    coalesce(d.models_counted_90d, 0) as models_counted_90d,
    case
        when s.includes_reconstructed then 'includes reconstructed'
        when s.repos_counted_7d + s.repos_counted_30d + s.repos_counted_90d > 0 then 'observed'
    end as basis,
    ga.as_of as github_as_of,
    ha.as_of as hf_as_of
from events e
cross join github_as_of ga
cross join hf_as_of ha
left join event_stars s on s.event_id = e.event_id
left join event_downloads d on d.event_id = e.event_id
order by e.day, e.event_id;

comment on view release_takeoff is 'Per event: stars and all-time downloads gained from day 0 (the day before the event) to day 7, 30 and 90 (value(event day - 1 + N) - value(event day - 1)), over the event repo/model or else the entity''s, adding only those created by day N that have both ends; NULL until day N is reached; plus the rolling 30-day downloads on day 30.';

comment on column release_takeoff.event_id is 'The event''s position in config.toml, 1-based.';
comment on column release_takeoff.day is 'The event day (day 1); a month-only date is the 1st of the month. Day 0 is the day before.';
comment on column release_takeoff.entity_key is 'The entity the event belongs to ([[event]] entity).';
comment on column release_takeoff.label is 'The event''s label ([[event]] label).';
comment on column release_takeoff.repo is 'The repo the event names ([[event]] repo, owner/name); NULL: every repo of the entity.';
comment on column release_takeoff.model is 'The model the event names ([[event]] model, author/name); NULL: every model of the entity''s Hub authors.';
comment on column release_takeoff.stars_gained_7d is 'Stars on day 7 (event day - 1 + 7) - stars on day 0 (repo_stars_on), summed over the event''s repos created by day 7 with both ends; NULL until day 7 is reached or when no repo has both.';
comment on column release_takeoff.stars_gained_30d is 'Stars on day 30 (event day - 1 + 30) - stars on day 0 (repo_stars_on), summed over the event''s repos created by day 30 with both ends; NULL until day 30 is reached or when no repo has both.';
comment on column release_takeoff.stars_gained_90d is 'Stars on day 90 (event day - 1 + 90) - stars on day 0 (repo_stars_on), summed over the event''s repos created by day 90 with both ends; NULL until day 90 is reached or when no repo has both.';
comment on column release_takeoff.downloads_gained_7d is 'downloads_all_time on day 7 - on day 0 (a snapshot of the day or at most 3 days earlier; 0 before the model''s creation), summed over the event''s models created by day 7 with both ends; NULL until day 7 is reached or when no model has both.';
comment on column release_takeoff.downloads_gained_30d is 'downloads_all_time on day 30 - on day 0 (a snapshot of the day or at most 3 days earlier; 0 before the model''s creation), summed over the event''s models created by day 30 with both ends; NULL until day 30 is reached or when no model has both.';
comment on column release_takeoff.downloads_gained_90d is 'downloads_all_time on day 90 - on day 0 (a snapshot of the day or at most 3 days earlier; 0 before the model''s creation), summed over the event''s models created by day 90 with both ends; NULL until day 90 is reached or when no model has both.';
comment on column release_takeoff.downloads_30d_at_day30 is 'The Hub''s rolling 30-day downloads on day 30, summed over the event''s models created by then; NULL until day 30 is reached.';
comment on column release_takeoff.days_elapsed is 'GitHub as-of date - day 0, at least 0: stars_gained_Nd can be known once it is N or more.';
comment on column release_takeoff.hf_days_elapsed is 'Hub as-of date - day 0, at least 0: downloads_gained_Nd can be known once it is N or more.';
comment on column release_takeoff.repos is 'The event''s repos (event_repos): its named repo, else every repo of its entity.';
comment on column release_takeoff.repos_counted_7d is 'How many of the event''s repos are added up in stars_gained_7d.';
comment on column release_takeoff.repos_counted_30d is 'How many of the event''s repos are added up in stars_gained_30d.';
comment on column release_takeoff.repos_counted_90d is 'How many of the event''s repos are added up in stars_gained_90d.';
comment on column release_takeoff.models is 'The event''s models ever seen on the Hub: its named model (case-insensitive), else every model of its entity''s Hub authors.';
comment on column release_takeoff.models_counted_7d is 'How many of the event''s models are added up in downloads_gained_7d.';
comment on column release_takeoff.models_counted_30d is 'How many of the event''s models are added up in downloads_gained_30d.';
comment on column release_takeoff.models_counted_90d is 'How many of the event''s models are added up in downloads_gained_90d.';
comment on column release_takeoff.basis is 'includes reconstructed when a counted star end came from star history, else observed; NULL when no star gain could be computed.';
comment on column release_takeoff.github_as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
comment on column release_takeoff.hf_as_of is 'The Hub as-of date: the newest snapshot_date in hf_model_snapshots (NULL before the first snapshot).';
