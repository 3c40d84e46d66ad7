-- hf_model_downloads_between(from_day, to_day): per Hub model seen between from_day - 3 and to_day, its
-- all-time downloads on from_day and to_day and the gain downloads_all_time(to_day) - downloads_all_time(from_day).
-- A model's value on a day is its snapshot of that day (observed) or its latest one at most 3 days earlier
-- (bridged); before its creation day (created_at, UTC) it is 0 ('not created'); otherwise NULL ('missing'),
-- never 0. The gain is NULL when an end is NULL; bridged is true when an end was bridged.

create or replace macro hf_model_downloads_between(from_day, to_day) as table
with bounds as (
    select from_day::date as from_day, to_day::date as to_day
),

models as (   -- every model seen in the window, its author and creation day (as last seen by then)
    select
        s.model_id,
        arg_max(s.author, s.snapshot_date) as author,
        (arg_max(s.created_at, s.snapshot_date) at time zone 'UTC')::date as created_day
    from hf_model_snapshots s
    cross join bounds b
    where s.snapshot_date between b.from_day - 3 and b.to_day
    group by s.model_id
),

ends as (
    select m.model_id, m.created_day, b.from_day as day from models m cross join bounds b
    union
    select m.model_id, m.created_day, b.to_day as day from models m cross join bounds b
),

hits as (   -- the snapshot of the day or the latest one at most 3 days earlier
    select
        e.model_id,
        e.day,
        arg_min(s.downloads_all_time, k.back) as downloads_all_time,
        min(k.back) as back
    from ends e
    cross join (values (0), (1), (2), (3)) k(back)
    join hf_model_snapshots s on s.model_id = e.model_id and s.snapshot_date = e.day - k.back
    group by e.model_id, e.day
),

valued as (
    select
        e.model_id,
        e.day,
        case
            when h.back is not null then h.downloads_all_time
            when e.created_day > e.day then 0
        end as downloads_all_time,
        case
            when h.back = 0 then 'observed'
            when h.back > 0 then 'bridged'
            when e.created_day > e.day then 'not created'
            else 'missing'
        end as basis
    from ends e
    left join hits h on h.model_id = e.model_id and h.day = e.day
)

select
    m.model_id,
    m.author,
    m.created_day,
    f.downloads_all_time as downloads_from,
    l.downloads_all_time as downloads_to,
    l.downloads_all_time - f.downloads_all_time as downloads_gained,
    case when l.downloads_all_time - f.downloads_all_time is not null then 'observed' end as basis,
    l.downloads_all_time - f.downloads_all_time is not null and 'bridged' in (f.basis, l.basis) as bridged,
    case when f.downloads_all_time is null and f.basis = 'observed' then 'no all-time count' else f.basis end
        as basis_from,
    case when l.downloads_all_time is null and l.basis = 'observed' then 'no all-time count' else l.basis end
        as basis_to,
    b.from_day,
    b.to_day
from models m
cross join bounds b
join valued f on f.model_id = m.model_id and f.day = b.from_day
join valued l on l.model_id = m.model_id and l.day = b.to_day
order by m.model_id;

comment on macro table hf_model_downloads_between is 'Table macro hf_model_downloads_between(from_day, to_day): per Hub model seen between from_day - 3 and to_day, all-time downloads on both days (snapshot of the day or at most 3 days earlier, 0 before creation, else NULL) and downloads_gained, NULL when an end is NULL; bridged, basis_from, basis_to.';
