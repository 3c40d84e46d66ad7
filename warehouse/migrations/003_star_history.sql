-- 003: star history from GET /repos/{owner}/{repo}/stargazers/history.
-- Stars that still exist, by the day they were given: NOT the historical total (see README "Star history").

create table github_star_history (
    repo_id      bigint not null,
    repo         varchar not null,            -- owner/name as GitHub returned it when fetched
    day          date not null,               -- week start + index in `days`
    stars_added  bigint not null,
    fetched_at   timestamptz not null,        -- the newest fetch of a day wins (unstars lower old buckets)
    primary key (repo_id, day)
);

-- backfill progress per repo: where to resume, and what the last fetch saw
create table github_star_history_state (
    repo_id          bigint primary key,
    repo             varchar not null,
    created_at       timestamptz,             -- the repo's creation: the backfill goes back to its week
    pages_needed     integer,                 -- ceil(weeks since creation / 30), as computed at the last fetch
    next_page        integer not null default 1,   -- the next page to fetch; > pages_needed when complete
    complete         boolean not null default false,
    oldest_day       date,                    -- the oldest day covered so far
    stars_at_fetch   bigint,                  -- stargazers count of the newest snapshot when history was last fetched
    last_fetched_at  timestamptz,
    last_error       varchar
);
